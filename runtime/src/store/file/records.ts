/**
 * The record format of the file store's append-only logs (see docs/store-layout.md).
 * Pure functions: encoding a record to bytes, and parsing a chunk of a log back into records.
 *
 *   record = magic "JUGR" | u32 bodyLength | u32 crc32(body) | body        (little-endian)
 *   body   = u8 kind | str8 hash | kind-specific fields
 */
import * as zlib from "node:zlib";
import type { FailureRecord, ResultMeta } from "../types";

export const RECORD_MAGIC = 0x5247554a; // "JUGR" read as a little-endian u32
export const RECORD_HEADER_BYTES = 12;

export const enum Kind {
  /** A result with its bytes inline. */
  Inline = 0x52, // R
  /** A result whose bytes are in a separate blob file. */
  Blob = 0x42, // B
  /** Removes the result record it names. */
  Removed = 0x58, // X
  /** A failure marker. */
  Failed = 0x46, // F
  /** Removes the failure record it names. */
  Cleared = 0x43, // C
}

/** Where a record is: its log file name and byte offset. Tombstones name their target this way. */
export interface RecordId {
  log: string;
  offset: number;
}

/** A tombstone or failure record, decoded in full (they are few; results are decoded lazily, see resultMetaEnd). */
export type EventBody =
  | { kind: Kind.Removed | Kind.Cleared; hash: string; target: RecordId }
  | { kind: Kind.Failed; hash: string; failure: FailureRecord };

/** CRC-32 of `data`; `previous` continues the CRC of the bytes before it. */
export const crc32: (data: Uint8Array, previous?: number) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === "function"
    ? // (zlib.crc32 of no bytes gives 0, not `previous`)
      (data, previous = 0) => (data.length === 0 ? previous : (zlib as unknown as { crc32(d: Uint8Array, v: number): number }).crc32(data, previous))
    : tableCrc32;

/** For Node releases before 20.15 (no zlib.crc32). */
function tableCrc32(data: Uint8Array, previous = 0): number {
  const table = (tableCrc32 as { table?: Uint32Array }).table ?? makeCrcTable();
  (tableCrc32 as { table?: Uint32Array }).table = table;
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function makeCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

// --- writing ---------------------------------------------------------------------------------

class Writer {
  private buf: Buffer;
  private pos = RECORD_HEADER_BYTES;
  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + capacity);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.pos + n, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(v >>> 0, this.pos);
    return this;
  }
  f64(v: number): this {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
    return this;
  }
  /** A UTF-8 string with a 1-, 2- or 4-byte length prefix. */
  str(s: string, lengthBytes: 1 | 2 | 4): this {
    const n = Buffer.byteLength(s);
    const limit = lengthBytes === 4 ? 0xffffffff : 2 ** (8 * lengthBytes) - 1;
    if (n > limit) throw new RangeError(`string of ${n} bytes does not fit a ${lengthBytes}-byte length: ${s.slice(0, 40)}…`);
    this.ensure(lengthBytes + n);
    this.pos = lengthBytes === 1 ? this.buf.writeUInt8(n, this.pos) : lengthBytes === 2 ? this.buf.writeUInt16LE(n, this.pos) : this.buf.writeUInt32LE(n, this.pos);
    this.pos += this.buf.write(s, this.pos, "utf8");
    return this;
  }
  bytes(data: Uint8Array): this {
    this.ensure(data.byteLength);
    this.buf.set(data, this.pos);
    this.pos += data.byteLength;
    return this;
  }
  /** Fills in the header and returns the whole record. */
  finish(): Buffer {
    const record = this.buf.subarray(0, this.pos);
    record.writeUInt32LE(RECORD_MAGIC, 0);
    record.writeUInt32LE(this.pos - RECORD_HEADER_BYTES, 4);
    record.writeUInt32LE(crc32(record.subarray(RECORD_HEADER_BYTES)), 8);
    return record;
  }
}

function resultHead(kind: Kind.Inline | Kind.Blob, hash: string, meta: ResultMeta, extra: number): Writer {
  // Capacities count a string's UTF-16 units: exact when it is ASCII (task hashes, times, names in
  // practice), so the record is one allocation; another string makes the writer grow.
  const strings = hash.length + meta.time.length + meta.name.length + meta.preview.length + meta.codeHash.length + meta.worker.length;
  return new Writer(1 + 1 + 16 + 1 + 2 + 2 + 1 + 1 + strings + extra)
    .u8(kind)
    .str(hash, 1)
    .f64(meta.duration)
    .f64(meta.size)
    .str(meta.time, 1)
    .str(meta.name, 2)
    .str(meta.preview, 2)
    .str(meta.codeHash, 1)
    .str(meta.worker, 1);
}

export function inlineResultRecord(hash: string, meta: ResultMeta, data: Uint8Array): Buffer {
  return resultHead(Kind.Inline, hash, meta, data.byteLength).bytes(data).finish();
}

export function blobResultRecord(hash: string, meta: ResultMeta, blobCrc: number, blobPath: string): Buffer {
  return resultHead(Kind.Blob, hash, meta, 4 + 2 + blobPath.length).u32(blobCrc).str(blobPath, 2).finish();
}

export function tombstoneRecord(kind: Kind.Removed | Kind.Cleared, hash: string, target: RecordId): Buffer {
  return new Writer(1 + 1 + hash.length + 2 + target.log.length + 8).u8(kind).str(hash, 1).str(target.log, 2).f64(target.offset).finish();
}

export function failureRecord(hash: string, failure: FailureRecord): Buffer {
  const json = JSON.stringify(failure);
  return new Writer(1 + 1 + hash.length + 4 + json.length).u8(Kind.Failed).str(hash, 1).str(json, 4).finish();
}

// --- reading ---------------------------------------------------------------------------------

export interface ScanOutcome {
  /** Bytes of the chunk fully consumed (a trailing incomplete record is left for the next read). */
  consumed: number;
  /** Damaged records found, described for messages. */
  problems: Array<{ offset: number; detail: string; hash?: string }>;
}

/**
 * Calls `visit` with the body of each record in `chunk` (a view into it), which starts at byte `base` of
 * its log. A record whose checksum fails is reported and skipped: scanning resumes at the next record
 * magic. An incomplete record at the end is not consumed (its writer may still be writing it, or it is a
 * torn tail from a crash). `visit` throws for a malformed body (reported and skipped), so it must
 * validate a record before changing anything.
 */
export function scanRecords(chunk: Buffer, base: number, visit: (body: Buffer, offset: number, length: number) => void): ScanOutcome {
  const problems: ScanOutcome["problems"] = [];
  let pos = 0;
  while (pos + RECORD_HEADER_BYTES <= chunk.length) {
    if (chunk.readUInt32LE(pos) !== RECORD_MAGIC) {
      const next = nextMagic(chunk, pos + 1);
      problems.push({ offset: base + pos, detail: `unreadable bytes (no record header); skipped ${(next < 0 ? chunk.length : next) - pos} bytes` });
      if (next < 0) return { consumed: chunk.length, problems };
      pos = next;
      continue;
    }
    const bodyLength = chunk.readUInt32LE(pos + 4);
    const end = pos + RECORD_HEADER_BYTES + bodyLength;
    if (end > chunk.length) break;
    const body = chunk.subarray(pos + RECORD_HEADER_BYTES, end);
    if (crc32(body) !== chunk.readUInt32LE(pos + 8)) {
      problems.push({ offset: base + pos, detail: "checksum mismatch", hash: peekHash(body) });
      const next = nextMagic(chunk, pos + 1);
      if (next < 0) return { consumed: chunk.length, problems };
      pos = next;
      continue;
    }
    try {
      visit(body, base + pos, end - pos);
    } catch (e) {
      problems.push({ offset: base + pos, detail: `malformed record (${(e as Error).message})`, hash: peekHash(body) });
    }
    pos = end;
  }
  return { consumed: pos, problems };
}

const MAGIC_BYTES = Buffer.from("JUGR", "latin1");

function nextMagic(chunk: Buffer, from: number): number {
  return chunk.indexOf(MAGIC_BYTES, from);
}

/** The hash a damaged record claims, if it is legible, to name it in the message. */
function peekHash(body: Buffer): string | undefined {
  if (body.length < 2) return undefined;
  const n = body[1]!;
  const hash = body.toString("latin1", 2, 2 + n);
  return /^[\w.:-]+$/.test(hash) ? hash : undefined;
}

/**
 * Where the metadata of a result record (kind R or B) ends in its body: an inline result's bytes
 * start there; a blob record's metadata is the whole body. Checks every length, throwing a RangeError
 * for a malformed record, and allocates nothing: the index keeps these bytes and decodes them only
 * when the metadata is asked for (decodeResultHead).
 */
export function resultMetaEnd(body: Buffer): number {
  const r = reader.reset(body, 1);
  r.skipString(1); // hash
  r.pos += 16; // duration, size
  r.skipString(1); // time
  r.skipString(2); // name
  r.skipString(2); // preview
  r.skipString(1); // code hash
  r.skipString(1); // worker
  if (body[0] === Kind.Blob) {
    r.pos += 4; // blob CRC
    r.skipString(2); // blob path
    if (r.pos !== body.length) throw new RangeError("bytes after the blob path");
  }
  return r.pos;
}

/** A result record's metadata, decoded from bytes that resultMetaEnd() accepted. */
export interface ResultHead {
  hash: string;
  meta: ResultMeta;
  /** Kind B only (0 and "" otherwise). */
  blobCrc: number;
  blobPath: string;
}

/** Decodes the head of a result record whose body starts at `start` in `buf`. */
export function decodeResultHead(buf: Buffer, start: number): ResultHead {
  const r = reader.reset(buf, start);
  const kind = r.u8() as Kind;
  const hash = r.str(1);
  const duration = r.f64();
  const size = r.f64();
  const time = times.read(r, 1);
  const name = names.read(r, 2);
  const preview = r.str(2);
  const codeHash = codeHashes.read(r, 1);
  const worker = workers.read(r, 1);
  const meta: ResultMeta = { name, duration, size, worker, time, preview, codeHash };
  if (kind !== Kind.Blob) return { hash, meta, blobCrc: 0, blobPath: "" };
  const blobCrc = r.u32();
  return { hash, meta, blobCrc, blobPath: r.str(2) };
}

/** Decodes a tombstone or failure record (throws for a malformed one). */
export function decodeEvent(body: Buffer): EventBody {
  const r = reader.reset(body, 0);
  const kind = r.u8() as Kind;
  const hash = r.str(1);
  switch (kind) {
    case Kind.Removed:
    case Kind.Cleared:
      return { kind, hash, target: { log: r.str(2), offset: r.f64() } };
    case Kind.Failed:
      return { kind, hash, failure: JSON.parse(r.str(4)) as FailureRecord };
    default:
      throw new Error(`unknown record kind ${kind}`);
  }
}

class Reader {
  pos = 0;
  buf: Buffer = Buffer.alloc(0);
  /** One reader serves every record (reading is synchronous): no allocation per record. */
  reset(buf: Buffer, pos: number): this {
    this.buf = buf;
    this.pos = pos;
    return this;
  }
  u8(): number {
    return this.buf.readUInt8(this.pos++);
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  str(lengthBytes: 1 | 2 | 4): string {
    const start = this.skipString(lengthBytes);
    return this.buf.toString("utf8", start, this.pos);
  }
  /** Moves past the next length-prefixed string; returns where its bytes start (they end at `pos`). */
  skipString(lengthBytes: 1 | 2 | 4): number {
    const n = lengthBytes === 1 ? this.buf.readUInt8(this.pos) : lengthBytes === 2 ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt32LE(this.pos);
    this.pos += lengthBytes;
    if (this.pos + n > this.buf.length) throw new RangeError("string runs past the record");
    this.pos += n;
    return this.pos - n;
  }
}

/**
 * Strings repeated across records (task names, code hashes, workers, times) are decoded once: a field whose
 * bytes equal the same field of the previous record reuses its string (no allocation, one copy in memory).
 */
class RepeatedField {
  private bytes = Buffer.alloc(0);
  private text = "";
  read(r: Reader, lengthBytes: 1 | 2): string {
    const start = r.skipString(lengthBytes);
    const end = r.pos;
    if (this.bytes.compare(r.buf, start, end) !== 0) {
      this.bytes = Buffer.from(r.buf.subarray(start, end));
      this.text = r.buf.toString("utf8", start, end);
    }
    return this.text;
  }
}
const names = new RepeatedField();
/** Results stored within the same millisecond (trivial tasks) share their time string. */
const times = new RepeatedField();
const codeHashes = new RepeatedField();
const workers = new RepeatedField();

const reader = new Reader();
