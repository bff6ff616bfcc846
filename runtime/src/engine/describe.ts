/** The `jug status --json` document for a loaded jugfile and a store snapshot. */
import type { Task } from "../api/task";
import { STATUS_SCHEMA_VERSION, type CallSite, type StatusDocument } from "../protocol/status";
import type { StoreSnapshot } from "../store/types";
import { deriveTasks } from "./status";

/** One entry per task creation (a task created twice appears twice, with each call site). */
export function statusDocument(
  jugfile: string,
  store: string,
  tasks: readonly Task<unknown>[],
  snapshot: StoreSnapshot,
  barrier: CallSite | null = null,
): StatusDocument {
  const identities = tasks.map((t) => ({
    hash: t.hash,
    name: t.name,
    deps: t.deps.map((d) => d.hash),
    site: t.site,
    codeHash: t.definition.codeHash,
  }));
  return { version: STATUS_SCHEMA_VERSION, jugfile, store, ...deriveTasks(identities, snapshot), barrier };
}
