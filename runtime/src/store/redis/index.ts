/**
 * The Redis store: workers on many machines share one Redis (docs/store-layout.md, "Redis store").
 * Keys are defined in layout.ts, server-side scripts in scripts.ts. Results and their metadata are
 * written in one MULTI/EXEC, so a reader never sees one without the other; locks are keys with a
 * TTL of the stale window, refreshed by the holder's lock keeper thread (lock-keeper.ts) and
 * released only by the holder (Lua compare-and-delete).
 */
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import { crc32 } from "../file/records";
import { isDeadLocalOwner, lockStaleMs } from "../lock-owner";
import {
  CorruptResultError,
  MissingResultError,
  StoreLayoutError,
  type Disposable,
  type FailureRecord,
  type HeldLock,
  type LockOwner,
  type ResultMeta,
  type Store,
  type StoreSnapshot,
} from "../types";
import {
  decodeMeta,
  encodeMeta,
  MARKER_TEXT,
  markerProblem,
  parseRedisUrl,
  publicMeta,
  RedisStoreError,
  redisKeys,
  type LockValue,
  type RedisKeys,
  type RedisLocation,
} from "./layout";
import { connect, quit, RECONNECT_WINDOW_S } from "./connection";
import { checkKeepable, LockKeeper, type KeeperNotice } from "./lock-keeper";
import { MetaView } from "./meta-view";

export { REDIS_LAYOUT_VERSION, RedisStoreError, parseRedisUrl } from "./layout";

/** Fields per HSCAN round trip when listing results. */
const SCAN_BATCH = 10_000;
/** Keys per MULTI when removing many results. */
const REMOVE_BATCH = 1000;
/** Poll of the change counter while watched: the fallback when a pub/sub message is lost. */
const WATCH_POLL_MS = 250;

interface Held {
  key: string;
  value: string;
  /** Whether the result existed when the lock was taken: answers the next has() (nobody else writes it while we hold the lock). */
  hadResult?: boolean;
  /** Released, by release(), by writing the result, or found lost. */
  released: boolean;
  /** Where the lock keeper finds it. */
  slot: number;
}

/** Lock tokens: unique per acquisition (random per process, then a counter; no random bytes per lock). */
const TOKEN_BASE = randomBytes(9).toString("base64");
let tokens = 0;

export class RedisStore implements Store {
  readonly location: string;
  private readonly keys: RedisKeys;
  private readonly held = new Map<string, Held>();
  private readonly keeper: LockKeeper;
  private readonly listeners = new Set<() => void>();
  private subscriber: Redis | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private seenChanges: string | null = null;
  private closed = false;

  private constructor(
    where: RedisLocation,
    private readonly client: Redis,
    private readonly lastError: () => Error | undefined,
    private readonly staleMs: number,
    private readonly onProblem: (message: string) => void,
  ) {
    this.location = where.display;
    this.keys = redisKeys(where.prefix);
    this.keeper = new LockKeeper({ where, staleMs }, (notice) => this.onKeeperNotice(notice));
  }

  /** Connects and checks the layout marker; creates nothing (the first write, lock or failure does). */
  static async open(url: string, options: { onProblem?: (message: string) => void; lockStaleMs?: number } = {}): Promise<RedisStore> {
    const where = parseRedisUrl(url);
    const staleMs = lockStaleMs(options.lockStaleMs);
    const { client, lastError } = await connect(where, "jug");
    const store = new RedisStore(where, client, lastError, staleMs, options.onProblem ?? (() => {}));
    let marker: string | null;
    try {
      marker = await client.get(store.keys.marker);
    } catch (e) {
      client.disconnect();
      throw store.failure(e, "read the layout marker");
    }
    const problem = markerProblem(marker);
    if (problem) {
      client.disconnect();
      throw new StoreLayoutError(where.display, problem);
    }
    return store;
  }

  // --- results ---------------------------------------------------------------------------------

  async has(hash: string): Promise<boolean> {
    const held = this.held.get(hash);
    if (held?.hadResult !== undefined) {
      const answer = held.hadResult;
      held.hadResult = undefined; // once: the double check right after lock()
      return answer;
    }
    return (await this.run("check a result", () => this.client.hexists(this.keys.meta, hash))) === 1;
  }

  async read(hash: string): Promise<Uint8Array> {
    const [metaText, data] = (await this.run("read a result", () =>
      this.client.multi().hget(this.keys.meta, hash).getBuffer(this.keys.result(hash)).exec().then(checkExec),
    )) as [string | null, Buffer | null];
    if (!metaText) throw new MissingResultError(hash, this.location);
    const where = `${this.location} key ${this.keys.result(hash)}`;
    if (!data) throw new CorruptResultError(hash, where, "the result's metadata is there but its value is missing");
    const stored = decodeMeta(metaText);
    if (data.byteLength !== stored.size) throw new CorruptResultError(hash, where, `${data.byteLength} bytes, expected ${stored.size}`);
    if (crc32(data) !== stored.crc32) throw new CorruptResultError(hash, where, "checksum mismatch");
    return data;
  }

  /** Also releases this store's lock on `hash`, in the same transaction: once the result is there, nobody needs it (HeldLock.release() is then a no-op). */
  async write(hash: string, data: Uint8Array, meta: ResultMeta): Promise<void> {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const k = this.keys;
    const held = this.held.get(hash);
    if (held) held.hadResult = undefined;
    const transaction = this.client
      .multi()
      .set(k.marker, MARKER_TEXT, "NX")
      .set(k.result(hash), bytes)
      .hset(k.meta, hash, encodeMeta(meta, bytes.byteLength, crc32(bytes)))
      .hdel(k.failures, hash)
      .incr(k.changes)
      .publish(k.events, "result");
    if (held) transaction.jugRelease(held.key, k.lockIndex, k.changes, held.value, hash, k.events);
    await this.run("store a result", () => transaction.exec().then(checkExec));
    if (held) this.forget(hash, held);
  }

  async meta(hash: string): Promise<ResultMeta | undefined> {
    const text = await this.run("read result metadata", () => this.client.hget(this.keys.meta, hash));
    return text === null ? undefined : publicMeta(decodeMeta(text));
  }

  async remove(hashes: readonly string[]): Promise<number> {
    let removed = 0;
    for (const h of hashes) {
      const held = this.held.get(h);
      if (held) held.hadResult = undefined;
    }
    for (let i = 0; i < hashes.length; i += REMOVE_BATCH) {
      const batch = hashes.slice(i, i + REMOVE_BATCH);
      const replies = await this.run("remove results", () =>
        this.client
          .multi()
          .hdel(this.keys.meta, ...batch)
          .del(...batch.map((h) => this.keys.result(h)))
          .hdel(this.keys.failures, ...batch)
          .incr(this.keys.changes)
          .publish(this.keys.events, "removed")
          .exec()
          .then(checkExec),
      );
      removed += replies[0] as number;
    }
    return removed;
  }

  // --- locks -----------------------------------------------------------------------------------

  async lock(hash: string, owner: LockOwner): Promise<HeldLock | null> {
    const k = this.keys;
    const mine: LockValue = { worker: owner.worker, host: owner.host, pid: owner.pid, since: owner.since, token: `${TOKEN_BASE}${tokens++}` };
    const value = JSON.stringify(mine);
    const key = k.lock(hash);
    checkKeepable(key, value);
    const [taken, detail] = await this.run("take a lock", () => this.client.jugAcquire(key, k.lockIndex, k.marker, k.meta, value, this.staleMs, hash, MARKER_TEXT));
    let hadResult: boolean | undefined;
    if (taken === 1) hadResult = detail === 1;
    else {
      const holder = detail;
      const current = parseLockValue(holder);
      // A command resent after a reconnect may find the lock its first sending took.
      const ours = current?.token === mine.token;
      if (!ours) {
        if (!current || !isDeadLocalOwner(current)) return null;
        const reclaimed = await this.run("take over a lock", () => this.client.jugReclaim(key, holder, value, this.staleMs));
        if (reclaimed !== 1) return null;
      }
    }
    const held: Held = { key, value, hadResult, released: false, slot: this.keeper.hold(key, value) };
    this.held.set(hash, held);
    return { hash, release: () => this.release(hash, held) };
  }

  /** Never rejects: a lock that cannot be released expires after the stale window. */
  private async release(hash: string, held: Held): Promise<void> {
    if (held.released) return;
    this.forget(hash, held);
    const k = this.keys;
    try {
      await this.client.jugRelease(held.key, k.lockIndex, k.changes, held.value, hash, k.events);
    } catch (e) {
      // A lost connection is reported by the worker's next command; a refusal is worth a warning.
      if (this.client.status !== "end") this.onProblem(`could not release the lock of task ${hash} (${this.failure(e, "release a lock").message}); it expires within ${this.staleMs / 1000} s`);
    }
  }

  private forget(hash: string, held: Held): void {
    if (held.released) return;
    held.released = true;
    if (this.held.get(hash) === held) this.held.delete(hash);
    this.keeper.drop(held.slot);
  }

  private onKeeperNotice(notice: KeeperNotice): void {
    if (notice.op === "problem") {
      // When this connection is down too, its own error says so, with what failed.
      if (this.client.status === "ready") this.onProblem(`${this.location}: ${notice.message}`);
      return;
    }
    const hash = notice.key.slice(this.keys.lockPrefix.length);
    const held = this.held.get(hash);
    if (!held || held.value !== notice.value) return; // released meanwhile
    this.forget(hash, held);
    this.onProblem(`the lock of task ${hash} in ${this.location} was lost (removed by \`jug cleanup\`, or not refreshed within ${this.staleMs} ms); another worker may run the task too`);
  }

  // --- failures --------------------------------------------------------------------------------

  async markFailed(hash: string, failure: FailureRecord): Promise<void> {
    const k = this.keys;
    await this.run("record a failure", () =>
      this.client.multi().set(k.marker, MARKER_TEXT, "NX").hset(k.failures, hash, JSON.stringify(failure)).incr(k.changes).publish(k.events, "failed").exec().then(checkExec),
    );
  }

  async clearFailed(hash: string): Promise<void> {
    const k = this.keys;
    await this.run("clear a failure", () => this.client.multi().hdel(k.failures, hash).incr(k.changes).publish(k.events, "cleared").exec().then(checkExec));
  }

  // --- listing ---------------------------------------------------------------------------------

  async snapshot(): Promise<StoreSnapshot> {
    const k = this.keys;
    // Locks first: a task that finishes meanwhile then shows as running and complete, never as neither.
    const [lockList, failureList] = await this.run("list locks and failures", () =>
      this.client
        .multi()
        .jugListLocks(k.lockIndex, k.lockPrefix)
        .hgetall(k.failures)
        .exec()
        .then(checkExec),
    );
    const locks = new Map<string, LockOwner>();
    const flat = lockList as string[];
    for (let i = 0; i < flat.length; i += 2) {
      const v = parseLockValue(flat[i + 1]!);
      if (v && !isDeadLocalOwner(v)) locks.set(flat[i]!, { worker: v.worker, host: v.host, pid: v.pid, since: v.since });
    }
    const failures = new Map<string, FailureRecord>(Object.entries(failureList as Record<string, string>).map(([h, text]) => [h, JSON.parse(text) as FailureRecord]));
    const texts = new Map<string, string>();
    await this.scanMeta((hash, text) => texts.set(hash, text));
    return { results: new MetaView(texts), locks, failures, problems: [] };
  }

  /** Every result's metadata, SCAN_BATCH at a time (Redis serves other workers between batches). */
  private async scanMeta(each: (hash: string, metaText: string) => void): Promise<void> {
    let cursor = "0";
    do {
      const [next, flat] = await this.run("list results", () => this.client.hscan(this.keys.meta, cursor, "COUNT", SCAN_BATCH));
      for (let i = 0; i < flat.length; i += 2) each(flat[i]!, flat[i + 1]!);
      cursor = next;
    } while (cursor !== "0");
  }

  // --- watching --------------------------------------------------------------------------------

  watch(onChange: () => void): Disposable {
    const listener = (): void => onChange();
    this.listeners.add(listener);
    this.startWatching();
    return {
      dispose: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0 && this.pollTimer) {
          clearInterval(this.pollTimer);
          this.pollTimer = null;
        }
      },
    };
  }

  /** Pub/sub on a second connection (kept until close()), plus a poll of the change counter. */
  private startWatching(): void {
    if (this.closed) return;
    if (!this.subscriber || this.subscriber.status === "end") {
      const subscriber = this.client.duplicate({ lazyConnect: false });
      this.subscriber = subscriber;
      subscriber.on("error", () => {}); // reported by the main connection's commands
      subscriber.on("message", () => this.notify());
      // Changes made while (re)subscribing were not heard: wake the watchers once to look.
      subscriber.subscribe(this.keys.events).then(
        () => this.notify(),
        (e: unknown) => this.onProblem(`cannot subscribe to ${this.keys.events} in ${this.location} (${errorText(e)}); watching by polling every ${WATCH_POLL_MS} ms`),
      );
    }
    this.pollTimer ??= setInterval(() => void this.pollChanges(), WATCH_POLL_MS).unref();
  }

  private async pollChanges(): Promise<void> {
    let changes: string | null;
    try {
      changes = await this.client.get(this.keys.changes);
    } catch {
      return; // the next command of the worker reports it
    }
    if (this.seenChanges !== null && changes !== this.seenChanges) this.notify();
    this.seenChanges = changes;
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }

  // --- cleanup ---------------------------------------------------------------------------------

  async cleanup(options: { locks: boolean; failed: boolean; results: boolean; keep?: ReadonlySet<string> }): Promise<{ locks: number; failed: number; results: number }> {
    const k = this.keys;
    const drop = (hashes: string[]) => hashes.filter((h) => !options.keep?.has(h));
    const counts = { locks: 0, failed: 0, results: 0 };
    if (options.locks) {
      const hashes = drop(await this.run("list locks", () => this.client.smembers(k.lockIndex)));
      if (hashes.length > 0) {
        const replies = await this.run("remove locks", () =>
          this.client
            .multi()
            .del(...hashes.map((h) => k.lock(h)))
            .srem(k.lockIndex, ...hashes)
            .exec()
            .then(checkExec),
        );
        counts.locks = replies[0] as number;
      }
    }
    if (options.failed) {
      const hashes = drop(await this.run("list failures", () => this.client.hkeys(k.failures)));
      if (hashes.length > 0) counts.failed = await this.run("remove failures", () => this.client.hdel(k.failures, ...hashes));
    }
    if (options.results) {
      const unused: string[] = [];
      await this.scanMeta((hash) => {
        if (!options.keep?.has(hash)) unused.push(hash);
      });
      counts.results = await this.remove([...new Set(unused)]);
    }
    await this.run("announce a cleanup", () => this.client.multi().incr(k.changes).publish(k.events, "cleanup").exec().then(checkExec));
    return counts;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.listeners.clear();
    await Promise.all([quit(this.client), this.subscriber && quit(this.subscriber), this.keeper.close()]);
  }

  // --- errors ----------------------------------------------------------------------------------

  /** Runs one command (or transaction), turning client errors into a RedisStoreError that says what failed. */
  private async run<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      // After an outage the connection has given up (a worker has stopped by then); a reader that
      // outlives it, like the editor's status view, connects again with its next command.
      if (this.client.status === "end" && !this.closed) await this.client.connect();
      return await command();
    } catch (e) {
      throw this.failure(e, what);
    }
  }

  private failure(e: unknown, what: string): Error {
    if (e instanceof RedisStoreError) return e;
    if (e instanceof Error && e.name === "ReplyError") return new RedisStoreError(this.location, `refused to ${what}: ${e.message}`);
    const cause = this.lastError()?.message ?? errorText(e);
    return new RedisStoreError(
      this.location,
      `cannot ${what}: connection lost (${cause}) and not back within ${RECONNECT_WINDOW_S} s; ` +
        `the task in progress was not stored, and the locks of this process expire within ${this.staleMs / 1000} s`,
    );
  }
}

function parseLockValue(text: string): LockValue | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockValue>;
    return typeof v.pid === "number" && typeof v.host === "string" && typeof v.worker === "string" && typeof v.since === "string" && typeof v.token === "string"
      ? (v as LockValue)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The replies of an EXEC; throws the first command error (EXEC itself resolves with per-command errors). */
function checkExec(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (replies === null) throw new Error("transaction aborted");
  return replies.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
