/**
 * `jug sleep-until`: waits until every task is complete (exit 0) or one has failed (exit 1).
 * Wakes on store.watch() or a backoff (0.1 s doubling to 2 s), not jug's fixed 12 s poll; loads
 * the jugfile again once the tasks before a barrier are complete, to see the tasks after it.
 */
import { performance } from "node:perf_hooks";
import { formatSite } from "../api/callsite";
import type { Task } from "../api/task";
import { shortSummary, stateCounts } from "../engine/status";
import type { Store, StoreSnapshot } from "../store/types";
import { EXIT_FAILED, EXIT_OK, openJug, type CommonOptions, type JugContext } from "./common";

const WAIT_MIN_MS = 100;
const WAIT_MAX_MS = 2000;
/** Checks are at least this many times their own cost apart: a busy store wakes the watcher constantly, and a snapshot of 100,000 results costs tens of ms. */
const CHECK_COST_FACTOR = 10;

/** What the tasks' results say: all done, one failed (and no worker is trying it again), or still to wait. */
export function progressOf(tasks: readonly Task<unknown>[], snapshot: StoreSnapshot): { done: boolean; failed: Task<unknown> | null } {
  let done = true;
  for (const t of tasks) {
    if (snapshot.results.has(t.hash)) continue;
    // A failure marker with a lock: a worker is trying it again.
    if (snapshot.failures.has(t.hash) && !snapshot.locks.has(t.hash)) return { done: false, failed: t };
    done = false;
  }
  return { done, failed: null };
}

export async function sleepUntilCommand(jugfileArg: string | undefined, options: CommonOptions, userArgs: readonly string[]): Promise<number> {
  let ctx: JugContext = await openJug(jugfileArg, options, userArgs);
  try {
    let waitMs = WAIT_MIN_MS;
    for (;;) {
      const started = performance.now();
      const snapshot = await ctx.store.snapshot();
      const { done, failed } = progressOf(ctx.tasks, snapshot);
      if (failed) {
        process.stderr.write(`jug: task ${failed.name} (hash ${failed.hash.slice(0, 12)}) failed: ${snapshot.failures.get(failed.hash)!.message}\n`);
        return EXIT_FAILED;
      }
      if (done && !ctx.barrier) {
        process.stdout.write(`${shortSummary(stateCounts(ctx.tasks, ctx.unique.length, snapshot).total)}\n`);
        return EXIT_OK;
      }
      if (done) {
        // Everything before the barrier is complete: load again to see what follows it.
        process.stderr.write(`jug: the tasks before the barrier at ${formatSite(ctx.barrier)} are complete; loading the jugfile again\n`);
        const next = await openJug(jugfileArg, options, userArgs);
        await ctx.store.close();
        ctx = next;
        waitMs = WAIT_MIN_MS;
        continue;
      }
      const cost = performance.now() - started;
      await changeOrTimeout(ctx.store, waitMs);
      const early = started + CHECK_COST_FACTOR * cost - performance.now();
      if (early > 0) await new Promise((r) => setTimeout(r, early));
      waitMs = Math.min(waitMs * 2, WAIT_MAX_MS);
    }
  } finally {
    await ctx.store.close();
  }
}

function changeOrTimeout(store: Store, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const watcher = store.watch(done);
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      watcher.dispose();
      resolve();
    }
  });
}
