/**
 * The saved index of a log (`logs/<name>.log.idx`, see docs/store-layout.md): what a reader needs to
 * index the log without parsing it, so opening a store of 100,000s of results reads a few MB instead
 * of every record. Written by the log's writer when it closes; a cache, never the only copy of
 * anything: a missing, stale or damaged one means the log is read instead. Pure encode/decode.
 *
 *   "JUGI" | u32 version | u64 log size, mtime ns, ctime ns, inode (the log as it was when this was written)
 *   | u32 results | u32 key bytes | u32 event bytes | str16 log name
 *   | keys: per result record, u8 kind · u8 hash length · hash        (the start of its record body)
 *   | f64 offset[results] | u32 record length[results] | u32 FNV-1a of the hash[results]
 *   | events: per tombstone or failure record, f64 offset · the whole record (header and body)
 *   | u32 CRC-32 of everything before
 */
import { RECORD_HEADER_BYTES, crc32 } from "./records";

export const LOG_INDEX_MAGIC = 0x4947554a; // "JUGI" read as a little-endian u32
export const LOG_INDEX_VERSION = 1;

/** What the index says about its log; compared with the log's current stat before the index is used. */
export interface LogStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

export interface LogIndex {
  logName: string;
  stamp: LogStamp;
  results: number;
  /** Per result record, in log order: u8 kind, u8 hash length, hash bytes. */
  keys: Buffer;
  offsets: Float64Array;
  lengths: Uint32Array;
  keyHashes: Uint32Array;
  /** Tombstone and failure records, in log order: f64 offset, then the record. */
  events: Buffer;
}

const FIXED_HEADER = 4 + 4 + 4 * 8 + 3 * 4;

export function encodeLogIndex(index: Omit<LogIndex, "results">): Buffer {
  const results = index.offsets.length;
  const name = Buffer.from(index.logName, "utf8");
  const size = FIXED_HEADER + 2 + name.length + index.keys.length + results * 16 + index.events.length + 4;
  const out = Buffer.alloc(size);
  let at = out.writeUInt32LE(LOG_INDEX_MAGIC, 0);
  at = out.writeUInt32LE(LOG_INDEX_VERSION, at);
  for (const v of [index.stamp.size, index.stamp.mtimeNs, index.stamp.ctimeNs, index.stamp.ino]) at = out.writeBigUInt64LE(v, at);
  at = out.writeUInt32LE(results, at);
  at = out.writeUInt32LE(index.keys.length, at);
  at = out.writeUInt32LE(index.events.length, at);
  at = out.writeUInt16LE(name.length, at);
  at += name.copy(out, at);
  at += index.keys.copy(out, at);
  at += Buffer.from(index.offsets.buffer, index.offsets.byteOffset, results * 8).copy(out, at);
  at += Buffer.from(index.lengths.buffer, index.lengths.byteOffset, results * 4).copy(out, at);
  at += Buffer.from(index.keyHashes.buffer, index.keyHashes.byteOffset, results * 4).copy(out, at);
  at += index.events.copy(out, at);
  out.writeUInt32LE(crc32(out.subarray(0, at)), at);
  return out;
}

/** Thrown for bytes that are not a readable log index (damaged, or truncated). */
export class LogIndexDamaged extends Error {}

/**
 * Decodes a log index; undefined for another version (ignored: the log is read instead), throws
 * LogIndexDamaged when the bytes fail their checksum or do not add up. The keys are copied out, so
 * the index keeps only what it needs of `bytes`.
 */
export function decodeLogIndex(bytes: Buffer): LogIndex | undefined {
  if (bytes.length < FIXED_HEADER + 6 || bytes.readUInt32LE(0) !== LOG_INDEX_MAGIC) throw new LogIndexDamaged("not a log index");
  if (bytes.readUInt32LE(4) !== LOG_INDEX_VERSION) return undefined;
  const end = bytes.length - 4;
  if (crc32(bytes.subarray(0, end)) !== bytes.readUInt32LE(end)) throw new LogIndexDamaged("checksum mismatch");
  let at = 8;
  const u64 = () => {
    const v = bytes.readBigUInt64LE(at);
    at += 8;
    return v;
  };
  const stamp: LogStamp = { size: u64(), mtimeNs: u64(), ctimeNs: u64(), ino: u64() };
  const results = bytes.readUInt32LE(at);
  const keyBytes = bytes.readUInt32LE(at + 4);
  const eventBytes = bytes.readUInt32LE(at + 8);
  const nameLength = bytes.readUInt16LE(at + 12);
  at += 14;
  const logName = bytes.toString("utf8", at, at + nameLength);
  at += nameLength;
  if (at + keyBytes + results * 16 + eventBytes !== end) throw new LogIndexDamaged("sections do not add up");
  const keys = Buffer.allocUnsafeSlow(keyBytes);
  bytes.copy(keys, 0, at, at + keyBytes);
  at += keyBytes;
  const column = <T extends Float64Array | Uint32Array>(make: new (n: number) => T, width: number): T => {
    const a = new make(results);
    Buffer.from(a.buffer).set(bytes.subarray(at, at + results * width));
    at += results * width;
    return a;
  };
  const offsets = column(Float64Array, 8);
  const lengths = column(Uint32Array, 4);
  const keyHashes = column(Uint32Array, 4);
  const events = bytes.subarray(at, end);
  checkKeys(keys, results);
  return { logName, stamp, results, keys, offsets, lengths, keyHashes, events };
}

/** Each key entry fits, and they fill the section exactly. */
function checkKeys(keys: Buffer, results: number): void {
  let at = 0;
  for (let i = 0; i < results; i++) {
    if (at + 2 > keys.length) throw new LogIndexDamaged("keys do not add up");
    at += 2 + keys[at + 1]!;
  }
  if (at !== keys.length) throw new LogIndexDamaged("keys do not add up");
}

/** Calls `visit` with each event record of an index: its offset in the log, its body and total length. */
export function forEachEvent(events: Buffer, visit: (offset: number, body: Buffer, length: number) => void): void {
  let at = 0;
  while (at < events.length) {
    if (at + 8 + RECORD_HEADER_BYTES > events.length) throw new LogIndexDamaged("events do not add up");
    const offset = events.readDoubleLE(at);
    const length = RECORD_HEADER_BYTES + events.readUInt32LE(at + 8 + 4);
    if (at + 8 + length > events.length) throw new LogIndexDamaged("events do not add up");
    visit(offset, events.subarray(at + 8 + RECORD_HEADER_BYTES, at + 8 + length), length);
    at += 8 + length;
  }
}

/** The event entry of a record appended at `offset`: f64 offset, then the record. */
export function eventEntry(offset: number, record: Buffer): Buffer {
  const entry = Buffer.allocUnsafe(8 + record.length);
  entry.writeDoubleLE(offset, 0);
  record.copy(entry, 8);
  return entry;
}

/**
 * True when the log is exactly as it was when its index was written, and was last changed before the
 * index was written (`indexMtimeNs`, the index file's own mtime). Logs are append-only and closed
 * when indexed, so any later change (an alteration, a truncation) shows in its ctime; the strict
 * inequality covers a change within the same clock tick as the last append (file times are coarse).
 */
export function indexCovers(recorded: LogStamp, log: LogStamp, indexMtimeNs: bigint): boolean {
  return (
    recorded.size === log.size &&
    recorded.mtimeNs === log.mtimeNs &&
    recorded.ctimeNs === log.ctimeNs &&
    recorded.ino === log.ino &&
    recorded.ctimeNs < indexMtimeNs
  );
}
