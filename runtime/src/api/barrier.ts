/**
 * barrier() and bvalue() (jug/barrier.py): a jugfile stops building tasks at a barrier while the
 * tasks before it are not complete. The loader catches the BarrierError and reports where it
 * stopped; `jug execute` runs what exists, then loads the jugfile again to get past it.
 * Both are async (they ask the store): write `await barrier()` and `await bvalue(t)` (jugfiles
 * are ES modules, so top-level await works). The CLI provides the store (setCompletionCheck).
 */
import type { CallSite } from "../protocol/status";
import { captureCallSite, formatSite, SiteMessageError } from "./callsite";
import { currentRegistry, type TaskRegistry } from "./registry";
import { directDependencies, value, type Input } from "./task";

/** Thrown by barrier() / bvalue() while a task they need is not complete; the loader stops there. */
export class BarrierError extends SiteMessageError {
  constructor(
    readonly site: CallSite | null,
    what: string,
  ) {
    super(() => `${what} at ${formatSite(site)}: tasks before it are not complete`);
    this.name = "BarrierError";
  }
}

/** Answers whether a task's result is stored (the CLI's store), during a load. */
export type CompletionCheck = (hash: string) => Promise<boolean>;

let completionCheck: CompletionCheck | null = null;

export function setCompletionCheck(check: CompletionCheck | null): void {
  completionCheck = check;
}

/** The barriers of the current load, to find one the jugfile did not await. */
let barriers: Array<Promise<BarrierError | null>> = [];
/** Tasks (registry.tasks) before this index are known complete: a barrier passed after them. */
let checkedUpTo = 0;
let checkedRegistry: TaskRegistry | null = null;

/** Without a store (`jug count`, a plain script), nothing counts as complete: every barrier stops the jugfile. */
const NOTHING_COMPLETE: CompletionCheck = async () => false;

/** The check in use (CompoundTask asks it too). */
export function currentCompletionCheck(): CompletionCheck {
  return completionCheck ?? NOTHING_COMPLETE;
}

/**
 * Stops the jugfile here (when run by `jug execute`, `jug status`, ...) unless every task created
 * so far is complete. Must be awaited: `await barrier()`.
 */
export function barrier(): Promise<void> {
  const site = captureCallSite(barrier, true);
  const check = completionCheck ?? NOTHING_COMPLETE;
  const registry = currentRegistry();
  if (checkedRegistry !== registry) {
    checkedRegistry = registry;
    checkedUpTo = 0;
  }
  const tasks = registry.tasks;
  const end = tasks.length;
  const outcome = (async (): Promise<BarrierError | null> => {
    // Newest first, as jug does: the last tasks are the likeliest to be incomplete.
    for (let i = end - 1; i >= checkedUpTo; i--) {
      if (!(await check(tasks[i]!.hash))) return new BarrierError(site, "barrier()");
    }
    if (checkedRegistry === registry) checkedUpTo = Math.max(checkedUpTo, end);
    return null;
  })();
  barriers.push(outcome);
  const passed = outcome.then((blocked) => {
    if (blocked) throw blocked;
  });
  // Not awaited, a rejection would end the process as unhandled; the loader reports it instead (unawaitedBarrier).
  passed.catch(() => undefined);
  return passed;
}

/**
 * The value of `x` (like value()), but when a task it needs is not complete, the jugfile stops
 * here as at a barrier. Only the tasks in `x` must be complete. Must be awaited.
 */
export async function bvalue<T>(x: Input<T>): Promise<T> {
  const site = captureCallSite(bvalue, true);
  const check = completionCheck ?? NOTHING_COMPLETE;
  for (const t of directDependencies([x])) {
    if (!(await check(t.hash))) throw new BarrierError(site, "bvalue()");
  }
  try {
    return await value(x);
  } catch (e) {
    // jug: any failure to load becomes a barrier (e.g. the result was removed meanwhile).
    const error = new BarrierError(site, "bvalue()");
    error.cause = e;
    throw error;
  }
}

/** Before a load: forget the barriers of the previous one. */
export function resetBarriers(): void {
  barriers = [];
  checkedUpTo = 0;
  checkedRegistry = null;
}

/**
 * After a load that ran to its end: a barrier that blocked was not awaited (or its error was
 * caught), so the jugfile went on building tasks past it. Returns that barrier's error, or null.
 */
export async function unawaitedBarrier(): Promise<BarrierError | null> {
  for (const outcome of barriers) {
    const blocked = await outcome;
    if (blocked) return blocked;
  }
  return null;
}
