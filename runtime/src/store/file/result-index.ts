/**
 * The file store's in-memory index of result records, built for 100,000s of results: per record a few
 * numbers and its key (the hash as 32 bytes) in typed arrays, found through an open-addressing table.
 * No object or string per result: metadata is decoded only when asked for (status, hover), from the
 * record's head, read back from its log then (the heads of a log are kept once read).
 */
import type { ResultMeta } from "../types";
import { ResultsView } from "../results-view";
import { RECORD_HEADER_BYTES, decodeResultHead, resultMetaEnd, type ResultHead } from "./records";
import { parseHexInto } from "../../hash/digest-table";
import { KEY_BYTES, keyOfAsciiHash, prefixBits, type KeyedRecords } from "./log-index";

/** A chunk of a log smaller than this is never kept as an arena of heads (its heads are copied). */
const KEEP_CHUNK_MIN_BYTES = 64 * 1024;
/** droppedAt of a slot that is still live. */
const LIVE = 0xffffffff;
/** The arena that receives copies of heads (kind, hash, metadata, blob reference); the others are kept chunks of logs. */
const HEADS = 0;
/** Slots are allocated in pages of 2^PAGE_BITS: the index grows without copying (or leaving behind) what it holds. */
const PAGE_BITS = 12;
const PAGE_SLOTS = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SLOTS - 1;
/**
 * Set in a slot's kind byte when its hash is not 64 lowercase hex digits (not a task hash; tests and
 * API users may store others): the hash is then in otherHashes, and the slot's key bytes are unused.
 */
const OTHER_HASH = 0x80;
/** Ids of records in segments start here: (segment number + 1) * 2^32 + position. Below are slots. */
const SEGMENT_IDS = 2 ** 32;
/** The key of the hash being looked up (parseHexInto), reused: lookups are synchronous. */
const lookupKey = new Uint8Array(KEY_BYTES);

/**
 * The result records of a log indexed from its saved index (log-index.ts): keys sorted, columns as
 * read, found by binary search within the range a directory of key prefixes gives. Nothing per
 * record is built when it is added: a log of 100,000 results costs ~45 bytes each, read once.
 */
class Segment {
  readonly n: number;
  /** log-index prefixDirectory: dir[p] is the first position whose key's top `16 - shift` bits are >= p. */
  private readonly dir: Uint32Array;
  private readonly shift: number;
  /** Position -> index version at which that record was dropped. */
  dropped: Map<number, number> | undefined;
  /** Once its log's heads were read: arena number + 1 (0: none) and offset of each record's head. */
  headArena: Uint32Array | undefined;
  headAt: Uint32Array | undefined;

  constructor(
    readonly log: number,
    readonly addedAt: number,
    readonly records: KeyedRecords & { dir: Uint32Array },
  ) {
    this.n = records.offsets.length;
    this.shift = 16 - prefixBits(this.n);
    this.dir = records.dir; // saved with the index: building it is a pass over every key
  }

  /**
   * The first position holding the key at key[at, at + KEY_BYTES), or -1. The search compares the first
   * 4 bytes as a number; only a match is compared in full.
   */
  find(key: Uint8Array, at = 0): number {
    const keys = this.records.keys;
    const prefix = u32At(key, at);
    const p = prefix >>> 16 >>> this.shift; // (one shift by 32 would be a shift by 0)
    let lo = this.dir[p]!;
    const end = this.dir[p + 1]!;
    for (let hi = end; lo < hi; ) {
      const mid = (lo + hi) >>> 1;
      if (u32At(keys, mid * KEY_BYTES) < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (; lo < end && u32At(keys, lo * KEY_BYTES) === prefix; lo++) {
      let b = 4;
      for (let k = lo * KEY_BYTES + 4; b < KEY_BYTES && keys[k] === key[at + b]; b++, k++);
      if (b === KEY_BYTES) return lo;
    }
    return -1;
  }

  sameKey(i: number, j: number): boolean {
    const keys = this.records.keys;
    for (let k = 0; k < KEY_BYTES; k++) if (keys[i * KEY_BYTES + k] !== keys[j * KEY_BYTES + k]) return false;
    return true;
  }

  liveAt(i: number, version: number): boolean {
    return this.addedAt <= version && !(this.dropped && (this.dropped.get(i) ?? Infinity) <= version);
  }

  /** Of the records of the key at `first`, the one live at `version` that is latest in the log, or -1. */
  currentAt(first: number, version: number): number {
    let best = -1;
    for (let i = first; i < this.n && (i === first || this.sameKey(i, first)); i++) {
      if (this.liveAt(i, version) && (best === -1 || this.records.offsets[i]! > this.records.offsets[best]!)) best = i;
    }
    return best;
  }

  /** Positions of the records of the key at `first`. */
  *group(first: number): IterableIterator<number> {
    for (let i = first; i < this.n && (i === first || this.sameKey(i, first)); i++) yield i;
  }

  hashAt(i: number): string {
    return this.records.keys.toString("hex", i * KEY_BYTES, (i + 1) * KEY_BYTES);
  }
}

/**
 * The columns of PAGE_SLOTS slots (records indexed one by one: this process's own, and those of logs
 * read in full), views into one buffer: 57 bytes per slot. Slot s is entry s & PAGE_MASK of page
 * s >>> PAGE_BITS. Columns few slots need are allocated for a page when one of its slots needs them.
 */
class SlotPage {
  readonly offset: Float64Array;
  readonly log: Uint32Array;
  readonly length: Uint32Array;
  /** The slot of the same hash indexed before this one, or -1 (live or not). */
  readonly older: Int32Array;
  /** The index version at which the slot was added (increasing with the slot number). */
  readonly addedAt: Uint32Array;
  /** KEY_BYTES per slot: its hash as bytes (hash/digest-table parseHexInto). */
  readonly keys: Uint8Array;
  /** The record's kind byte (records.Kind), | OTHER_HASH. */
  readonly kind: Uint8Array;
  /** The version at which each slot was dropped (LIVE: not dropped); allocated at the first drop in the page. */
  droppedAt: Uint32Array | undefined;
  /** Where each slot's head is, once read: arena number + 1 (0: not in memory) and offset in that arena. */
  headArena: Uint32Array | undefined;
  headAt: Uint32Array | undefined;

  constructor() {
    const n = PAGE_SLOTS;
    const buffer = new ArrayBuffer(n * (8 + 4 * 4 + KEY_BYTES + 1));
    this.offset = new Float64Array(buffer, 0, n);
    this.log = new Uint32Array(buffer, 8 * n, n);
    this.length = new Uint32Array(buffer, 12 * n, n);
    this.older = new Int32Array(buffer, 16 * n, n);
    this.addedAt = new Uint32Array(buffer, 20 * n, n);
    this.keys = new Uint8Array(buffer, 24 * n, KEY_BYTES * n);
    this.kind = new Uint8Array(buffer, (24 + KEY_BYTES) * n, n);
  }
}

/** Heads being attached from one read of a log (ResultIndex.beginChunk "heads" .. endChunk). */
interface Chunk {
  buffer: Buffer;
  arena: number;
  /** Slots pointing into the chunk, and where each one's head ends there. */
  slots: number[];
  headEnds: number[];
  headBytes: number;
}

/**
 * Slots carry the index version at which they were added and dropped, so a snapshot (a version) keeps
 * seeing the index as it was, without a copy. Hashes are looked up in an open-addressing table keyed by
 * the key bytes kept for the slot: indexing a record creates no string and no map entry.
 */
export class ResultIndex {
  /** Bumped by every change; a change is stamped with the new value. */
  private version = 0;
  private count = 0;
  /** Logs indexed from their saved index, in the order they were added. */
  private readonly segments: Segment[] = [];
  private sizeCache = { version: -1, size: 0 };
  private readonly pages: SlotPage[] = [];
  /** The hashes of slots whose hash is not 64 lowercase hex digits (OTHER_HASH), by slot. */
  private readonly otherHashes = new Map<number, string>();
  /** arenas[HEADS] grows and receives copies of heads; the others are whole chunks of logs, kept as read when they are mostly heads. */
  private readonly arenas: Buffer[] = [Buffer.allocUnsafe(0)];
  private headsUsed = 0;
  private chunk: Chunk | undefined;
  /** Open addressing (linear probing): the newest slot of each hash, -1 for an empty bucket. At most half full. */
  private table = new Int32Array(1024).fill(-1);
  private distinctHashes = 0;

  /** `loadHeads(log)` gives the slots of that log their heads (with beginChunk "heads", upgrade, endChunk), or a segment's (attachHeads). */
  constructor(private readonly loadHeads: (log: number) => void) {}

  /** The current live record of `hash` (its id), if any. */
  current(hash: string): number | undefined {
    const s = this.currentAtVersion(hash, this.version);
    return s === -1 ? undefined : s;
  }

  /** How many hashes have a live result at `version` (counted when asked: nothing on the hot paths needs it). */
  sizeAt(version: number): number {
    if (this.sizeCache.version !== version) {
      let size = 0;
      for (let k = 0; k < this.segments.length; k++) this.forEachCurrentInSegment(k, version, () => size++);
      for (let s = 0; s < this.count; s++) if (this.isCurrentSlot(s, version)) size++;
      this.sizeCache = { version, size };
    }
    return this.sizeCache.size;
  }

  /** Calls `visit` with each record of segment `k` that is its hash's current record at `version`. */
  private forEachCurrentInSegment(k: number, version: number, visit: (position: number) => void): void {
    const seg = this.segments[k]!;
    const keys = seg.records.keys;
    for (let i = 0; i < seg.n; i++) {
      if (i > 0 && seg.sameKey(i, i - 1)) continue;
      const current = seg.currentAt(i, version);
      if (current === -1 || this.newerThanSegment(k, keys, i * KEY_BYTES, version)) continue;
      visit(current);
    }
  }

  /** True when the key at key[at...] has a record live at `version` indexed after segment k. */
  private newerThanSegment(k: number, key: Uint8Array, at: number, version: number): boolean {
    for (let later = k + 1; later < this.segments.length; later++) {
      const seg = this.segments[later]!;
      const first = seg.find(key, at);
      if (first !== -1 && seg.currentAt(first, version) !== -1) return true;
    }
    if (this.count === 0) return false;
    const slot = this.currentAt(this.newestOfKey(key, at), version);
    return slot !== -1 && this.addedAtOf(slot) > this.segments[k]!.addedAt;
  }

  /** Hashes with a live result. */
  hashes(): IterableIterator<string> {
    return this.hashesAt(this.version);
  }

  /** The live records of `hash` (ids). */
  live(hash: string): number[] {
    const all: number[] = [];
    for (let s = this.newest(hash); s !== -1; s = this.olderOf(s)) if (this.droppedAtOf(s) === LIVE) all.unshift(s);
    if (this.segments.length > 0 && parseHexInto(hash, lookupKey, 0)) {
      this.segments.forEach((seg, k) => {
        const first = seg.find(lookupKey);
        if (first !== -1) for (const i of seg.group(first)) if (!seg.dropped?.has(i)) all.push(segmentId(k, i));
      });
    }
    return all;
  }

  /**
   * Indexes a result record: `body` is its checksummed body (the caller checked its fields with
   * records.resultMetaEnd; where its head ends is not needed). Becomes the hash's current result. Only
   * its key and place are kept: its head is read back from the log when asked for (loadHeads).
   */
  add(log: number, offset: number, length: number, body: Buffer, _headEnd?: number): void {
    const s = this.count++;
    if ((s & PAGE_MASK) === 0) this.pages.push(new SlotPage());
    const page = this.pages[s >>> PAGE_BITS]!;
    const j = s & PAGE_MASK;
    page.log[j] = log;
    page.offset[j] = offset;
    page.length[j] = length;
    page.addedAt[j] = ++this.version;
    let bucket: number;
    if (keyOfAsciiHash(body, 2, body[1]!, page.keys, j * KEY_BYTES)) {
      page.kind[j] = body[0]!;
      bucket = this.bucketOfKey(page.keys, j * KEY_BYTES);
    } else {
      const hash = body.toString("utf8", 2, 2 + body[1]!);
      page.kind[j] = body[0]! | OTHER_HASH;
      this.otherHashes.set(s, hash);
      bucket = this.bucketOfOther(hash);
    }
    const older = this.table[bucket]!;
    page.older[j] = older;
    this.table[bucket] = s;
    if (older === -1 && ++this.distinctHashes * 2 > this.table.length) this.rehash(this.table.length * 2);
  }

  /** Indexes the result records of a log from its saved index (sorted by key), except those `isDead` says were removed. */
  addSegment(log: number, records: KeyedRecords & { dir: Uint32Array }, isDead: ((offset: number) => boolean) | undefined): void {
    const seg = new Segment(log, ++this.version, records);
    if (isDead) {
      for (let i = 0; i < seg.n; i++) if (isDead(records.offsets[i]!)) (seg.dropped ??= new Map()).set(i, seg.addedAt);
    }
    this.segments.push(seg);
  }

  /**
   * The result records of `log` indexed so far (removed or not), in log order, with their hashes as
   * keys: what its saved index holds; undefined when a hash is not 64 lowercase hex digits.
   */
  recordsOf(log: number): KeyedRecords | undefined {
    let n = 0;
    for (let s = 0; s < this.count; s++) if (this.pages[s >>> PAGE_BITS]!.log[s & PAGE_MASK] === log) n++;
    const records: KeyedRecords = { keys: Buffer.allocUnsafe(n * KEY_BYTES), offsets: new Float64Array(n), lengths: new Uint32Array(n), kinds: new Uint8Array(n) };
    for (let s = 0, i = 0; i < n; s++) {
      const page = this.pages[s >>> PAGE_BITS]!;
      const j = s & PAGE_MASK;
      if (page.log[j] !== log) continue;
      if (page.kind[j]! & OTHER_HASH) return undefined;
      // A byte loop: Buffer#copy costs more than 32 bytes.
      for (let b = 0; b < KEY_BYTES; b++) records.keys[i * KEY_BYTES + b] = page.keys[j * KEY_BYTES + b]!;
      records.offsets[i] = page.offset[j]!;
      records.lengths[i] = page.length[j]!;
      records.kinds[i] = page.kind[j]!;
      i++;
    }
    return records;
  }

  /** Room in the table for `n` more hashes (a read of a log: rehash once, not log2(n) times). */
  private reserveHashes(n: number): void {
    const expected = this.distinctHashes + n;
    if (expected * 2 > this.table.length) this.rehash(expected * 2);
  }

  /**
   * Records added (mode "index") or upgraded (mode "heads") until endChunk() have their bodies in
   * `chunk` (a whole read of a log). "index": the table is sized for as many records as it could hold;
   * "heads": the chunk may be kept instead of copying the heads out of it.
   */
  beginChunk(chunk: Buffer, mode: "index" | "heads"): void {
    // Trivial results take ~220 bytes each.
    if (mode === "index") this.reserveHashes(Math.ceil(chunk.length / 200));
    else this.chunk = { buffer: chunk, arena: this.arenas.push(chunk) - 1, slots: [], headEnds: [], headBytes: 0 };
  }

  /**
   * Ends a chunk; true when it is kept as the arena of its heads (large and mostly heads: small results,
   * no copy); otherwise the heads of the slots upgraded in it are copied out, and it is let go.
   */
  endChunk(): boolean {
    const chunk = this.chunk;
    if (!chunk) return false;
    this.chunk = undefined;
    if (chunk.buffer.length >= KEEP_CHUNK_MIN_BYTES && chunk.headBytes * 2 >= chunk.buffer.length) return true;
    chunk.slots.forEach((s, i) => {
      const at = this.headPlace(s).at;
      this.copyHead(s, chunk.buffer, at, at + chunk.headEnds[i]!);
    });
    this.arenas.pop();
    return false;
  }

  /** True when `log` was indexed from its saved index (its records are a segment: see attachHeads). */
  isSegment(log: number): boolean {
    return this.segments.some((seg) => seg.log === log);
  }

  /**
   * Gives the records of segment log `log` their heads from `chunk`, the log's bytes from `from` on
   * (checksums checked by the caller): each record's place in it is known from its offset. The chunk
   * is kept when it is large and mostly heads; otherwise the heads are copied out of it.
   */
  attachHeads(log: number, chunk: Buffer, from: number): void {
    const k = this.segments.findIndex((seg) => seg.log === log);
    const seg = this.segments[k]!;
    const { offsets, lengths } = seg.records;
    const headEnds = new Int32Array(seg.n).fill(-1);
    let headBytes = 0;
    for (let i = 0; i < seg.n; i++) {
      const start = offsets[i]! - from + RECORD_HEADER_BYTES;
      const end = offsets[i]! - from + lengths[i]!;
      if (start < RECORD_HEADER_BYTES || end > chunk.length || this.hasHead(segmentId(k, i))) continue;
      try {
        headEnds[i] = resultMetaEnd(chunk.subarray(start, end));
      } catch {
        continue; // malformed: no head (the checksum scan reported it)
      }
      headBytes += headEnds[i]!;
    }
    const keep = chunk.length >= KEEP_CHUNK_MIN_BYTES && headBytes * 2 >= chunk.length;
    const arena = keep ? this.arenas.push(chunk) - 1 : -1;
    for (let i = 0; i < seg.n; i++) {
      if (headEnds[i] === -1) continue;
      const start = offsets[i]! - from + RECORD_HEADER_BYTES;
      if (keep) this.setHead(segmentId(k, i), arena, start);
      else this.copyHead(segmentId(k, i), chunk, start, start + headEnds[i]!);
    }
  }

  /** During a "heads" chunk: the record at (log, offset), whose body is in the chunk, gets its head if it lacks it (logs that are not segments). */
  upgrade(log: number, offset: number, body: Buffer, headEnd: number): void {
    const chunk = this.chunk!;
    const newest = keyOfAsciiHash(body, 2, body[1]!, lookupKey) ? this.newestOfKey(lookupKey, 0) : this.newestOther(body.toString("utf8", 2, 2 + body[1]!));
    for (let s = newest; s !== -1; s = this.olderOf(s)) {
      const page = this.pages[s >>> PAGE_BITS]!;
      if (page.log[s & PAGE_MASK] !== log || page.offset[s & PAGE_MASK] !== offset) continue;
      if (!this.hasHead(s)) {
        this.setHead(s, chunk.arena, body.byteOffset - chunk.buffer.byteOffset);
        chunk.slots.push(s);
        chunk.headEnds.push(headEnd);
        chunk.headBytes += headEnd;
      }
      return;
    }
  }

  private hasHead(id: number): boolean {
    const [holder, i] = id < SEGMENT_IDS ? [this.pages[id >>> PAGE_BITS]!, id & PAGE_MASK] : this.segmentOf(id);
    return holder.headArena !== undefined && holder.headArena[i] !== 0;
  }

  /** Points record `id` at its head: at `at` in arena `arena`. */
  private setHead(id: number, arena: number, at: number): void {
    const [holder, i] = id < SEGMENT_IDS ? [this.pages[id >>> PAGE_BITS]!, id & PAGE_MASK] : this.segmentOf(id);
    const n = id < SEGMENT_IDS ? PAGE_SLOTS : (holder as Segment).n;
    holder.headArena ??= new Uint32Array(n);
    holder.headAt ??= new Uint32Array(n);
    holder.headArena[i] = arena + 1;
    holder.headAt[i] = at;
  }

  private headPlace(id: number): { arena: number; at: number } {
    const [holder, i] = id < SEGMENT_IDS ? [this.pages[id >>> PAGE_BITS]!, id & PAGE_MASK] : this.segmentOf(id);
    return { arena: holder.headArena![i]! - 1, at: holder.headAt![i]! };
  }

  private segmentOf(id: number): [Segment, number] {
    return [this.segments[Math.floor(id / SEGMENT_IDS) - 1]!, id % SEGMENT_IDS];
  }

  /** Copies from[start, end) to the end of the heads arena and points record `id` there. */
  private copyHead(id: number, from: Uint8Array, start: number, end: number): void {
    let arena = this.arenas[HEADS]!;
    const n = end - start;
    const used = this.headsUsed;
    if (used + n > arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(arena.length * 2, used + n, 4096));
      arena.copy(grown, 0, 0, used);
      this.arenas[HEADS] = arena = grown;
    }
    this.setHead(id, HEADS, used);
    // A byte loop: Buffer#copy costs more than the ~200 bytes of a trivial result's head.
    for (let i = start, at = used; i < end; i++, at++) arena[at] = from[i]!;
    this.headsUsed = used + n;
  }

  /** Removes the live record of `hash` at (log, offset), if indexed; the one before it becomes current. */
  drop(hash: string, log: number, offset: number): void {
    for (let s = this.newest(hash); s !== -1; s = this.olderOf(s)) {
      const page = this.pages[s >>> PAGE_BITS]!;
      const j = s & PAGE_MASK;
      if (page.log[j] !== log || page.offset[j] !== offset || this.droppedAtOf(s) !== LIVE) continue;
      (page.droppedAt ??= new Uint32Array(PAGE_SLOTS).fill(LIVE))[j] = ++this.version;
      return;
    }
    if (!parseHexInto(hash, lookupKey, 0)) return;
    for (const seg of this.segments) {
      if (seg.log !== log) continue;
      const first = seg.find(lookupKey);
      if (first === -1) continue;
      for (const i of seg.group(first)) {
        if (seg.records.offsets[i] !== offset || seg.dropped?.has(i)) continue;
        (seg.dropped ??= new Map()).set(i, ++this.version);
        return;
      }
    }
  }

  /** Where the record is: log number, byte offset and total length. */
  place(id: number): { log: number; offset: number; length: number } {
    if (id < SEGMENT_IDS) {
      const page = this.pages[id >>> PAGE_BITS]!;
      const j = id & PAGE_MASK;
      return { log: page.log[j]!, offset: page.offset[j]!, length: page.length[j]! };
    }
    const [seg, i] = this.segmentOf(id);
    return { log: seg.log, offset: seg.records.offsets[i]!, length: seg.records.lengths[i]! };
  }

  /** The record's kind byte (records.Kind). */
  kind(id: number): number {
    if (id < SEGMENT_IDS) return this.pages[id >>> PAGE_BITS]!.kind[id & PAGE_MASK]! & ~OTHER_HASH;
    const [seg, i] = this.segmentOf(id);
    return seg.records.kinds[i]!;
  }

  /** The record's metadata (read from its log when it is not in memory); undefined when it cannot be read (its record is damaged). */
  head(id: number): ResultHead | undefined {
    if (!this.hasHead(id)) this.loadHeads(this.place(id).log);
    if (!this.hasHead(id)) return undefined;
    const { arena, at } = this.headPlace(id);
    return decodeResultHead(this.arenas[arena]!, at);
  }

  /** The current results as a read-only map, unaffected by later changes to the index. */
  snapshot(): Map<string, ResultMeta> {
    return new IndexResultsView(this, this.version);
  }

  /** The record of `hash` live at `version` (its id), or -1. */
  currentAtVersion(hash: string, version: number): number {
    if (parseHexInto(hash, lookupKey, 0)) return this.currentOfKey(lookupKey, 0, version);
    return this.count === 0 ? -1 : this.currentAt(this.newestOther(hash), version); // segments hold only task hashes
  }

  /**
   * The record live at `version` (its id), or -1, of the hash whose key is key[at, at + KEY_BYTES): the
   * one indexed last, among the slots and the segments (a segment's records count as indexed when it was added).
   */
  currentOfKey(key: Uint8Array, at: number, version: number): number {
    const slot = this.count === 0 ? -1 : this.currentAt(this.newestOfKey(key, at), version);
    const slotAddedAt = slot === -1 ? -1 : this.addedAtOf(slot);
    for (let k = this.segments.length - 1; k >= 0 && this.segments[k]!.addedAt > slotAddedAt; k--) {
      const seg = this.segments[k]!;
      const first = seg.find(key, at);
      const i = first === -1 ? -1 : seg.currentAt(first, version);
      if (i !== -1) return segmentId(k, i);
    }
    return slot;
  }

  /** Hashes live at `version`: those of the segments (in the order added, each in hash order), then the others in the order indexed. */
  *hashesAt(version: number): IterableIterator<string> {
    for (const [hash] of this.idsAt(version)) yield hash;
  }

  /** [hash, id] of the results live at `version`, in the order of hashesAt. */
  *idsAt(version: number): IterableIterator<[string, number]> {
    for (let k = 0; k < this.segments.length; k++) {
      const current: number[] = [];
      this.forEachCurrentInSegment(k, version, (i) => current.push(i));
      for (const i of current) yield [this.segments[k]!.hashAt(i), segmentId(k, i)];
    }
    for (let s = 0; s < this.count; s++) if (this.isCurrentSlot(s, version)) yield [this.hashOf(s), s];
  }

  /** True when slot `s` is its hash's current record at `version`. */
  private isCurrentSlot(s: number, version: number): boolean {
    if (!this.liveAt(s, version)) return false;
    const page = this.pages[s >>> PAGE_BITS]!;
    const j = s & PAGE_MASK;
    if (page.kind[j]! & OTHER_HASH) return this.currentAt(this.newestOther(this.otherHashes.get(s)!), version) === s;
    return this.currentOfKey(page.keys, j * KEY_BYTES, version) === s;
  }

  private liveAt(s: number, version: number): boolean {
    return this.addedAtOf(s) <= version && version < this.droppedAtOf(s);
  }

  private addedAtOf(s: number): number {
    return this.pages[s >>> PAGE_BITS]!.addedAt[s & PAGE_MASK]!;
  }

  private droppedAtOf(s: number): number {
    return this.pages[s >>> PAGE_BITS]!.droppedAt?.[s & PAGE_MASK] ?? LIVE;
  }

  private olderOf(s: number): number {
    return this.pages[s >>> PAGE_BITS]!.older[s & PAGE_MASK]!;
  }

  /** The newest slot at or before `s` (same hash) live at `version`, or -1. */
  private currentAt(s: number, version: number): number {
    for (; s !== -1; s = this.olderOf(s)) if (this.liveAt(s, version)) return s;
    return -1;
  }

  private hashOf(s: number): string {
    const page = this.pages[s >>> PAGE_BITS]!;
    const j = s & PAGE_MASK;
    if (page.kind[j]! & OTHER_HASH) return this.otherHashes.get(s)!;
    return Buffer.from(page.keys.buffer, page.keys.byteOffset + j * KEY_BYTES, KEY_BYTES).toString("hex");
  }

  /** The newest slot ever indexed for `hash`, or -1. */
  private newest(hash: string): number {
    return parseHexInto(hash, lookupKey, 0) ? this.newestOfKey(lookupKey, 0) : this.newestOther(hash);
  }

  /** The newest slot ever indexed for the key at key[at, at + KEY_BYTES), or -1. */
  private newestOfKey(key: Uint8Array, at: number): number {
    return this.table[this.bucketOfKey(key, at)]!;
  }

  /** The newest slot ever indexed for `hash`, which is not 64 lowercase hex digits, or -1. */
  private newestOther(hash: string): number {
    return this.table[this.bucketOfOther(hash)]!;
  }

  /** The bucket of the key at key[at, at + KEY_BYTES) (or the empty bucket where it goes). */
  private bucketOfKey(key: Uint8Array, at: number): number {
    const mask = this.table.length - 1;
    for (let i = keyBucketHash(key, at) & mask; ; i = (i + 1) & mask) {
      const s = this.table[i]!;
      if (s === -1) return i;
      const page = this.pages[s >>> PAGE_BITS]!;
      const j = s & PAGE_MASK;
      if (page.kind[j]! & OTHER_HASH) continue;
      const keys = page.keys;
      let b = 0;
      for (let k = j * KEY_BYTES; b < KEY_BYTES && keys[k] === key[at + b]; b++, k++);
      if (b === KEY_BYTES) return i;
    }
  }

  /** The bucket of `hash`, which is not 64 lowercase hex digits (or the empty bucket where it goes). */
  private bucketOfOther(hash: string): number {
    const mask = this.table.length - 1;
    for (let i = stringHash(hash) & mask; ; i = (i + 1) & mask) {
      const s = this.table[i]!;
      if (s === -1 || this.otherHashes.get(s) === hash) return i;
    }
  }

  /** A table of at least `minBuckets` buckets (a power of two) with the same contents. */
  private rehash(minBuckets: number): void {
    const old = this.table;
    const table = (this.table = new Int32Array(2 ** Math.ceil(Math.log2(minBuckets))).fill(-1));
    const mask = table.length - 1;
    for (let b = 0; b < old.length; b++) {
      const s = old[b]!;
      if (s === -1) continue;
      const page = this.pages[s >>> PAGE_BITS]!;
      const j = s & PAGE_MASK;
      let i = (page.kind[j]! & OTHER_HASH ? stringHash(this.otherHashes.get(s)!) : keyBucketHash(page.keys, j * KEY_BYTES)) & mask;
      while (table[i] !== -1) i = (i + 1) & mask; // hashes are distinct: the first free bucket
      table[i] = s;
    }
  }
}

function segmentId(segment: number, position: number): number {
  return (segment + 1) * SEGMENT_IDS + position;
}

/** The 4 bytes at bytes[at...] as a big-endian unsigned number (without a call: Buffer#readUInt32BE is one). */
function u32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * The bucket hash of a key: its first and last four bytes (a task hash is a SHA-256 digest, uniform
 * already; the last bytes spread keys that share a prefix, such as zero-padded test hashes).
 */
function keyBucketHash(key: Uint8Array, at: number): number {
  return (u32At(key, at) ^ Math.imul(u32At(key, at + 28), 0x9e3779b1)) >>> 0;
}

/** FNV-1a of a string's UTF-16 code units. */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The results live at one version of the index; metadata is decoded on access. */
class IndexResultsView extends ResultsView {
  constructor(
    private readonly index: ResultIndex,
    private readonly version: number,
  ) {
    super();
  }
  override has(hash: string): boolean {
    return this.index.currentAtVersion(hash, this.version) !== -1;
  }
  override hasDigest(digests: Uint8Array, at: number): boolean {
    return this.index.currentOfKey(digests, at, this.version) !== -1;
  }
  override get(hash: string): ResultMeta | undefined {
    const slot = this.index.currentAtVersion(hash, this.version);
    return slot === -1 ? undefined : this.index.head(slot)?.meta;
  }
  override keys(): MapIterator<string> {
    return this.index.hashesAt(this.version);
  }
  override *entries(): MapIterator<[string, ResultMeta]> {
    for (const [hash, slot] of this.index.idsAt(this.version)) {
      const meta = this.index.head(slot)?.meta;
      if (meta) yield [hash, meta];
    }
  }
  sizeNow(): number {
    return this.index.sizeAt(this.version);
  }
}
