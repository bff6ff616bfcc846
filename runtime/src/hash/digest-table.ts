/**
 * The distinct task digests of a jugfile, numbered in order of arrival (a task's id): the 32 bytes
 * of each in fixed pages, found again by open addressing over typed arrays keyed by
 * their first 4 bytes (digests are uniformly random, so they need no further mixing). No object or
 * string per digest: at 100,000 tasks a Map of hash strings cost 30-150 ms to fill, and each
 * 64-character string 80 bytes that the young generation copied twice.
 */
/** Local, not the export itself: compiled to CommonJS, every use of an exported const is a property load. */
const BYTES = 32;
export const DIGEST_BYTES = BYTES;
/** A free bucket. Buckets hold id + 1, so a new table is all free without a fill (see the constructor). */
const EMPTY = 0;

/** Lowercase hex digits of each byte value, two character codes per byte. */
const HEX_CODES = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const text = b.toString(16).padStart(2, "0");
  HEX_CODES[2 * b] = text.charCodeAt(0);
  HEX_CODES[2 * b + 1] = text.charCodeAt(1);
}

/** Digests per page: pages never move or grow, so a table of 100,000 digests is built without copies. */
const PAGE_SHIFT = 12;
const PAGE_IDS = 1 << PAGE_SHIFT;

export class DigestTable {
  /** The digest of id i is in pages[i >> PAGE_SHIFT] at (i % PAGE_IDS) * 32. */
  private readonly pages: Uint8Array[] = [];
  private count = 0;
  /** Id + 1 per bucket, EMPTY for a free one; at most half full. */
  private buckets: Int32Array;
  /** The first 4 bytes of each bucket's digest, as an int32 (a small integer to V8, never a boxed number): probes compare these before the rest. */
  private prefixes: Int32Array;
  /** findHex parses into this. */
  private readonly scratch = new Uint8Array(BYTES);

  /** `expected`: how many digests to make room for in the lookup at first (growing it re-places every entry). */
  constructor(expected = 16) {
    let buckets = 32;
    while (buckets < 2 * expected) buckets *= 2;
    // Zeroed memory that the system hands out as it is first touched: a roomy table costs a small
    // jugfile only the pages it uses.
    this.buckets = new Int32Array(buckets);
    this.prefixes = new Int32Array(buckets);
  }

  /** How many distinct digests there are (the next id). */
  get size(): number {
    return this.count;
  }

  /** The array holding id's digest, at offsetOf(id). */
  pageOf(id: number): Uint8Array {
    return this.pages[id >> PAGE_SHIFT]!;
  }

  offsetOf(id: number): number {
    return (id & (PAGE_IDS - 1)) * BYTES;
  }

  /** The id of the digest `bytes[from, from + 32)`: an earlier id with the same bytes, else a new one (= size before). */
  intern(bytes: Uint8Array, from: number): number {
    const found = this.find(bytes, from);
    if (found >= 0) return found;
    const id = this.count;
    const page = this.pages[id >> PAGE_SHIFT] ?? (this.pages[id >> PAGE_SHIFT] = new Uint8Array(PAGE_IDS * BYTES));
    const at = this.offsetOf(id);
    for (let i = 0; i < BYTES; i++) page[at + i] = bytes[from + i]!;
    if (2 * (id + 1) > this.buckets.length) this.grow();
    this.place(prefixAt(bytes, from), id);
    return this.count++;
  }

  /** The id of the digest `bytes[at, at + 32)`, or -1. */
  find(bytes: Uint8Array, at: number): number {
    const mask = this.buckets.length - 1;
    const prefix = prefixAt(bytes, at);
    for (let b = prefix & mask; ; b = (b + 1) & mask) {
      const entry = this.buckets[b]!;
      if (entry === EMPTY) return -1;
      if (this.prefixes[b] === prefix && this.sameRest(entry - 1, bytes, at)) return entry - 1;
    }
  }

  /** The id of the digest whose lowercase hex is `hex`, or -1 (also for text that is not 64 hex digits). */
  findHex(hex: string): number {
    return parseHexInto(hex, this.scratch, 0) ? this.find(this.scratch, 0) : -1;
  }

  /** The digest of `id` as 64 lowercase hex digits. */
  hexOf(id: number): string {
    this.writeHex(id, hexScratch, 0);
    return String.fromCharCode.apply(null, hexScratch as unknown as number[]);
  }

  /** Writes the 64 hex digit codes of `id`'s digest into `out` at `pos`. */
  writeHex(id: number, out: Uint8Array, pos: number): void {
    const page = this.pageOf(id);
    for (let i = 0, at = this.offsetOf(id); i < BYTES; i++, at++) {
      const b = page[at]!;
      out[pos++] = HEX_CODES[2 * b]!;
      out[pos++] = HEX_CODES[2 * b + 1]!;
    }
  }

  private sameRest(id: number, bytes: Uint8Array, at: number): boolean {
    const page = this.pageOf(id);
    for (let i = 4, mine = this.offsetOf(id) + 4; i < BYTES; i++, mine++) if (page[mine] !== bytes[at + i]) return false;
    return true;
  }

  private place(prefix: number, id: number): void {
    const mask = this.buckets.length - 1;
    let b = prefix & mask;
    while (this.buckets[b] !== EMPTY) b = (b + 1) & mask;
    this.buckets[b] = id + 1;
    this.prefixes[b] = prefix;
  }

  private grow(): void {
    const [buckets, prefixes] = [this.buckets, this.prefixes];
    this.buckets = new Int32Array(buckets.length * 2);
    this.prefixes = new Int32Array(buckets.length * 2);
    for (let b = 0; b < buckets.length; b++) if (buckets[b] !== EMPTY) this.place(prefixes[b]!, buckets[b]! - 1);
  }
}

function prefixAt(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/** hexOf writes the digits here first. */
const hexScratch = new Uint8Array(2 * BYTES);

/** The byte of each pair of lowercase hex digits, indexed by (first char code << 7) | second; -1 for any other pair. */
export const HEX_PAIR = new Int16Array(128 * 128).fill(-1);
for (let b = 0; b < 256; b++) HEX_PAIR[(HEX_CODES[2 * b]! << 7) | HEX_CODES[2 * b + 1]!] = b;

/** Writes the 32 bytes that the 64 lowercase hex digits `hex` spell into `out` at `at`; false when `hex` is not that. */
export function parseHexInto(hex: string, out: Uint8Array, at: number): boolean {
  if (hex.length !== 2 * BYTES) return false;
  for (let i = 0; i < BYTES; i++) {
    const c0 = hex.charCodeAt(2 * i);
    const c1 = hex.charCodeAt(2 * i + 1);
    const byte = (c0 | c1) < 128 ? HEX_PAIR[(c0 << 7) | c1]! : -1;
    if (byte < 0) return false;
    out[at + i] = byte;
  }
  return true;
}
