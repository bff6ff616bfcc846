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
  return { ...doc, ...deriveTasks(doc.tasks, snapshot) };
}

/** What a task is, independent of the store (what deriveStatus keeps). */
export type TaskIdentity = Pick<TaskStatus, "hash" | "name" | "deps" | "site" | "codeHash">;

/** The status of each task (in creation order) and the counts per state. */
export function deriveTasks(tasks: readonly TaskIdentity[], snapshot: StoreSnapshot): Pick<StatusDocument, "tasks" | "counts"> {
  const complete = new Set<string>();
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  const derived = tasks.map((task) => {
    const status = deriveTask(task, snapshot, complete);
    if (status.state === "complete") complete.add(task.hash);
    counts[status.state]++;
    return status;
  });
  return { tasks: derived, counts };
}

function deriveTask(task: TaskIdentity, snapshot: StoreSnapshot, complete: ReadonlySet<string>): TaskStatus {
  const result = snapshot.results.get(task.hash);
  const lock = result ? undefined : snapshot.locks.get(task.hash);
  const failure = result || lock ? undefined : snapshot.failures.get(task.hash);
  const state: TaskState = result
    ? "complete"
    : lock
      ? "running"
      : failure
        ? "failed"
        : task.deps.every((d) => complete.has(d) || snapshot.results.has(d))
          ? "ready"
          : "waiting";
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
