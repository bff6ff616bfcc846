/**
 * One worker's execute loop. Every worker (in-process, a `-j N` child, or one started by hand on
 * any machine) walks the same tasks in creation order and coordinates only through the store:
 * has -> lock -> has again (double-checked), run, write, release. A worker waiting for a task
 * another worker holds wakes on store.watch() or a short backoff, never a fixed long sleep.
 */
import * as os from "node:os";
import { performance } from "node:perf_hooks";
import { formatSite } from "../api/callsite";
import { hooks, runHooks } from "../api/hooks";
import { resolveValue, type Task } from "../api/task";
import { userStack } from "../loader";
import { hasStoredResult } from "./status";
import { decodeResult, encodeResult, previewOf, UnreadableResultError } from "../serialize";
import { CorruptResultError, MissingResultError, type HeldLock, type LockOwner, type Store, type StoreSnapshot } from "../store/types";

/** Backoff between polls while waiting for another worker (store.watch usually wakes us first). */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 50;
/**
 * Tasks of a function whose last run took less than this are locked in batches of up to
 * BATCH_SIZE (ready tasks that follow each other in the list): the store's lookup after the locks
 * (which reads what other workers wrote) is then done once per batch, not once per task.
 */
const FAST_TASK_SECONDS = 0.001;
const BATCH_SIZE = 16;
/** A batch that takes this long after all (a task was slow): its tasks not run yet are let go (other workers may take them). */
const BATCH_GIVE_UP_MS = 10;

export interface TaskEvent {
  outcome: "executed" | "failed";
  hash: string;
  name: string;
  seconds: number;
}

export interface WorkerOptions {
  store: Store;
  /** The tasks to run (and the tasks they need), in creation order, one per hash (see uniqueTasks). */
  tasks: readonly Task<unknown>[];
  /** How many task ids the loaded jugfile has (LoadedJugfile.unique.length): the size of per-task arrays. */
  idCount: number;
  /** Continue with independent tasks after a failure (else stop at the first). */
  keepGoing: boolean;
  /** Mark failures as kept: no worker retries the task until `jug cleanup --failed-only` or `jug invalidate`. */
  keepFailed: boolean;
  onEvent?: (event: TaskEvent) => void;
  /**
   * Where to start walking the tasks, as a fraction of the list (0 = creation order). `-j N`
   * gives worker k the start k/N, so that workers do not all contend for the same next task.
   */
  startAt?: number;
  /** Where messages for the user go (stderr). */
  log: (message: string) => void;
  /** A snapshot the caller has just taken (saves reading the store twice); else the worker takes one. */
  snapshot?: StoreSnapshot;
}

export interface WorkerResult {
  executed: number;
  failed: number;
  /** Tasks not run because a task they need failed (here, or kept-failed before). */
  blocked: number;
  /** Tasks not run because they failed before with --keep-failed. */
  kept: number;
  /** Stopped early: by a failure without keepGoing, or by stop(). */
  stopped: boolean;
}

type Attempt = "complete" | "busy" | "failed" | "retry";

/** os.hostname() is a system call: read it once. */
const HOST = os.hostname();
/** Built once: it is needed three times per task. */
const WORKER_ID = `${HOST}:${process.pid}`;

let isoMs = -1;
let isoText = "";

/** The current time as an ISO string, made once per millisecond (tasks can take microseconds). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

/** "host:pid" of this process, as locks, results and failures record it. */
export function workerId(): string {
  return WORKER_ID;
}

/** Per-task flags of a run, by task id. */
const COMPLETE = 1; // its result is stored (found at the start, or during the run)
const FINISHED = 2; // this worker is done with it (complete or blocked): its dependencies have one consumer less
const BLOCKED = 4; // failed, or a task it needs failed
const HELD = 8; // its result is in `results` (undefined is a result too)

export class Worker {
  private phase: "idle" | "running" | "writing" = "idle";
  /** Locks this worker holds (one task, or a batch). */
  private readonly held = new Set<HeldLock>();
  /** Task functions whose last run here was fast (FAST_TASK_SECONDS): their tasks are locked in batches. */
  private readonly fast = new Set<object>();
  /** The result being written (phase "writing"): stop() waits for it. */
  private writing: Promise<void> = Promise.resolve();
  private stopRequested = false;
  private wake: (() => void) | null = null;

  // State of one run (set up by run()), in arrays by task id: at 100,000 tasks, sets and maps of
  // hash strings cost more than the tasks.
  private flags: Uint8Array = new Uint8Array(0);
  /** Tasks of this worker's list that still need a result, per dependency id. */
  private consumers: Int32Array = new Int32Array(0);
  /**
   * Results this worker holds (flag HELD) because a task it has not finished yet needs them, by id:
   * an array, not a Map (a task reading 100,000 results grew two Maps to 7 MB each).
   */
  private results: unknown[] = [];
  private rebuild = false;
  private executed = 0;

  constructor(private readonly options: WorkerOptions) {}

  async run(): Promise<WorkerResult> {
    const { store, keepGoing } = this.options;
    const snapshot = this.options.snapshot ?? (await store.snapshot());
    this.flags = new Uint8Array(this.options.idCount);
    this.consumers = new Int32Array(this.flags.length);
    this.results = new Array<unknown>(this.flags.length);
    for (const t of this.options.tasks) if (hasStoredResult(snapshot, t)) this.flags[t.id] = COMPLETE;
    let tasks = this.pendingTasks();
    for (const t of tasks) for (const d of t.deps) this.consumers[d.id]!++;
    const kept = new Set([...snapshot.failures].filter(([, f]) => f.kept).map(([h]) => h));
    const result: WorkerResult = { executed: 0, failed: 0, blocked: 0, kept: 0, stopped: false };
    let pollMs = POLL_MIN_MS;
    for (;;) {
      let progressed = false;
      let remaining = 0;
      if (this.rebuild) {
        this.rebuild = false;
        tasks = this.pendingTasks();
      }
      for (let i = 0; i < tasks.length; i++) {
        const t = tasks[i]!;
        if (this.stopRequested) return { ...result, stopped: true };
        const flags = this.flags[t.id]!;
        if (flags & FINISHED) continue;
        if (flags & COMPLETE) {
          this.finish(t);
          progressed = true;
          continue;
        }
        const isKept = kept.size > 0 && kept.has(t.hash);
        if (isKept || t.deps.some((d) => this.flags[d.id]! & BLOCKED)) {
          this.flags[t.id]! |= BLOCKED;
          if (isKept) result.kept++;
          else result.blocked++;
          this.finish(t);
          progressed = true;
          continue;
        }
        if (!t.deps.every((d) => this.flags[d.id]! & COMPLETE)) {
          remaining++;
          continue;
        }
        const batch = this.batchFrom(tasks, i, kept);
        const attempts = await this.attemptBatch(batch);
        i += batch.length - 1;
        for (let k = 0; k < batch.length; k++) {
          const u = batch[k]!;
          const attempt = attempts[k]!;
          if (attempt === "busy") {
            remaining++;
            continue;
          }
          progressed = true;
          if (attempt === "retry") remaining++;
          else if (attempt === "complete") {
            this.flags[u.id]! |= COMPLETE;
            this.finish(u);
          } else {
            this.flags[u.id]! |= BLOCKED;
            this.finish(u);
            result.failed++;
            if (!keepGoing) return { ...result, executed: this.executed, stopped: true };
          }
        }
      }
      if (remaining === 0) break;
      tasks = tasks.filter((t) => !(this.flags[t.id]! & FINISHED));
      if (progressed) pollMs = POLL_MIN_MS;
      else {
        await this.waitForChange(pollMs);
        pollMs = Math.min(pollMs * 2, POLL_MAX_MS);
      }
    }
    return { ...result, executed: this.executed };
  }

  /**
   * The tasks without a result, in creation order, starting at `startAt` of the list and
   * wrapping around (dependencies are checked before running, so any start is safe).
   */
  private pendingTasks(): Task<unknown>[] {
    const pending = this.options.tasks.filter((t) => !(this.flags[t.id]! & (COMPLETE | FINISHED)));
    const start = Math.floor((this.options.startAt ?? 0) * pending.length);
    return start === 0 ? pending : [...pending.slice(start), ...pending.slice(0, start)];
  }

  /** True when `t`'s result is stored (as far as this worker knows: from its start, or seen during the run). */
  isComplete(t: Task<unknown>): boolean {
    return (this.flags[t.id]! & COMPLETE) !== 0;
  }

  /**
   * For SIGINT/SIGTERM: resolves once no result is half-written and the held locks are released.
   * A task still running is abandoned (its lock released); every finished result is stored.
   */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.wake?.();
    if (this.phase === "writing") await this.writing.catch(() => undefined);
    const held = [...this.held];
    this.held.clear();
    await Promise.all(held.map((lock) => lock.release()));
  }

  /**
   * `tasks[i]` (ready to run), and when its function runs fast, the ready tasks of fast functions
   * that follow it, up to BATCH_SIZE.
   */
  private batchFrom(tasks: readonly Task<unknown>[], i: number, kept: ReadonlySet<string>): Task<unknown>[] {
    const batch = [tasks[i]!];
    if (!this.fast.has(batch[0]!.definition)) return batch;
    for (let j = i + 1; j < tasks.length && batch.length < BATCH_SIZE; j++) {
      const u = tasks[j]!;
      if (!this.fast.has(u.definition) || this.flags[u.id]! & (COMPLETE | FINISHED | BLOCKED) || (kept.size > 0 && kept.has(u.hash))) break;
      if (!u.deps.every((d) => this.flags[d.id]! & COMPLETE)) break;
      batch.push(u);
    }
    return batch;
  }

  /**
   * Runs a batch of tasks (often one) each at most once across all workers, double-checked: has
   * for each, then lock each, then (has, run, write) for each, then release all. The store's
   * lookups after the locks are exact and read what other workers wrote once for all of them. A slow batch, a failure (without keepGoing) or a stop request lets
   * go of the batch's tasks not run yet: they come back as "busy".
   */
  private async attemptBatch(batch: readonly Task<unknown>[]): Promise<Attempt[]> {
    const { store, keepGoing } = this.options;
    const attempts: Attempt[] = batch.map(() => "busy");
    const owner: LockOwner = { worker: WORKER_ID, host: HOST, pid: process.pid, since: isoNow() };
    // A task's hash string is made when asked (api/task.ts): once per task here.
    const hashes = batch.map((u) => u.hash);
    const toLock: number[] = [];
    for (let k = 0; k < batch.length; k++) {
      if (!(await store.has(hashes[k]!))) toLock.push(k);
      else {
        attempts[k] = "complete";
        if (hooks["execute.task-loadable"]) runHooks("execute.task-loadable", this.options.log, batch[k]!);
      }
    }
    const locks: Array<[number, HeldLock]> = [];
    for (const k of toLock) {
      if (this.stopRequested) break;
      const lock = await store.lock(hashes[k]!, owner);
      if (!lock) continue;
      this.held.add(lock);
      locks.push([k, lock]);
    }
    // The locks are released together at the end (the file store then appends the batch's results in
    // one write); a batch that has taken BATCH_GIVE_UP_MS ends there (other workers then see its
    // results, and may take the tasks it gave up).
    const batchStarted = performance.now();
    let givenUp = false;
    try {
      for (let n = 0; n < locks.length && !givenUp && !this.stopRequested; n++) {
        const k = locks[n]![0];
        if (await store.has(hashes[k]!)) attempts[k] = "complete";
        else attempts[k] = await this.execute(batch[k]!, hashes[k]!);
        givenUp = (attempts[k] === "failed" && !keepGoing) || performance.now() - batchStarted > BATCH_GIVE_UP_MS;
      }
    } finally {
      for (const [, lock] of locks) {
        this.held.delete(lock);
        await lock.release();
      }
    }
    return attempts;
  }

  private async execute(t: Task<unknown>, hash: string): Promise<Attempt> {
    const { store } = this.options;
    // Most tasks of a large pipeline take plain values: no await, no lookup.
    const args = t.deps.length === 0 && !t.unwrapArgs ? (t.args as unknown[]) : await this.argumentsOf(t);
    if (args === null) return "retry";
    if (this.stopRequested) return "busy";
    if (hooks["execute.task-pre-execute"]) runHooks("execute.task-pre-execute", this.options.log, t);
    this.phase = "running";
    const started = performance.now();
    let bytes: Uint8Array;
    let value: unknown;
    try {
      const fn = t.definition.fn; // called unbound, so stacks show the user's function name
      value = fn(...args);
      if (isThenable(value)) value = await value;
      bytes = encodeResult(value, t.name);
    } catch (e) {
      this.phase = "idle";
      await this.recordFailure(t, e, (performance.now() - started) / 1000);
      return "failed";
    }
    const seconds = (performance.now() - started) / 1000;
    if (seconds < FAST_TASK_SECONDS) this.fast.add(t.definition);
    else this.fast.delete(t.definition);
    this.phase = "writing";
    this.writing = store.write(hash, bytes, {
      name: t.name,
      duration: seconds,
      size: bytes.byteLength,
      worker: WORKER_ID,
      time: isoNow(),
      preview: previewOf(value),
      codeHash: t.definition.codeHash,
    });
    try {
      await this.writing; // also clears a failure marker from an earlier attempt
    } finally {
      this.phase = "idle";
    }
    if (this.consumers[t.id]! > 0) this.hold(t.id, value);
    this.executed++;
    this.options.onEvent?.({ outcome: "executed", hash, name: t.name, seconds });
    if (hooks["execute.task-executed"]) runHooks("execute.task-executed", this.options.log, t, value);
    return "complete";
  }

  /** The task's arguments with dependencies replaced by their results; null when a stored result was corrupt (removed, to be recomputed). */
  private async argumentsOf(t: Task<unknown>): Promise<unknown[] | null> {
    const { store, log } = this.options;
    const deps = t.deps;
    if (deps.length === 0 && !t.unwrapArgs) return t.args as unknown[];
    // Results read here only for this task are let go once its arguments are built.
    const readForThis: number[] = [];
    try {
      for (const d of deps) {
        if (this.flags[d.id]! & HELD) continue;
        let v: unknown;
        try {
          v = decodeResult(await store.read(d.hash));
        } catch (e) {
          if (e instanceof MissingResultError) {
            // Removed meanwhile (e.g. `jug invalidate`): compute it again.
          } else if (e instanceof CorruptResultError || e instanceof UnreadableResultError) {
            log(`jug: the stored result of task ${describeTask(d)} is corrupt: ${e.message}. Removing it; it is computed again.`);
            await store.remove([d.hash]);
          } else throw e;
          this.flags[d.id]! &= ~(COMPLETE | FINISHED);
          this.rebuild = true;
          return null;
        }
        this.hold(d.id, v);
        if (this.consumers[d.id]! <= 1) readForThis.push(d.id);
      }
      return resolveValue(t.args, (task) => this.results[task.id]) as unknown[];
    } finally {
      for (const id of readForThis) this.letGo(id);
    }
  }

  private hold(id: number, value: unknown): void {
    this.results[id] = value;
    this.flags[id]! |= HELD;
  }

  private letGo(id: number): void {
    this.results[id] = undefined;
    this.flags[id]! &= ~HELD;
  }

  private async recordFailure(t: Task<unknown>, error: unknown, seconds: number): Promise<void> {
    const { store, keepFailed, log } = this.options;
    const err = error instanceof Error ? error : new Error(`non-Error value thrown: ${String(error)}`);
    const stack = userStack(err);
    await store.markFailed(t.hash, {
      name: t.name,
      message: err.message,
      stack,
      worker: WORKER_ID,
      time: isoNow(),
      kept: keepFailed,
    });
    log(`jug: task ${describeTask(t)} failed after ${seconds.toFixed(3)} s:\n${indent(stack)}`);
    this.options.onEvent?.({ outcome: "failed", hash: t.hash, name: t.name, seconds });
    if (hooks["execute.task-failed"]) runHooks("execute.task-failed", log, t, error);
  }

  /** Finished (complete or blocked): its dependencies have one consumer less here. */
  private finish(t: Task<unknown>): void {
    this.flags[t.id]! |= FINISHED;
    for (const d of t.deps) if (--this.consumers[d.id]! <= 0 && this.flags[d.id]! & HELD) this.letGo(d.id);
  }

  /**
   * Sleeps until the store reports a change or `ms` pass. The store is watched only while
   * waiting: a watch refreshes the store's index and lists its locks on every change (our own
   * lock entries included), which cost more than the tasks while this worker had work.
   */
  private async waitForChange(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const watcher = this.options.store.watch(done);
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done(): void {
        clearTimeout(timer);
        watcher.dispose(); // idempotent: a late change after the timeout is harmless
        resolve();
      }
    });
    this.wake = null;
  }
}

/** "jugfile.double (created at jugfile.ts:12:5, hash 1a2b3c4d5e6f)"; the generator's line when the call site was not captured. */
function describeTask(t: Task<unknown>): string {
  const where = t.site ? `created at ${formatSite(t.site)}` : `defined at ${formatSite(t.definition.site)}`;
  return `${t.name} (${where}, hash ${t.hash.slice(0, 12)})`;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof (x as { then?: unknown }).then === "function";
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
