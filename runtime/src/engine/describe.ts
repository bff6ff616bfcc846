/** The `jug status --json` document for a loaded jugfile and a store snapshot. */
import type { Task } from "../api/task";
import { STATUS_SCHEMA_VERSION, type StatusDocument, type TaskStatus } from "../protocol/status";
import type { StoreSnapshot } from "../store/types";
import { deriveStatus } from "./status";

/** One entry per task creation (a task created twice appears twice, with each call site). */
export function statusDocument(jugfile: string, store: string, tasks: readonly Task<unknown>[], snapshot: StoreSnapshot): StatusDocument {
  const entries = tasks.map(
    (t): TaskStatus => ({
      hash: t.hash,
      name: t.name,
      state: "waiting",
      deps: t.deps.map((d) => d.hash),
      site: t.site,
      duration: null,
      size: null,
      stale: false,
      codeHash: t.definition.codeHash,
      worker: null,
      preview: null,
      time: null,
      error: null,
    }),
  );
  const base: StatusDocument = {
    version: STATUS_SCHEMA_VERSION,
    jugfile,
    store,
    counts: { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 },
    tasks: entries,
  };
  return deriveStatus(base, snapshot);
}
