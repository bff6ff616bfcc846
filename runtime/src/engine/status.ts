/**
 * Task states from a store snapshot. Pure: the CLI's `status` and the language server (which
 * imports this as "jug/status") recompute every state from a fresh snapshot with the same rules.
 */
import { TASK_STATES, type StatusDocument, type TaskState, type TaskStatus } from "../protocol/status";
import type { Task } from "../api/task";
import type { StoreSnapshot } from "../store/types";
import { ResultsView } from "../store/results-view";

/**
 * `doc` with each task's state, duration, size, worker, preview, time, error and stale taken from
 * `snapshot`; hash, name, deps, site and codeHash are kept. Tasks must be in creation order
 * (dependencies first), as `jug status --json` lists them.
 *
 * A task is complete when its result is stored; else running when locked; else failed when a
 * failure marker exists; else ready when every dependency is complete; else waiting.
 */
export function deriveStatus(doc: StatusDocument, snapshot: StoreSnapshot): StatusDocument {
  return { ...doc, ...deriveTasks(doc.tasks, snapshot) };
}

/** What a task is, independent of the store (what deriveStatus keeps). */
export type TaskIdentity = Pick<TaskStatus, "hash" | "name" | "deps" | "site" | "codeHash">;

/** The status of each task (in creation order) and the counts per state. */
export function deriveTasks(tasks: readonly TaskIdentity[], snapshot: StoreSnapshot): Pick<StatusDocument, "tasks" | "counts"> {
  const counts = emptyCounts();
  const derived = tasks.map((task) => {
    const status = deriveTask(task, snapshot);
    counts[status.state]++;
    return status;
  });
  return { counts, tasks: derived };
}

/** The state rule (see deriveStatus); `depsComplete` is asked only when it matters. `stored`: whether the result is stored, when the caller knows. */
export function stateOf(hash: string, snapshot: StoreSnapshot, depsComplete: () => boolean, stored = snapshot.results.has(hash)): TaskState {
  if (stored) return "complete";
  if (snapshot.locks.has(hash)) return "running";
  if (snapshot.failures.has(hash)) return "failed";
  return depsComplete() ? "ready" : "waiting";
}

/** One task's status (see deriveStatus). */
export function deriveTask(task: TaskIdentity, snapshot: StoreSnapshot): TaskStatus {
  const state = stateOf(task.hash, snapshot, () => task.deps.every((d) => snapshot.results.has(d)));
  const result = state === "complete" ? snapshot.results.get(task.hash) : undefined;
  const lock = state === "running" ? snapshot.locks.get(task.hash) : undefined;
  const failure = state === "failed" ? snapshot.failures.get(task.hash) : undefined;
  return {
    hash: task.hash,
    name: task.name,
    state,
    deps: task.deps,
    site: task.site,
    duration: result ? result.duration : null,
    size: result ? result.size : null,
    stale: result !== undefined && task.codeHash !== undefined && result.codeHash !== task.codeHash,
    codeHash: task.codeHash,
    worker: result?.worker ?? lock?.worker ?? failure?.worker ?? null,
    preview: result ? result.preview : null,
    time: result?.time ?? lock?.since ?? failure?.time ?? null,
    error: failure ? failure.message : null,
  };
}

export function emptyCounts(): Record<TaskState, number> {
  return { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
}

/**
 * Counts per task name (names sorted) and in total, for `tasks` in creation order, straight from
 * the store's snapshot: what the `jug status` table needs, with no document per task.
 */
export function stateCounts(
  tasks: readonly Task<unknown>[],
  /** How many task ids the tasks' jugfile has (LoadedJugfile.unique.length). */
  idCount: number,
  snapshot: StoreSnapshot,
): { rows: Array<{ name: string; counts: Record<TaskState, number> }>; total: Record<TaskState, number> } {
  const complete = new Uint8Array(idCount);
  const byName = new Map<string, Record<TaskState, number>>();
  const total = emptyCounts();
  // One closure for all tasks (not one per task): it reads `current`.
  let current: Task<unknown> | undefined;
  const depsComplete = (): boolean => current!.deps.every((d) => complete[d.id] === 1 || hasStoredResult(snapshot, d));
  // Tasks of one name tend to come in runs: look the name up once per run.
  let counts: Record<TaskState, number> | undefined;
  let countsOf: Task<unknown>["definition"] | undefined;
  for (const t of tasks) {
    current = t;
    const stored = hasStoredResult(snapshot, t);
    // A stored result needs no hash string (the store answered by the digest's bytes).
    const state = stored ? "complete" : stateOf(t.hash, snapshot, depsComplete, false);
    if (stored) complete[t.id] = 1;
    if (t.definition !== countsOf) {
      countsOf = t.definition;
      counts = byName.get(t.name);
      if (!counts) byName.set(t.name, (counts = emptyCounts()));
    }
    counts![state]++;
    total[state]++;
  }
  return { rows: [...byName.keys()].sort().map((name) => ({ name, counts: byName.get(name)! })), total };
}

/** snapshot.results.has(task.hash), by the digest's bytes when the store can (no hash string made). */
export function hasStoredResult(snapshot: StoreSnapshot, task: Task<unknown>): boolean {
  const results = snapshot.results;
  if (results instanceof ResultsView) {
    const digests = task.registry.digests;
    return results.hasDigest(digests.pageOf(task.id), digests.offsetOf(task.id));
  }
  return results.has(task.hash);
}

/** One line: "All tasks complete (N tasks)." or "W waiting, R ready, A running, F failed, C complete (N tasks)." */
export function shortSummary(c: Record<TaskState, number>): string {
  const total = TASK_STATES.reduce((sum, s) => sum + c[s], 0);
  if (c.complete === total) return `All tasks complete (${total} tasks).`;
  return `${c.waiting} waiting, ${c.ready} ready, ${c.running} running, ${c.failed} failed, ${c.complete} complete (${total} tasks).`;
}
