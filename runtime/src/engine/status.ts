/**
 * Task states from a store snapshot. Pure: the CLI's `status` and the language server (which
 * imports this as "jug/status") recompute every state from a fresh snapshot with the same rules.
 */
import { TASK_STATES, type StatusDocument, type TaskState, type TaskStatus } from "../protocol/status";
import type { StoreSnapshot } from "../store/types";

/**
 * `doc` with each task's state, duration, size, worker, preview, time, error and stale taken from
 * `snapshot`; hash, name, deps, site and codeHash are kept. Tasks must be in creation order
 * (dependencies first), as `jug status --json` lists them.
 *
 * A task is complete when its result is stored; else running when locked; else failed when a
 * failure marker exists; else ready when every dependency is complete; else waiting.
 */
export function deriveStatus(doc: StatusDocument, snapshot: StoreSnapshot): StatusDocument {
  const complete = new Set<string>();
  const tasks = doc.tasks.map((task) => {
    const derived = deriveTask(task, snapshot, complete);
    if (derived.state === "complete") complete.add(task.hash);
    return derived;
  });
  return { ...doc, counts: countStates(tasks), tasks };
}

function deriveTask(task: TaskStatus, snapshot: StoreSnapshot, complete: ReadonlySet<string>): TaskStatus {
  const base: TaskStatus = {
    ...task,
    duration: null,
    size: null,
    stale: false,
    worker: null,
    preview: null,
    time: null,
    error: null,
  };
  const result = snapshot.results.get(task.hash);
  if (result) {
    return {
      ...base,
      state: "complete",
      duration: result.duration,
      size: result.size,
      stale: task.codeHash !== undefined && result.codeHash !== task.codeHash,
      worker: result.worker,
      preview: result.preview,
      time: result.time,
    };
  }
  const lock = snapshot.locks.get(task.hash);
  if (lock) return { ...base, state: "running", worker: lock.worker, time: lock.since };
  const failure = snapshot.failures.get(task.hash);
  if (failure) return { ...base, state: "failed", worker: failure.worker, time: failure.time, error: failure.message };
  const ready = task.deps.every((d) => complete.has(d) || snapshot.results.has(d));
  return { ...base, state: ready ? "ready" : "waiting" };
}

export function countStates(tasks: readonly Pick<TaskStatus, "state">[]): Record<TaskState, number> {
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const t of tasks) counts[t.state]++;
  return counts;
}

/** Counts per task name, names sorted (the rows of `jug status`). */
export function countsByName(doc: StatusDocument): Array<{ name: string; counts: Record<TaskState, number> }> {
  const byName = new Map<string, TaskStatus[]>();
  for (const t of doc.tasks) {
    const list = byName.get(t.name);
    if (list) list.push(t);
    else byName.set(t.name, [t]);
  }
  return [...byName.keys()].sort().map((name) => ({ name, counts: countStates(byName.get(name)!) }));
}

/** One line: "All tasks complete (N tasks)." or "W waiting, R ready, A running, F failed, C complete (N tasks)." */
export function shortSummary(doc: StatusDocument): string {
  const c = doc.counts;
  const total = doc.tasks.length;
  if (c.complete === total) return `All tasks complete (${total} tasks).`;
  return `${c.waiting} waiting, ${c.ready} ready, ${c.running} running, ${c.failed} failed, ${c.complete} complete (${total} tasks).`;
}
