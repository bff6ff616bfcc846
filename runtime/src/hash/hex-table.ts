/**
 * A set of task hashes (64 hex digits) as numbers: open addressing over an Int32Array, keyed by
 * the hash's first 8 digits (hashes are uniformly random, so they need no further mixing).
 * A JS Map or Set of 100,000 hash strings costs 30-150 ms to fill; this costs a few.
 */
const EMPTY = -1;

export class HexTable {
  /** Slot numbers (values given to insert), EMPTY for a free bucket; at most half full. */
  private buckets: Int32Array;
  /** The key prefix of each bucket's slot: probes and growth compare these, and read a key string only on a match (strings are scattered in memory; every read is a cache miss). */
  private prefixes: Uint32Array;
  private count = 0;

  /**
   * `keyOf(slot)` is the hash a slot was inserted with (the table keeps no strings). `expected`:
   * how many entries to make room for at first (each growth re-places every entry).
   */
  constructor(
    private readonly keyOf: (slot: number) => string,
    expected = 16,
  ) {
    let buckets = 32;
    while (buckets < 2 * expected) buckets *= 2;
    this.buckets = new Int32Array(buckets).fill(EMPTY);
    this.prefixes = new Uint32Array(buckets);
  }

  get size(): number {
    return this.count;
  }

  /** The slot inserted with `hex`, or -1. */
  find(hex: string): number {
    const mask = this.buckets.length - 1;
    const prefix = prefixOf(hex);
    for (let b = prefix & mask; ; b = (b + 1) & mask) {
      const slot = this.buckets[b]!;
      if (slot === EMPTY || (this.prefixes[b] === prefix && this.keyOf(slot) === hex)) return slot;
    }
  }

  /** Records `slot` for `hex` (not already present: call find first). */
  insert(hex: string, slot: number): void {
    if (2 * (this.count + 1) > this.buckets.length) this.grow();
    this.place(prefixOf(hex), slot);
    this.count++;
  }

  private place(prefix: number, slot: number): void {
    const mask = this.buckets.length - 1;
    let b = prefix & mask;
    while (this.buckets[b] !== EMPTY) b = (b + 1) & mask;
    this.buckets[b] = slot;
    this.prefixes[b] = prefix;
  }

  private grow(): void {
    const [buckets, prefixes] = [this.buckets, this.prefixes];
    this.buckets = new Int32Array(buckets.length * 2).fill(EMPTY);
    this.prefixes = new Uint32Array(buckets.length * 2);
    for (let b = 0; b < buckets.length; b++) if (buckets[b] !== EMPTY) this.place(prefixes[b]!, buckets[b]!);
  }
}

/** The first 8 characters as a 32-bit number (hex digits; any other text still spreads). */
function prefixOf(hex: string): number {
  let n = 0;
  for (let i = 0; i < 8 && i < hex.length; i++) n = (n << 4) ^ hexDigit(hex.charCodeAt(i));
  return n >>> 0;
}

function hexDigit(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}
