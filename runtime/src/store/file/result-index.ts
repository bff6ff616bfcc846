/**
 * The file store's in-memory index of result records, built for 100,000s of results: per record a few
 * numbers in typed arrays (where it is) and the bytes that start its record body (kind and hash; the
 * whole head with the metadata when it is at hand). No object or string per result: metadata is
 * decoded only when asked for (status, hover), and read from the log then if it is not in memory.
 */
import type { ResultMeta } from "../types";
import { decodeResultHead, type ResultHead } from "./records";

const INITIAL_SLOTS = 1024;
/** A chunk of a log smaller than this is never kept as an arena (what is needed of it is copied). */
const KEEP_CHUNK_MIN_BYTES = 64 * 1024;
/** droppedAt of a slot that is still live. */
const LIVE = 0xffffffff;
/** The growing arena of copied keys (kind, hash length, hash): slots whose metadata is not in memory. */
const KEYS = 0;
/** The growing arena of copied heads (kind, hash, metadata, blob reference). */
const HEADS = 1;

/** The columns of a log's saved index (log-index.ts) that the result index is built from. */
export interface IndexedRecords {
  keys: Buffer;
  offsets: Float64Array;
  lengths: Uint32Array;
  keyHashes: Uint32Array;
}

interface Chunk {
  buffer: Buffer;
  arena: number;
  /** "index": records are being indexed (the heads not kept are reduced to keys); "heads": key-only slots get their heads. */
  mode: "index" | "heads";
  /** Slots pointing into the chunk, and where each one's head ends there. */
  slots: number[];
  headEnds: number[];
  headBytes: number;
}

/**
 * Slots carry the index version at which they were added and dropped, so a snapshot (a version) keeps
 * seeing the index as it was, without a copy. Hashes are looked up in an open-addressing table keyed by
 * the hash bytes kept for the slot: indexing a record creates no string and no map entry.
 */
export class ResultIndex {
  /** Bumped by every change; a change is stamped with the new value. */
  private version = 0;
  /** Hashes with a live result. */
  private liveHashes = 0;
  private count = 0;
  private logOf = new Uint32Array(INITIAL_SLOTS);
  private offsetOf = new Float64Array(INITIAL_SLOTS);
  private lengthOf = new Uint32Array(INITIAL_SLOTS);
  /**
   * Where the slot's bytes are: at headOf in arenas[arenaOf], its record body from the start, either
   * up to the inline data (the head; all of a blob record) or, in arenas without heads, up to the hash.
   */
  private arenaOf = new Uint32Array(INITIAL_SLOTS);
  private headOf = new Uint32Array(INITIAL_SLOTS);
  /** The slot of the same hash indexed before / after this one, or -1 (live or not). */
  private olderOf = new Int32Array(INITIAL_SLOTS);
  private newerOf = new Int32Array(INITIAL_SLOTS);
  /** FNV-1a of the slot's hash (bytesHash), to probe and rehash without reading its bytes. */
  private keyHashOf = new Uint32Array(INITIAL_SLOTS);
  private addedAt = new Uint32Array(INITIAL_SLOTS);
  private droppedAt = new Uint32Array(INITIAL_SLOTS);
  /**
   * arenas[KEYS] and arenas[HEADS] grow and receive copies; the others are whole chunks of logs, kept
   * as read when they are mostly heads (small results: no copy), or the keys of a saved log index.
   */
  private readonly arenas: Buffer[] = [Buffer.allocUnsafe(64 * 1024), Buffer.allocUnsafe(0)];
  /** Whether an arena's slots have their heads (metadata) or only their keys. */
  private readonly arenaHasHeads: boolean[] = [false, true];
  private readonly used = [0, 0];
  private chunk: Chunk | undefined;
  /** Open addressing (linear probing): the newest slot of each hash, -1 for an empty bucket. At most half full. */
  private table = new Int32Array(2 * INITIAL_SLOTS).fill(-1);
  private distinctHashes = 0;

  /** `loadHeads(log)` gives the key-only slots of that log their heads (with beginChunk "heads", upgrade, endChunk). */
  constructor(private readonly loadHeads: (log: number) => void) {}

  get size(): number {
    return this.liveHashes;
  }

  /** The current live slot of `hash`, if any. */
  current(hash: string): number | undefined {
    const s = this.currentAt(this.newest(hash), this.version);
    return s === -1 ? undefined : s;
  }

  /** Hashes with a live result. */
  hashes(): IterableIterator<string> {
    return this.hashesAt(this.version);
  }

  /** The live slots of `hash`, oldest first. */
  live(hash: string): number[] {
    const all: number[] = [];
    for (let s = this.newest(hash); s !== -1; s = this.olderOf[s]!) if (this.droppedAt[s] === LIVE) all.unshift(s);
    return all;
  }

  /**
   * Indexes a result record: `body` is its checksummed body, `headEnd` where its metadata ends in it
   * (records.resultMetaEnd). Becomes the hash's current result. Outside a chunk (a record this process
   * appends) only its key is kept.
   */
  add(log: number, offset: number, length: number, body: Buffer, headEnd: number): void {
    const s = this.newSlot(log, offset, length);
    const chunk = this.chunk;
    if (chunk && body.buffer === chunk.buffer.buffer && body.byteOffset >= chunk.buffer.byteOffset) this.pointIntoChunk(chunk, s, body, headEnd);
    else this.copy(KEYS, s, body, 0, 2 + body[1]!);
    const keyAt = this.headOf[s]! + 2;
    const arena = this.arenas[this.arenaOf[s]!]!;
    this.link(s, bytesHash(arena, keyAt, keyAt + arena[keyAt - 1]!));
  }

  /** Indexes the result records of a saved log index (in log order), except those `isDead` says were removed. */
  addSaved(log: number, records: IndexedRecords, isDead: ((offset: number) => boolean) | undefined): void {
    const n = records.offsets.length;
    if (this.count + n > this.logOf.length) this.grow(this.count + n);
    this.reserveHashes(n);
    const arena = this.arenas.push(records.keys) - 1;
    this.arenaHasHeads.push(false);
    for (let i = 0, at = 0; i < n; i++, at += 2 + records.keys[at + 1]!) {
      const offset = records.offsets[i]!;
      if (isDead?.(offset)) continue;
      const s = this.newSlot(log, offset, records.lengths[i]!);
      this.arenaOf[s] = arena;
      this.headOf[s] = at;
      this.link(s, records.keyHashes[i]!);
    }
  }

  /** The key columns of every result record of `log` indexed so far (removed or not), in log order: what its saved index holds. */
  savedRecords(log: number): IndexedRecords {
    const slots: number[] = [];
    let keyBytes = 0;
    for (let s = 0; s < this.count; s++) {
      if (this.logOf[s] !== log) continue;
      slots.push(s);
      keyBytes += 2 + this.arenas[this.arenaOf[s]!]![this.headOf[s]! + 1]!;
    }
    const keys = Buffer.allocUnsafe(keyBytes);
    const offsets = new Float64Array(slots.length);
    const lengths = new Uint32Array(slots.length);
    const keyHashes = new Uint32Array(slots.length);
    let at = 0;
    slots.forEach((s, i) => {
      const arena = this.arenas[this.arenaOf[s]!]!;
      const head = this.headOf[s]!;
      at += arena.copy(keys, at, head, head + 2 + arena[head + 1]!);
      offsets[i] = this.offsetOf[s]!;
      lengths[i] = this.lengthOf[s]!;
      keyHashes[i] = this.keyHashOf[s]!;
    });
    return { keys, offsets, lengths, keyHashes };
  }

  private newSlot(log: number, offset: number, length: number): number {
    if (this.count === this.logOf.length) this.grow(this.count * 2);
    const s = this.count++;
    this.logOf[s] = log;
    this.offsetOf[s] = offset;
    this.lengthOf[s] = length;
    this.addedAt[s] = ++this.version;
    this.droppedAt[s] = LIVE;
    this.newerOf[s] = -1;
    return s;
  }

  /** Makes slot `s` (its key at headOf in its arena) the newest of its hash. */
  private link(s: number, keyHash: number): void {
    const heads = this.arenas[this.arenaOf[s]!]!;
    const keyAt = this.headOf[s]! + 2;
    this.keyHashOf[s] = keyHash;
    const bucket = this.bucketOf(keyHash, heads, keyAt, heads[keyAt - 1]!);
    const older = this.table[bucket]!;
    this.olderOf[s] = older;
    this.table[bucket] = s;
    if (older !== -1) {
      this.newerOf[older] = s;
      if (this.currentAt(older, this.version) === -1) this.liveHashes++;
    } else {
      this.liveHashes++;
      if (++this.distinctHashes * 2 > this.table.length) this.rehash(this.table.length * 2);
    }
  }

  private reserveHashes(n: number): void {
    const expected = this.distinctHashes + n;
    if (expected * 2 > this.table.length) this.rehash(expected * 2);
  }

  /**
   * Records added (mode "index") or upgraded (mode "heads") until endChunk() have their bodies in
   * `chunk` (a whole read of a log): it may be kept instead of copying.
   */
  beginChunk(chunk: Buffer, mode: "index" | "heads"): void {
    if (mode === "index") {
      // Room for as many records as the chunk could hold trivial ones (~220 bytes): grow and rehash once, not log2(n) times.
      const records = Math.ceil(chunk.length / 200);
      if (this.count + records > this.logOf.length) this.grow(this.count + records);
      this.reserveHashes(records);
    }
    this.arenaHasHeads.push(true);
    this.chunk = { buffer: chunk, arena: this.arenas.push(chunk) - 1, mode, slots: [], headEnds: [], headBytes: 0 };
  }

  /**
   * Keeps the chunk when it is large and mostly heads (true); otherwise copies what is needed of it and
   * lets it go: the heads when they were asked for, else only the keys.
   */
  endChunk(): boolean {
    const chunk = this.chunk;
    if (!chunk) return false;
    this.chunk = undefined;
    if (chunk.buffer.length >= KEEP_CHUNK_MIN_BYTES && chunk.headBytes * 2 >= chunk.buffer.length) return true;
    chunk.slots.forEach((s, i) => {
      const at = this.headOf[s]!;
      if (chunk.mode === "heads") this.copy(HEADS, s, chunk.buffer, at, at + chunk.headEnds[i]!);
      else this.copy(KEYS, s, chunk.buffer, at, at + 2 + chunk.buffer[at + 1]!);
    });
    this.arenas.pop();
    this.arenaHasHeads.pop();
    return false;
  }

  /** During a "heads" chunk: the record at (log, offset), whose body is in the chunk, gives its slot its head if it lacks it. */
  upgrade(log: number, offset: number, body: Buffer, headEnd: number): void {
    const chunk = this.chunk!;
    const keyHash = bytesHash(body, 2, 2 + body[1]!);
    for (let s = this.table[this.bucketOf(keyHash, body, 2, body[1]!)]!; s !== -1; s = this.olderOf[s]!) {
      if (this.logOf[s] !== log || this.offsetOf[s] !== offset) continue;
      if (!this.arenaHasHeads[this.arenaOf[s]!]) this.pointIntoChunk(chunk, s, body, headEnd);
      return;
    }
  }

  private pointIntoChunk(chunk: Chunk, s: number, body: Buffer, headEnd: number): void {
    this.arenaOf[s] = chunk.arena;
    this.headOf[s] = body.byteOffset - chunk.buffer.byteOffset;
    chunk.slots.push(s);
    chunk.headEnds.push(headEnd);
    chunk.headBytes += headEnd;
  }

  /** Copies from[start, end) to the end of a growing arena and points slot `s` there. */
  private copy(into: typeof KEYS | typeof HEADS, s: number, from: Buffer, start: number, end: number): void {
    let arena = this.arenas[into]!;
    const n = end - start;
    const used = this.used[into]!;
    if (used + n > arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(arena.length * 2, used + n, 4096));
      arena.copy(grown, 0, 0, used);
      this.arenas[into] = arena = grown;
    }
    this.arenaOf[s] = into;
    this.headOf[s] = used;
    // A byte loop: Buffer#copy costs more than the ~200 bytes of a trivial result's head.
    for (let i = start, at = used; i < end; i++, at++) arena[at] = from[i]!;
    this.used[into] = used + n;
  }

  /** Removes the live record of `hash` at (log, offset), if indexed; the one before it becomes current. */
  drop(hash: string, log: number, offset: number): void {
    const newest = this.newest(hash);
    for (let s = newest; s !== -1; s = this.olderOf[s]!) {
      if (this.logOf[s] !== log || this.offsetOf[s] !== offset || this.droppedAt[s] !== LIVE) continue;
      this.droppedAt[s] = ++this.version;
      if (this.currentAt(newest, this.version) === -1) this.liveHashes--;
      return;
    }
  }

  /** Where the slot's record is: log number, byte offset and total length. */
  place(slot: number): { log: number; offset: number; length: number } {
    return { log: this.logOf[slot]!, offset: this.offsetOf[slot]!, length: this.lengthOf[slot]! };
  }

  /** The record's kind byte (records.Kind). */
  kind(slot: number): number {
    return this.arenas[this.arenaOf[slot]!]![this.headOf[slot]!]!;
  }

  /** The slot's metadata (read from its log when it is not in memory); undefined when it cannot be read (its record is damaged). */
  head(slot: number): ResultHead | undefined {
    if (!this.arenaHasHeads[this.arenaOf[slot]!]) this.loadHeads(this.logOf[slot]!);
    if (!this.arenaHasHeads[this.arenaOf[slot]!]) return undefined;
    return decodeResultHead(this.arenas[this.arenaOf[slot]!]!, this.headOf[slot]!);
  }

  /** The current results as a read-only map, unaffected by later changes to the index. */
  snapshot(): Map<string, ResultMeta> {
    return new ResultsView(this, this.version, this.liveHashes);
  }
  /** The slot of `hash` live at `version`, or -1. */
  currentAtVersion(hash: string, version: number): number {
    return this.currentAt(this.newest(hash), version);
  }

  /** Hashes live at `version`, in the order their current records were indexed. */
  *hashesAt(version: number): IterableIterator<string> {
    for (let s = 0; s < this.count; s++) if (this.isCurrentAt(s, version)) yield this.keyOf(s);
  }

  /** [hash, slot] of the results live at `version`, in the order their current records were indexed. */
  *slotsAt(version: number): IterableIterator<[string, number]> {
    for (let s = 0; s < this.count; s++) if (this.isCurrentAt(s, version)) yield [this.keyOf(s), s];
  }

  private isCurrentAt(s: number, version: number): boolean {
    if (!this.liveAt(s, version)) return false;
    for (let n = this.newerOf[s]!; n !== -1; n = this.newerOf[n]!) if (this.liveAt(n, version)) return false;
    return true;
  }

  private liveAt(s: number, version: number): boolean {
    return this.addedAt[s]! <= version && version < this.droppedAt[s]!;
  }

  /** The newest slot at or before `s` (same hash) live at `version`, or -1. */
  private currentAt(s: number, version: number): number {
    for (; s !== -1; s = this.olderOf[s]!) if (this.liveAt(s, version)) return s;
    return -1;
  }

  private keyOf(s: number): string {
    const heads = this.arenas[this.arenaOf[s]!]!;
    const at = this.headOf[s]! + 2;
    return heads.toString("utf8", at, at + heads[at - 1]!);
  }

  /** The newest slot ever indexed for `hash`, or -1. */
  private newest(hash: string): number {
    let key: Buffer | undefined;
    let h = asciiHash(hash);
    if (h < 0) {
      key = Buffer.from(hash, "utf8");
      h = bytesHash(key, 0, key.length);
    }
    const mask = this.table.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.table[i]!;
      if (s === -1) return -1;
      if (this.keyHashOf[s] === h && (key ? this.keyEqualsBytes(s, key, 0, key.length) : this.keyEqualsAscii(s, hash))) return s;
    }
  }

  /** The bucket holding the hash whose bytes are key[start, start + length) (or the empty bucket where it goes). */
  private bucketOf(keyHash: number, key: Uint8Array, start: number, length: number): number {
    const mask = this.table.length - 1;
    for (let i = keyHash & mask; ; i = (i + 1) & mask) {
      const other = this.table[i]!;
      if (other === -1 || (this.keyHashOf[other] === keyHash && this.keyEqualsBytes(other, key, start, length))) return i;
    }
  }

  private keyEqualsAscii(s: number, hash: string): boolean {
    const at = this.headOf[s]! + 2;
    const heads = this.arenas[this.arenaOf[s]!]!;
    if (heads[at - 1] !== hash.length) return false;
    for (let i = 0; i < hash.length; i++) if (heads[at + i] !== hash.charCodeAt(i)) return false;
    return true;
  }

  private keyEqualsBytes(s: number, key: Uint8Array, start: number, length: number): boolean {
    const at = this.headOf[s]! + 2;
    const heads = this.arenas[this.arenaOf[s]!]!;
    if (heads[at - 1] !== length) return false;
    for (let i = 0; i < length; i++) if (heads[at + i] !== key[start + i]) return false;
    return true;
  }

  /** A table of at least `minBuckets` buckets (a power of two) with the same contents. */
  private rehash(minBuckets: number): void {
    const old = this.table;
    const table = (this.table = new Int32Array(2 ** Math.ceil(Math.log2(minBuckets))).fill(-1));
    const mask = table.length - 1;
    for (let b = 0; b < old.length; b++) {
      const s = old[b]!;
      if (s === -1) continue;
      let i = this.keyHashOf[s]! & mask;
      while (table[i] !== -1) i = (i + 1) & mask; // hashes are distinct: the first free bucket
      table[i] = s;
    }
  }

  /** Room for `n` slots. */
  private grow(n: number): void {
    const grown = <T extends Uint32Array | Float64Array | Int32Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(n);
      b.set(a);
      return b;
    };
    this.logOf = grown(this.logOf, Uint32Array);
    this.offsetOf = grown(this.offsetOf, Float64Array);
    this.lengthOf = grown(this.lengthOf, Uint32Array);
    this.arenaOf = grown(this.arenaOf, Uint32Array);
    this.headOf = grown(this.headOf, Uint32Array);
    this.olderOf = grown(this.olderOf, Int32Array);
    this.newerOf = grown(this.newerOf, Int32Array);
    this.keyHashOf = grown(this.keyHashOf, Uint32Array);
    this.addedAt = grown(this.addedAt, Uint32Array);
    this.droppedAt = grown(this.droppedAt, Uint32Array);
  }
}

/** FNV-1a of bytes. */
function bytesHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** FNV-1a of an ASCII string (equal to bytesHash of its UTF-8 bytes); -1 when it is not ASCII. */
function asciiHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

/** A read-only Map of the results live at one version of the index; metadata is decoded on access. */
class ResultsView extends Map<string, ResultMeta> {
  constructor(
    private readonly index: ResultIndex,
    private readonly version: number,
    /** Read by the `size` getter below. */
    readonly liveHashes: number,
  ) {
    super();
  }
  override has(hash: string): boolean {
    return this.index.currentAtVersion(hash, this.version) !== -1;
  }
  override get(hash: string): ResultMeta | undefined {
    const slot = this.index.currentAtVersion(hash, this.version);
    return slot === -1 ? undefined : this.index.head(slot)?.meta;
  }
  override keys(): MapIterator<string> {
    return this.index.hashesAt(this.version);
  }
  override *entries(): MapIterator<[string, ResultMeta]> {
    for (const [hash, slot] of this.index.slotsAt(this.version)) {
      const meta = this.index.head(slot)?.meta;
      if (meta) yield [hash, meta];
    }
  }
  override *values(): MapIterator<ResultMeta> {
    for (const [, slot] of this.index.slotsAt(this.version)) {
      const meta = this.index.head(slot)?.meta;
      if (meta) yield meta;
    }
  }
  override [Symbol.iterator](): MapIterator<[string, ResultMeta]> {
    return this.entries();
  }
  override forEach(callback: (meta: ResultMeta, hash: string, map: Map<string, ResultMeta>) => void, thisArg?: unknown): void {
    for (const [hash, meta] of this.entries()) callback.call(thisArg, meta, hash, this);
  }
  override set(): this {
    throw new Error("a store snapshot is read-only");
  }
  override delete(): boolean {
    throw new Error("a store snapshot is read-only");
  }
  override clear(): void {
    throw new Error("a store snapshot is read-only");
  }
}
// `size` is a getter of Map.prototype; TypeScript does not let a subclass override it as an accessor.
Object.defineProperty(ResultsView.prototype, "size", {
  get(this: { liveHashes: number }) {
    return this.liveHashes;
  },
});
