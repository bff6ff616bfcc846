/**
 * The file store's in-memory index of live result records, built for 100,000s of results: one map
 * entry (hash -> slot number) per result, and per slot a few numbers in typed arrays (where the record
 * is) plus its metadata bytes, copied into one growing buffer. No object per result: metadata is
 * decoded only when asked for (status of one task, hover), and a snapshot shares the hash map until
 * the index next changes (copy on write), instead of building a map of its own.
 */
import type { ResultMeta } from "../types";
import { decodeResultHead, type ResultHead } from "./records";

const INITIAL_SLOTS = 1024;

export class ResultIndex {
  /** hash -> its current (last indexed, still live) slot. */
  private slots = new Map<string, number>();
  /** A snapshot holds `slots`: clone it before the next change. */
  private shared = false;
  private count = 0;
  private logOf = new Uint32Array(INITIAL_SLOTS);
  private offsetOf = new Float64Array(INITIAL_SLOTS);
  private lengthOf = new Uint32Array(INITIAL_SLOTS);
  /** Where the slot's record body starts in `heads` (its bytes up to the inline data, or all of a blob record). */
  private headOf = new Float64Array(INITIAL_SLOTS);
  /** Bytes from the record's start to its inline data. */
  private dataAtOf = new Uint32Array(INITIAL_SLOTS);
  /** The live slot of the same hash indexed before this one, or -1 (several live records of one hash are rare). */
  private previousOf = new Int32Array(INITIAL_SLOTS);
  private heads = Buffer.allocUnsafe(64 * 1024);
  private headsUsed = 0;

  get size(): number {
    return this.slots.size;
  }

  has(hash: string): boolean {
    return this.slots.has(hash);
  }

  current(hash: string): number | undefined {
    return this.slots.get(hash);
  }

  hashes(): IterableIterator<string> {
    return this.slots.keys();
  }

  /** The live slots of `hash`, oldest first. */
  live(hash: string): number[] {
    const all: number[] = [];
    for (let s = this.slots.get(hash) ?? -1; s !== -1; s = this.previousOf[s]!) all.unshift(s);
    return all;
  }

  /**
   * Indexes a result record: `body` is its checksummed body, `headEnd` where its metadata ends in it
   * (records.resultMetaEnd). Becomes the hash's current result.
   */
  add(hash: string, log: number, offset: number, length: number, body: Buffer, headEnd: number): void {
    if (this.count === this.logOf.length) this.grow();
    if (this.headsUsed + headEnd > this.heads.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.heads.length * 2, this.headsUsed + headEnd));
      this.heads.copy(grown, 0, 0, this.headsUsed);
      this.heads = grown;
    }
    const s = this.count++;
    this.logOf[s] = log;
    this.offsetOf[s] = offset;
    this.lengthOf[s] = length;
    this.dataAtOf[s] = length - (body.length - headEnd);
    this.headOf[s] = this.headsUsed;
    // A byte loop: Buffer#copy costs more than the ~200 bytes of a trivial result's head.
    const heads = this.heads;
    for (let i = 0, at = this.headsUsed; i < headEnd; i++, at++) heads[at] = body[i]!;
    this.headsUsed += headEnd;
    this.previousOf[s] = this.slots.get(hash) ?? -1;
    this.writable().set(hash, s);
  }

  /** Removes the live record of `hash` at (log, offset), if indexed; the one before it becomes current. */
  drop(hash: string, log: number, offset: number): void {
    let later = -1;
    for (let s = this.slots.get(hash) ?? -1; s !== -1; later = s, s = this.previousOf[s]!) {
      if (this.logOf[s] !== log || this.offsetOf[s] !== offset) continue;
      const previous = this.previousOf[s]!;
      if (later !== -1) this.previousOf[later] = previous;
      else if (previous === -1) this.writable().delete(hash);
      else this.writable().set(hash, previous);
      return;
    }
  }

  /** Where the slot's record is: log number, byte offset, total length, and offset of the inline data in it. */
  place(slot: number): { log: number; offset: number; length: number; dataAt: number } {
    return { log: this.logOf[slot]!, offset: this.offsetOf[slot]!, length: this.lengthOf[slot]!, dataAt: this.dataAtOf[slot]! };
  }

  /** The record's kind byte (records.Kind). */
  kind(slot: number): number {
    return this.heads[this.headOf[slot]!]!;
  }

  head(slot: number): ResultHead {
    return decodeResultHead(this.heads, this.headOf[slot]!);
  }

  /** The current results as a read-only map, unaffected by later changes to the index. */
  snapshot(): Map<string, ResultMeta> {
    this.shared = true;
    return new ResultsView(this.slots, (slot) => this.head(slot).meta);
  }

  private writable(): Map<string, number> {
    if (this.shared) {
      this.slots = new Map(this.slots);
      this.shared = false;
    }
    return this.slots;
  }

  private grow(): void {
    const n = this.logOf.length * 2;
    const grown = <T extends Uint32Array | Float64Array | Int32Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(n);
      b.set(a);
      return b;
    };
    this.logOf = grown(this.logOf, Uint32Array);
    this.offsetOf = grown(this.offsetOf, Float64Array);
    this.lengthOf = grown(this.lengthOf, Uint32Array);
    this.headOf = grown(this.headOf, Float64Array);
    this.dataAtOf = grown(this.dataAtOf, Uint32Array);
    this.previousOf = grown(this.previousOf, Int32Array);
  }
}

/** A Map over a frozen hash -> slot map whose values (metadata) are decoded on access. Read-only. */
class ResultsView extends Map<string, ResultMeta> {
  constructor(
    private readonly slots: ReadonlyMap<string, number>,
    private readonly metaOf: (slot: number) => ResultMeta,
  ) {
    super();
  }
  override has(hash: string): boolean {
    return this.slots.has(hash);
  }
  override get(hash: string): ResultMeta | undefined {
    const slot = this.slots.get(hash);
    return slot === undefined ? undefined : this.metaOf(slot);
  }
  override keys(): MapIterator<string> {
    return this.slots.keys();
  }
  override *entries(): MapIterator<[string, ResultMeta]> {
    for (const [hash, slot] of this.slots) yield [hash, this.metaOf(slot)];
  }
  override *values(): MapIterator<ResultMeta> {
    for (const slot of this.slots.values()) yield this.metaOf(slot);
  }
  override [Symbol.iterator](): MapIterator<[string, ResultMeta]> {
    return this.entries();
  }
  override forEach(callback: (meta: ResultMeta, hash: string, map: Map<string, ResultMeta>) => void, thisArg?: unknown): void {
    for (const [hash, slot] of this.slots) callback.call(thisArg, this.metaOf(slot), hash, this);
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
  get(this: { slots: ReadonlyMap<string, number> }) {
    return this.slots.size;
  },
});
