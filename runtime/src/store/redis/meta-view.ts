/**
 * snapshot().results of the Redis store: a read-only Map over each result's metadata as stored
 * (JSON text), decoded when read. `execute` only asks has() of 100,000 results; decoding them all
 * up front cost more than reading them.
 */
import type { ResultMeta } from "../types";
import { ResultsView } from "../results-view";
import { decodeMeta, publicMeta } from "./layout";

export class MetaView extends ResultsView {
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
  sizeNow(): number {
    return this.texts.size;
  }
}
