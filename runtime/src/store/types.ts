/**
 * The store interface: small enough that file, in-memory and Redis stores implement it.
 * The store holds encoded results (bytes) with metadata, locks and failure markers.
 * Encoding values to bytes is the engine's job (serialize/), not the store's.
 * Every store passes the contract suite in test/runtime/store-contract.test.ts.
 */

/** Small metadata kept beside each result so hover/status never load a large value. */
export interface ResultMeta {
  /** Full task name, e.g. "jugfile.double". */
  name: string;
  /** Seconds the task took to run. */
  duration: number;
  /** Bytes of the encoded result. */
  size: number;
  /** "host:pid" of the worker that computed it. */
  worker: string;
  /** ISO time it was stored. */
  time: string;
  /** Short, plain-text preview of the value (at most ~200 characters). */
  preview: string;
  /** Hash of the task function's source, to tell when a result is stale. */
  codeHash: string;
}

export interface FailureRecord {
  name: string;
  message: string;
  /** Stack with frames mapped to the jugfile's TypeScript lines. */
  stack: string;
  worker: string;
  time: string;
  /** Written by `execute --keep-failed`: workers skip the task (no retry) until the marker is cleared. */
  kept?: boolean;
}

export interface LockOwner {
  worker: string; // "host:pid"
  host: string;
  pid: number;
  /** ISO time the lock was taken. */
  since: string;
}

/** A held lock. release() is idempotent. */
export interface HeldLock {
  readonly hash: string;
  release(): Promise<void>;
}

/** Everything status needs, read in one pass. */
export interface StoreSnapshot {
  results: Map<string, ResultMeta>;
  locks: Map<string, LockOwner>;
  failures: Map<string, FailureRecord>;
  /** Damaged records or results found so far (each names the task hash when legible, and the file). */
  problems?: string[];
}

export interface Disposable {
  dispose(): void;
}

export interface Store {
  /** Where the store lives (directory path or URL), for messages. */
  readonly location: string;

  /**
   * True when a valid result for `hash` is stored. Answers from the store's index, which follows other
   * processes' writes within ~50 ms (and at once after a watch() callback); after lock(hash) returns a
   * lock, has(hash) is exact, so "has -> lock -> has" runs each task once.
   */
  has(hash: string): Promise<boolean>;
  /** Encoded bytes of the result; throws CorruptResultError (naming hash and location) when it fails its checksum, MissingResultError when absent. */
  read(hash: string): Promise<Uint8Array>;
  /** Atomically store a result: readers never see a partial one. Also clears failure markers of `hash`. */
  write(hash: string, data: Uint8Array, meta: ResultMeta): Promise<void>;
  /** Metadata without loading the value. */
  meta(hash: string): Promise<ResultMeta | undefined>;
  /** Remove results (and their failure markers); returns how many existed. */
  remove(hashes: readonly string[]): Promise<number>;

  /**
   * Try to take the lock for `hash`; null when another live owner holds it. Reclaims stale locks (not
   * refreshed for the stale window, JUG_LOCK_STALE_MS) and, at once, locks whose owner is a dead process on this host.
   */
  lock(hash: string, owner: LockOwner): Promise<HeldLock | null>;

  markFailed(hash: string, failure: FailureRecord): Promise<void>;
  clearFailed(hash: string): Promise<void>;

  /** Results, locks and failures, read in one pass (for status). */
  snapshot(): Promise<StoreSnapshot>;

  /** Calls `onChange` soon after any process writes a result, fails, or releases a lock. Best effort: callers also poll with backoff. */
  watch(onChange: () => void): Disposable;

  /** Remove locks; `failed` also removes failure markers. `keep` hashes are left alone. Returns counts. */
  cleanup(options: { locks: boolean; failed: boolean; results: boolean; keep?: ReadonlySet<string> }): Promise<{ locks: number; failed: number; results: number }>;

  /** Flush buffered writes and release resources. */
  close(): Promise<void>;
}

export class CorruptResultError extends Error {
  constructor(readonly hash: string, readonly where: string, detail: string) {
    super(`corrupt result for task ${hash} at ${where}: ${detail}`);
    this.name = "CorruptResultError";
  }
}

export class MissingResultError extends Error {
  constructor(readonly hash: string, readonly where: string) {
    super(`no result for task ${hash} in ${where}`);
    this.name = "MissingResultError";
  }
}

/** The store's directory cannot be read, created or written (names the directory). */
export class StoreAccessError extends Error {
  /** `problem` e.g. "is not writable (EACCES: permission denied, mkdir ...)". */
  constructor(readonly where: string, problem: string) {
    super(`store directory ${where} ${problem}`);
    this.name = "StoreAccessError";
  }
}

/** The location holds something this version cannot use: another layout version, or not a jug store. */
export class StoreLayoutError extends Error {
  constructor(readonly where: string, detail: string) {
    super(`cannot use store ${where}: ${detail}`);
    this.name = "StoreLayoutError";
  }
}
