/**
 * The saved index of a log (`logs/<name>.idx`, see docs/store-layout.md): what a reader needs to
 * index the log without parsing it, so opening a store of 100,000s of results reads ~45 bytes per
 * result instead of every record. Written by the log's writer when it closes; a cache, never the
 * only copy of anything: a missing, stale or damaged one means the log is read instead.
 *
 *   "JUGI" | u32 version | u64 log size, mtime ns, ctime ns, inode (the log as it was when indexed)
 *   | u32 results | u32 event bytes | str16 log name
 *   | keys: per result record, its hash as 32 bytes (the hash is 64 lowercase hex digits), sorted
 *   | f64 offset[results] | u32 record length[results] | u8 kind[results]      (in the order of the keys)
 *   | u32 dir[2^bits + 1]: dir[p] = the first key whose top `bits` bits are >= p (prefixBits)
 *   | events: per tombstone or failure record, f64 offset · the whole record (header and body), in log order
 *   | u32 CRC-32 of everything before
 *
 * Only logs whose every result hash is 64 lowercase hex digits (every jug task hash) get an index.
 */
import { HEX_PAIR } from "../../hash/digest-table";
import { RECORD_HEADER_BYTES, crc32 } from "./records";

export const LOG_INDEX_MAGIC = 0x4947554a; // "JUGI" read as a little-endian u32
/** 1 was an earlier format of this development series (without the key directory): ignored like any other version. */
export const LOG_INDEX_VERSION = 2;
export const KEY_BYTES = 32;

/** What the index says about its log; compared with the log's current stat before the index is used. */
export interface LogStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

/** The result records of a log, one entry per record: columns in the same order. */
export interface KeyedRecords {
  /** KEY_BYTES per record: its hash, as bytes. */
  keys: Buffer;
  offsets: Float64Array;
  lengths: Uint32Array;
  kinds: Uint8Array;
}

export interface LogIndex extends KeyedRecords {
  /** The directory of key prefixes (prefixDirectory). */
  dir: Uint32Array;
  logName: string;
  stamp: LogStamp;
  /** Tombstone and failure records, in log order: f64 offset, then the record. */
  events: Buffer;
}

/** Thrown for bytes that are not a readable log index (damaged, or truncated). */
export class LogIndexDamaged extends Error {}

const FIXED_HEADER = 4 + 4 + 4 * 8 + 4 + 4 + 2;

/** `records` sorted by key (then by offset), the order an index keeps them in: sorted in place, and returned. */
export function sortedByKey(records: KeyedRecords): KeyedRecords {
  const n = records.offsets.length;
  const { keys, offsets } = records;
  // A numeric sort of (key prefix, position) packed into one double, then the few runs of equal
  // prefixes sorted in full: a comparator over 100,000 keys costs ~10x more.
  const positionBits = Math.max(5, Math.ceil(Math.log2(n + 1)));
  const prefixBits = 53 - positionBits; // <= 48
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = Math.floor(keys.readUIntBE(i * KEY_BYTES, 6) / 2 ** (48 - prefixBits)) * 2 ** positionBits + i;
  packed.sort();
  const order = new Uint32Array(n);
  const prefixOf = (j: number) => Math.floor(packed[j]! / 2 ** positionBits);
  for (let j = 0; j < n; j++) order[j] = packed[j]! % 2 ** positionBits;
  for (let j = 0; j < n; ) {
    let end = j + 1;
    while (end < n && prefixOf(end) === prefixOf(j)) end++;
    if (end - j > 1) {
      // buf.compare(target, ...) is the sign of buf's range minus target's
      order.subarray(j, end).sort((a, b) => keys.compare(keys, b * KEY_BYTES, (b + 1) * KEY_BYTES, a * KEY_BYTES, (a + 1) * KEY_BYTES) || offsets[a]! - offsets[b]!);
    }
    j = end;
  }
  // Applied in place, cycle by cycle (order[j] = j once position j holds its record): a sorted copy
  // of 100,000 records would be 4.5 MB more at close, when this runs.
  const { lengths, kinds } = records;
  const heldKey = new Uint8Array(KEY_BYTES);
  for (let start = 0; start < n; start++) {
    if (order[start] === start) continue;
    // A byte loop: Buffer#copy costs more than 32 bytes.
    for (let b = 0; b < KEY_BYTES; b++) heldKey[b] = keys[start * KEY_BYTES + b]!;
    const held = { offset: offsets[start]!, length: lengths[start]!, kind: kinds[start]! };
    for (let to = start; ; ) {
      const from = order[to]!;
      order[to] = to;
      if (from === start) {
        for (let b = 0; b < KEY_BYTES; b++) keys[to * KEY_BYTES + b] = heldKey[b]!;
        offsets[to] = held.offset;
        lengths[to] = held.length;
        kinds[to] = held.kind;
        break;
      }
      for (let b = 0; b < KEY_BYTES; b++) keys[to * KEY_BYTES + b] = keys[from * KEY_BYTES + b]!;
      offsets[to] = offsets[from]!;
      lengths[to] = lengths[from]!;
      kinds[to] = kinds[from]!;
      to = from;
    }
  }
  return records;
}

/** How many leading bits of a key the directory of `n` sorted keys is indexed by: ~1 key per entry, at most 2^16 entries. */
export function prefixBits(n: number): number {
  return n < 2 ? 0 : Math.min(16, Math.ceil(Math.log2(n)));
}

/** dir[p] = the first of the sorted `keys` whose top prefixBits(n) bits are >= p; dir[2^bits] = n. */
export function prefixDirectory(keys: Uint8Array, n: number): Uint32Array {
  const shift = 16 - prefixBits(n);
  const dir = new Uint32Array((1 << prefixBits(n)) + 1);
  for (let i = 0; i < n; i++) dir[(((keys[i * KEY_BYTES]! << 8) | keys[i * KEY_BYTES + 1]!) >>> shift) + 1]!++;
  for (let p = 1; p < dir.length; p++) dir[p]! += dir[p - 1]!;
  return dir;
}

/** The index file's bytes; `index` must be sorted by key (sortedByKey), with its prefixDirectory. */
export function encodeLogIndex(index: LogIndex): Buffer {
  const n = index.offsets.length;
  const name = Buffer.from(index.logName, "utf8");
  const out = Buffer.alloc(FIXED_HEADER + name.length + n * (KEY_BYTES + 13) + index.dir.byteLength + index.events.length + 4);
  let at = out.writeUInt32LE(LOG_INDEX_MAGIC, 0);
  at = out.writeUInt32LE(LOG_INDEX_VERSION, at);
  for (const v of [index.stamp.size, index.stamp.mtimeNs, index.stamp.ctimeNs, index.stamp.ino]) at = out.writeBigUInt64LE(v, at);
  at = out.writeUInt32LE(n, at);
  at = out.writeUInt32LE(index.events.length, at);
  at = out.writeUInt16LE(name.length, at);
  at += name.copy(out, at);
  for (const column of [index.keys, index.offsets, index.lengths, index.kinds, index.dir, index.events]) {
    at += Buffer.from(column.buffer, column.byteOffset, column.byteLength).copy(out, at);
  }
  out.writeUInt32LE(crc32(out.subarray(0, at)), at);
  return out;
}

/**
 * Reads a log index of `size` bytes through `readAt` (which fills `into` from file position
 * `position`), each column straight into its own array: nothing is read twice or copied. Undefined
 * for another version (the log is read instead); throws LogIndexDamaged when the bytes fail their
 * checksum or do not add up.
 */
export function readLogIndex(size: number, readAt: (into: Uint8Array, position: number) => void): LogIndex | undefined {
  if (size < FIXED_HEADER + 4) throw new LogIndexDamaged("too short");
  const fixed = Buffer.allocUnsafe(FIXED_HEADER);
  readAt(fixed, 0);
  if (fixed.readUInt32LE(0) !== LOG_INDEX_MAGIC) throw new LogIndexDamaged("not a log index");
  if (fixed.readUInt32LE(4) !== LOG_INDEX_VERSION) return undefined;
  const stamp: LogStamp = { size: fixed.readBigUInt64LE(8), mtimeNs: fixed.readBigUInt64LE(16), ctimeNs: fixed.readBigUInt64LE(24), ino: fixed.readBigUInt64LE(32) };
  const n = fixed.readUInt32LE(40);
  const eventBytes = fixed.readUInt32LE(44);
  const name = Buffer.allocUnsafe(fixed.readUInt16LE(48));
  const dirLength = (1 << prefixBits(n)) + 1;
  if (FIXED_HEADER + name.length + n * (KEY_BYTES + 13) + dirLength * 4 + eventBytes + 4 !== size) throw new LogIndexDamaged("sections do not add up");
  readAt(name, FIXED_HEADER);
  const index: LogIndex = {
    logName: name.toString("utf8"),
    stamp,
    keys: Buffer.allocUnsafeSlow(n * KEY_BYTES),
    offsets: new Float64Array(n),
    lengths: new Uint32Array(n),
    kinds: new Uint8Array(n),
    dir: new Uint32Array(dirLength),
    events: Buffer.allocUnsafe(eventBytes),
  };
  let crc = crc32(name, crc32(fixed));
  let at = FIXED_HEADER + name.length;
  for (const column of [index.keys, index.offsets, index.lengths, index.kinds, index.dir, index.events]) {
    const bytes = new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
    readAt(bytes, at);
    crc = crc32(bytes, crc);
    at += bytes.length;
  }
  const stored = Buffer.allocUnsafe(4);
  readAt(stored, at);
  if (stored.readUInt32LE(0) !== crc) throw new LogIndexDamaged("checksum mismatch");
  if (index.dir[dirLength - 1] !== n) throw new LogIndexDamaged("the key directory does not add up");
  forEachEvent(index.events, () => {}); // checks that they add up
  return index;
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

/** The key of a hash given as ASCII bytes (its digest: hash/digest-table parseHexInto), ascii[start, start + length), written to key[at, at + KEY_BYTES). */
export function keyOfAsciiHash(ascii: Uint8Array, start: number, length: number, key: Uint8Array, at = 0): boolean {
  if (length !== 2 * KEY_BYTES) return false;
  for (let j = 0; j < KEY_BYTES; j++) {
    const c0 = ascii[start + 2 * j]!;
    const c1 = ascii[start + 2 * j + 1]!;
    const byte = (c0 | c1) < 128 ? HEX_PAIR[(c0 << 7) | c1]! : -1;
    if (byte < 0) return false;
    key[at + j] = byte;
  }
  return true;
}
