/**
 * The `results` of a store snapshot as a read-only Map whose entries the store makes when asked
 * (a subclass answers has, get, keys, entries and sizeNow): a snapshot of 100,000 results costs
 * no object per result until one is read.
 */
import type { ResultMeta } from "./types";

export abstract class ResultsView extends Map<string, ResultMeta> {
  abstract override has(hash: string): boolean;
  abstract override get(hash: string): ResultMeta | undefined;
  abstract override keys(): MapIterator<string>;
  abstract override entries(): MapIterator<[string, ResultMeta]>;
  /** The number of results (what `size` answers). */
  abstract sizeNow(): number;

  /**
   * has(hash) for the task whose SHA-256 digest is `digests[at, at + 32)` (the hash is its lowercase
   * hex): the engine keeps digests as bytes, and a store indexed by bytes answers without a string.
   */
  hasDigest(digests: Uint8Array, at: number): boolean {
    return this.has(Buffer.from(digests.buffer, digests.byteOffset + at, 32).toString("hex"));
  }

  override *values(): MapIterator<ResultMeta> {
    for (const [, meta] of this.entries()) yield meta;
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
  get(this: ResultsView) {
    return this.sizeNow();
  },
});
