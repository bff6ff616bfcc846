/**
 * The file store's in-memory index of result records, built for 100,000s of results: per record a few
 * numbers in typed arrays (where it is) and the bytes that start its record body (kind and hash; the
 * whole head with the metadata when it is at hand). No object or string per result: metadata is
 * decoded only when asked for (status, hover), and read from the log then if it is not in memory.
 */
import type { ResultMeta } from "../types";
import { ResultsView } from "../results-view";
import { RECORD_HEADER_BYTES, decodeResultHead, resultMetaEnd, type ResultHead } from "./records";
import { HEX_PAIR, KEY_BYTES, hexU32, keyOfAsciiHash, keyOfHash, prefixBits, type KeyedRecords } from "./log-index";

const INITIAL_SLOTS = 1024;
/** A chunk of a log smaller than this is never kept as an arena (what is needed of it is copied). */
const KEEP_CHUNK_MIN_BYTES = 64 * 1024;
/** droppedAt of a slot that is still live. */
const LIVE = 0xffffffff;
/** The growing arena of copied keys (kind, hash length, hash): slots whose metadata is not in memory. */
const KEYS = 0;
/** The growing arena of copied heads (kind, hash, metadata, blob reference). */
const HEADS = 1;
/**
 * Set in the kind byte of a copied key whose hash is 64 lowercase hex digits, kept as its 32 bytes
 * (log-index keyOfHash; the length byte then says 32): half the memory of the digits.
 */
const PACKED = 0x80;
/** A packed key being copied: kind | PACKED, 32, the key. */
const packedEntry = new Uint8Array(2 + KEY_BYTES);

/** Ids of records in segments start here: (segment number + 1) * 2^32 + position. Below are slots. */
const SEGMENT_IDS = 2 ** 32;
/** The key of the hash being looked up (keyOfHash), reused: lookups are synchronous. */
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

  /** The first position holding the key at key[at, at + KEY_BYTES), or -1. */
  find(key: Uint8Array, at = 0): number {
    const p = ((key[at]! << 8) | key[at + 1]!) >>> this.shift;
    let lo = this.dir[p]!;
    const end = this.dir[p + 1]!;
    for (let hi = end; lo < hi; ) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(mid, key, at) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < end && this.compare(lo, key, at) === 0 ? lo : -1;
  }

  /**
   * The first position holding the key of `hash` (a string: keyOfHash without building the key), or -1.
   * The search compares the first 4 bytes as a number; only a match is checked in full.
   */
  findHash(hash: string): number {
    const prefix = hash.length === 2 * KEY_BYTES ? hexU32(hash, 0) : -1;
    if (prefix < 0) return -1;
    const keys = this.records.keys;
    const p = prefix >>> (16 + this.shift);
    let lo = this.dir[p]!;
    const end = this.dir[p + 1]!;
    for (let hi = end; lo < hi; ) {
      const mid = (lo + hi) >>> 1;
      if (keys.readUInt32BE(mid * KEY_BYTES) < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (; lo < end && keys.readUInt32BE(lo * KEY_BYTES) === prefix; lo++) if (this.restEquals(lo, hash)) return lo;
    return -1;
  }

  /** Bytes 4.. of the key at `i` equal the hex digits 8.. of `hash`. */
  private restEquals(i: number, hash: string): boolean {
    const keys = this.records.keys;
    for (let j = 4, at = i * KEY_BYTES + 4; j < KEY_BYTES; j++, at++) {
      const c0 = hash.charCodeAt(2 * j);
      const c1 = hash.charCodeAt(2 * j + 1);
      if ((c0 | c1) >= 128 || HEX_PAIR[(c0 << 7) | c1] !== keys[at]) return false;
    }
    return true;
  }

  private compare(i: number, key: Uint8Array, at: number): number {
    const keys = this.records.keys;
    for (let j = 0, k = i * KEY_BYTES; j < KEY_BYTES; j++, k++) {
      const d = keys[k]! - key[at + j]!;
      if (d !== 0) return d;
    }
    return 0;
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
  private count = 0;
  /** Logs indexed from their saved index, in the order they were added. */
  private readonly segments: Segment[] = [];
  private sizeCache = { version: -1, size: 0 };
  private logOf = new Uint32Array(INITIAL_SLOTS);
  private offsetOf = new Float64Array(INITIAL_SLOTS);
  private lengthOf = new Uint32Array(INITIAL_SLOTS);
  /**
   * Where the slot's bytes are: at headOf in arenas[arenaOf], its record body from the start, either
   * up to the inline data (the head; all of a blob record) or, in arenas without heads, up to the hash.
   */
  private arenaOf = new Uint32Array(INITIAL_SLOTS);
  private headOf = new Uint32Array(INITIAL_SLOTS);
  /** The slot of the same hash indexed before this one, or -1 (live or not). */
  private olderOf = new Int32Array(INITIAL_SLOTS);
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
      for (let s = 0; s < this.count; s++) if (this.liveAt(s, version) && this.currentAtVersion(this.keyOf(s), version) === s) size++;
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
    const slot = this.currentAt(this.newest(Buffer.from(key.subarray(at, at + KEY_BYTES)).toString("hex")), version);
    return slot !== -1 && this.addedAt[slot]! > this.segments[k]!.addedAt;
  }

  /** Hashes with a live result. */
  hashes(): IterableIterator<string> {
    return this.hashesAt(this.version);
  }

  /** The live records of `hash` (ids). */
  live(hash: string): number[] {
    const all: number[] = [];
    for (let s = this.newest(hash); s !== -1; s = this.olderOf[s]!) if (this.droppedAt[s] === LIVE) all.unshift(s);
    if (this.segments.length > 0 && keyOfHash(hash, lookupKey)) {
      this.segments.forEach((seg, k) => {
        const first = seg.find(lookupKey);
        if (first !== -1) for (const i of seg.group(first)) if (!seg.dropped?.has(i)) all.push(segmentId(k, i));
      });
    }
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
    else this.copyKey(s, body, 0);
    this.link(s, body, 2, body[1]!);
  }

  /** Copies the key of the record body at from[start...] to the keys arena (packed when it can be). */
  private copyKey(s: number, from: Uint8Array, start: number): void {
    if (keyOfAsciiHash(from, start + 2, from[start + 1]!, packedEntry.subarray(2))) {
      packedEntry[0] = from[start]! | PACKED;
      packedEntry[1] = KEY_BYTES;
      this.copy(KEYS, s, packedEntry, 0, packedEntry.length);
    } else {
      this.copy(KEYS, s, from, start, start + 2 + from[start + 1]!);
    }
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
    const slots: number[] = [];
    for (let s = 0; s < this.count; s++) if (this.logOf[s] === log) slots.push(s);
    const records: KeyedRecords = {
      keys: Buffer.allocUnsafe(slots.length * KEY_BYTES),
      offsets: new Float64Array(slots.length),
      lengths: new Uint32Array(slots.length),
      kinds: new Uint8Array(slots.length),
    };
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const arena = this.arenas[this.arenaOf[s]!]!;
      const head = this.headOf[s]!;
      if (arena[head]! & PACKED) for (let j = 0; j < KEY_BYTES; j++) records.keys[i * KEY_BYTES + j] = arena[head + 2 + j]!;
      else if (!keyOfAsciiHash(arena, head + 2, arena[head + 1]!, records.keys.subarray(i * KEY_BYTES))) return undefined;
      records.offsets[i] = this.offsetOf[s]!;
      records.lengths[i] = this.lengthOf[s]!;
      records.kinds[i] = arena[head]! & ~PACKED;
    }
    return records;
  }

  private newSlot(log: number, offset: number, length: number): number {
    if (this.count === this.logOf.length) this.grow(this.count * 2);
    const s = this.count++;
    this.logOf[s] = log;
    this.offsetOf[s] = offset;
    this.lengthOf[s] = length;
    this.addedAt[s] = ++this.version;
    this.droppedAt[s] = LIVE;
    return s;
  }

  /** Makes slot `s` the newest of its hash, hash[start, start + length) as the record has it. */
  private link(s: number, hash: Uint8Array, start: number, length: number): void {
    // The hash as written in the record (ASCII): the arena may hold it packed.
    const keyHash = bytesHash(hash, start, start + length);
    this.keyHashOf[s] = keyHash;
    const bucket = this.bucketOf(keyHash, hash, start, length);
    const older = this.table[bucket]!;
    this.olderOf[s] = older;
    this.table[bucket] = s;
    if (older === -1 && ++this.distinctHashes * 2 > this.table.length) this.rehash(this.table.length * 2);
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
      // At least doubling: a refresh that reads one new record must not copy every array (O(n) per task).
      if (this.count + records > this.logOf.length) this.grow(Math.max(this.count + records, 2 * this.logOf.length));
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
      const at = this.headPlace(s).at;
      if (chunk.mode === "heads") this.copy(HEADS, s, chunk.buffer, at, at + chunk.headEnds[i]!);
      else this.copyKey(s, chunk.buffer, at);
    });
    this.arenas.pop();
    this.arenaHasHeads.pop();
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
    if (keep) this.arenaHasHeads.push(true);
    for (let i = 0; i < seg.n; i++) {
      if (headEnds[i] === -1) continue;
      const start = offsets[i]! - from + RECORD_HEADER_BYTES;
      if (keep) this.setHead(segmentId(k, i), arena, start);
      else this.copy(HEADS, segmentId(k, i), chunk, start, start + headEnds[i]!);
    }
  }

  /** During a "heads" chunk: the record at (log, offset), whose body is in the chunk, gets its head if it lacks it (logs that are not segments). */
  upgrade(log: number, offset: number, body: Buffer, headEnd: number): void {
    const chunk = this.chunk!;
    const keyHash = bytesHash(body, 2, 2 + body[1]!);
    for (let s = this.table[this.bucketOf(keyHash, body, 2, body[1]!)]!; s !== -1; s = this.olderOf[s]!) {
      if (this.logOf[s] !== log || this.offsetOf[s] !== offset) continue;
      if (!this.hasHead(s)) this.pointIntoChunk(chunk, s, body, headEnd);
      return;
    }
  }

  private hasHead(id: number): boolean {
    if (id < SEGMENT_IDS) return this.arenaHasHeads[this.arenaOf[id]!]!;
    const [seg, i] = this.segmentOf(id);
    return seg.headArena !== undefined && seg.headArena[i] !== 0;
  }

  /** Points record `id` at its bytes: at `at` in arena `arena`. */
  private setHead(id: number, arena: number, at: number): void {
    if (id < SEGMENT_IDS) {
      this.arenaOf[id] = arena;
      this.headOf[id] = at;
      return;
    }
    const [seg, i] = this.segmentOf(id);
    seg.headArena ??= new Uint32Array(seg.n);
    seg.headAt ??= new Uint32Array(seg.n);
    seg.headArena[i] = arena + 1;
    seg.headAt[i] = at;
  }

  private headPlace(id: number): { arena: number; at: number } {
    if (id < SEGMENT_IDS) return { arena: this.arenaOf[id]!, at: this.headOf[id]! };
    const [seg, i] = this.segmentOf(id);
    return { arena: seg.headArena![i]! - 1, at: seg.headAt![i]! };
  }

  private segmentOf(id: number): [Segment, number] {
    return [this.segments[Math.floor(id / SEGMENT_IDS) - 1]!, id % SEGMENT_IDS];
  }

  private pointIntoChunk(chunk: Chunk, s: number, body: Buffer, headEnd: number): void {
    this.setHead(s, chunk.arena, body.byteOffset - chunk.buffer.byteOffset);
    chunk.slots.push(s);
    chunk.headEnds.push(headEnd);
    chunk.headBytes += headEnd;
  }

  /** Copies from[start, end) to the end of a growing arena and points slot `s` there. */
  private copy(into: typeof KEYS | typeof HEADS, s: number, from: Uint8Array, start: number, end: number): void {
    let arena = this.arenas[into]!;
    const n = end - start;
    const used = this.used[into]!;
    if (used + n > arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(arena.length * 2, used + n, 4096));
      arena.copy(grown, 0, 0, used);
      this.arenas[into] = arena = grown;
    }
    this.setHead(s, into, used);
    // A byte loop: Buffer#copy costs more than the ~200 bytes of a trivial result's head.
    for (let i = start, at = used; i < end; i++, at++) arena[at] = from[i]!;
    this.used[into] = used + n;
  }

  /** Removes the live record of `hash` at (log, offset), if indexed; the one before it becomes current. */
  drop(hash: string, log: number, offset: number): void {
    for (let s = this.newest(hash); s !== -1; s = this.olderOf[s]!) {
      if (this.logOf[s] !== log || this.offsetOf[s] !== offset || this.droppedAt[s] !== LIVE) continue;
      this.droppedAt[s] = ++this.version;
      return;
    }
    if (!keyOfHash(hash, lookupKey)) return;
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
    if (id < SEGMENT_IDS) return { log: this.logOf[id]!, offset: this.offsetOf[id]!, length: this.lengthOf[id]! };
    const [seg, i] = this.segmentOf(id);
    return { log: seg.log, offset: seg.records.offsets[i]!, length: seg.records.lengths[i]! };
  }

  /** The record's kind byte (records.Kind). */
  kind(id: number): number {
    if (id >= SEGMENT_IDS) {
      const [seg, i] = this.segmentOf(id);
      return seg.records.kinds[i]!;
    }
    return this.arenas[this.arenaOf[id]!]![this.headOf[id]!]! & ~PACKED;
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

  /**
   * The record of `hash` live at `version` (its id), or -1: the one indexed last, among the slots and
   * the segments (a segment's records count as indexed when it was added).
   */
  currentAtVersion(hash: string, version: number): number {
    const slot = this.count === 0 ? -1 : this.currentAt(this.newest(hash), version);
    const slotAddedAt = slot === -1 ? -1 : this.addedAt[slot]!;
    for (let k = this.segments.length - 1; k >= 0 && this.segments[k]!.addedAt > slotAddedAt; k--) {
      const seg = this.segments[k]!;
      const first = seg.findHash(hash);
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
    for (let s = 0; s < this.count; s++) {
      if (!this.liveAt(s, version)) continue;
      const hash = this.keyOf(s);
      if (this.currentAtVersion(hash, version) === s) yield [hash, s];
    }
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
    return heads.toString(heads[at - 2]! & PACKED ? "hex" : "utf8", at, at + heads[at - 1]!);
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
    if (heads[at - 2]! & PACKED) {
      if (hash.length !== 2 * KEY_BYTES) return false;
      for (let j = 0; j < KEY_BYTES; j++) {
        const c0 = hash.charCodeAt(2 * j);
        const c1 = hash.charCodeAt(2 * j + 1);
        if ((c0 | c1) >= 128 || HEX_PAIR[(c0 << 7) | c1] !== heads[at + j]) return false;
      }
      return true;
    }
    if (heads[at - 1] !== hash.length) return false;
    for (let i = 0; i < hash.length; i++) if (heads[at + i] !== hash.charCodeAt(i)) return false;
    return true;
  }

  private keyEqualsBytes(s: number, key: Uint8Array, start: number, length: number): boolean {
    const at = this.headOf[s]! + 2;
    const heads = this.arenas[this.arenaOf[s]!]!;
    if (heads[at - 2]! & PACKED) {
      if (length !== 2 * KEY_BYTES) return false;
      for (let j = 0; j < KEY_BYTES; j++) {
        const c0 = key[start + 2 * j]!;
        const c1 = key[start + 2 * j + 1]!;
        if ((c0 | c1) >= 128 || HEX_PAIR[(c0 << 7) | c1] !== heads[at + j]) return false;
      }
      return true;
    }
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
    this.keyHashOf = grown(this.keyHashOf, Uint32Array);
    this.addedAt = grown(this.addedAt, Uint32Array);
    this.droppedAt = grown(this.droppedAt, Uint32Array);
  }
}

function segmentId(segment: number, position: number): number {
  return (segment + 1) * SEGMENT_IDS + position;
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
