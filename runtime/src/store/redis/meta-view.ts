/**
 * snapshot().results of the Redis store: a read-only Map over each result's metadata as stored
 * (JSON text), decoded when read. `execute` only asks has() of 100,000 results; decoding them all
 * up front cost more than reading them.
 */
import type { ResultMeta } from "../types";
import { decodeMeta, publicMeta } from "./layout";

export class MetaView extends Map<string, ResultMeta> {
  constructor(private readonly texts: ReadonlyMap<string, string>) {
    super();
  }
  override has(hash: string): boolean {
    return this.texts.has(hash);
  }
  override get(hash: string): ResultMeta | undefined {
    const text = this.texts.get(hash);
    return text === undefined ? undefined : publicMeta(decodeMeta(text));
  }
  override keys(): MapIterator<string> {
    return this.texts.keys();
  }
  override *entries(): MapIterator<[string, ResultMeta]> {
    for (const [hash, text] of this.texts) yield [hash, publicMeta(decodeMeta(text))];
  }
  override *values(): MapIterator<ResultMeta> {
    for (const text of this.texts.values()) yield publicMeta(decodeMeta(text));
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
Object.defineProperty(MetaView.prototype, "size", {
  get(this: { texts: ReadonlyMap<string, string> }) {
    return this.texts.size;
  },
});
