/** Runs one task while the jugfile loads (CachedFunction): under its lock, through the store, like a worker. */
import type { Task } from "../api/task";
import { currentRegistry } from "../api/registry";
import { Worker } from "../engine/worker";
import { decodeResult } from "../serialize";
import type { Store } from "../store/types";

/** The value of `task`: read when stored, otherwise computed now and stored (another process computing it meanwhile is waited for). */
export async function runNow(store: Store, task: Task<unknown>): Promise<unknown> {
  if (!(await store.has(task.hash))) {
    for (const d of task.deps) {
      if (!(await store.has(d.hash))) {
        throw new Error(
          `CachedFunction(${task.name}): its argument ${d.name} is not complete; ` +
            `wait for it with \`await bvalue(...)\` or pass a plain value`,
        );
      }
    }
    const worker = new Worker({
      store,
      tasks: [task],
      idCount: currentRegistry().unique.length,
      keepGoing: false,
      keepFailed: false,
      log: (m) => process.stderr.write(`${m}\n`),
      // Known not stored (checked above): no snapshot of the whole store for one task.
      snapshot: { results: new Map(), locks: new Map(), failures: new Map() },
    });
    const result = await worker.run();
    if (result.failed > 0) throw new Error(`CachedFunction(${task.name}) failed (see above)`);
  }
  return decodeResult(await store.read(task.hash));
}
