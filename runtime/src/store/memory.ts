/** An in-memory store for tests: one process, same contract as the file store (test/runtime/store-contract.test.ts). */
import {
  MissingResultError,
  type Disposable,
  type FailureRecord,
  type HeldLock,
  type LockOwner,
  type ResultMeta,
  type Store,
  type StoreSnapshot,
} from "./types";

export class MemoryStore implements Store {
  private readonly results = new Map<string, { data: Uint8Array; meta: ResultMeta }>();
  private readonly locks = new Map<string, LockOwner>();
  private readonly failures = new Map<string, FailureRecord>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly location = "memory:") {}

  async has(hash: string): Promise<boolean> {
    return this.results.has(hash);
  }

  async read(hash: string): Promise<Uint8Array> {
    const r = this.results.get(hash);
    if (!r) throw new MissingResultError(hash, this.location);
    return r.data.slice();
  }

  async write(hash: string, data: Uint8Array, meta: ResultMeta): Promise<void> {
    this.results.set(hash, { data: data.slice(), meta: { ...meta, size: data.byteLength } });
    this.failures.delete(hash);
    this.changed();
  }

  async meta(hash: string): Promise<ResultMeta | undefined> {
    const m = this.results.get(hash)?.meta;
    return m && { ...m };
  }

  async remove(hashes: readonly string[]): Promise<number> {
    let removed = 0;
    for (const h of hashes) {
      if (this.results.delete(h)) removed++;
      this.failures.delete(h);
    }
    if (removed > 0) this.changed();
    return removed;
  }

  async lock(hash: string, owner: LockOwner): Promise<HeldLock | null> {
    if (this.locks.has(hash)) return null;
    this.locks.set(hash, { ...owner });
    let released = false;
    return {
      hash,
      release: async () => {
        if (released) return;
        released = true;
        this.locks.delete(hash);
        this.changed();
      },
    };
  }

  async markFailed(hash: string, failure: FailureRecord): Promise<void> {
    this.failures.set(hash, { ...failure });
    this.changed();
  }

  async clearFailed(hash: string): Promise<void> {
    if (this.failures.delete(hash)) this.changed();
  }

  async snapshot(): Promise<StoreSnapshot> {
    return {
      results: new Map([...this.results].map(([h, r]) => [h, { ...r.meta }])),
      locks: new Map([...this.locks].map(([h, o]) => [h, { ...o }])),
      failures: new Map([...this.failures].map(([h, f]) => [h, { ...f }])),
      problems: [],
    };
  }

  watch(onChange: () => void): Disposable {
    const listener = () => onChange();
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  async cleanup(options: { locks: boolean; failed: boolean; results: boolean; keep?: ReadonlySet<string> }) {
    const drop = <V>(map: Map<string, V>, enabled: boolean) => {
      if (!enabled) return 0;
      const gone = [...map.keys()].filter((h) => !options.keep?.has(h));
      for (const h of gone) map.delete(h);
      return gone.length;
    };
    const counts = {
      locks: drop(this.locks, options.locks),
      failed: drop(this.failures, options.failed),
      results: drop(this.results, options.results),
    };
    this.changed();
    return counts;
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  private changed(): void {
    // Asynchronous, like a file-system notification: callers never re-enter the store from inside a write.
    if (this.listeners.size > 0) setImmediate(() => this.listeners.forEach((l) => l()));
  }
}
