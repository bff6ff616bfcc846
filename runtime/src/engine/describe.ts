/** The `jug status --json` document for a loaded jugfile and a store snapshot. */
import type { Task } from "../api/task";
import { STATUS_SCHEMA_VERSION, type CallSite, type StatusDocument } from "../protocol/status";
import type { StoreSnapshot } from "../store/types";
import { deriveTask, emptyCounts } from "./status";

/** Text is handed to `write` in pieces of about this many characters. */
const CHUNK_CHARS = 1 << 16;

/**
 * Writes the StatusDocument (one entry per task creation: a task created twice appears twice,
 * with each call site) as JSON text, a piece at a time, followed by a newline. The document is
 * never built whole: at 100,000 tasks it is ~50 MB of JSON, and objects for every entry plus one
 * string of it cost ~300 MB and seconds of garbage collection. `counts` comes after `tasks`.
 */
export function writeStatusDocument(
  write: (text: string) => void,
  jugfile: string,
  store: string,
  tasks: readonly Task<unknown>[],
  snapshot: StoreSnapshot,
  barrier: CallSite | null = null,
): void {
  const counts = emptyCounts();
  let text = `{"version":${STATUS_SCHEMA_VERSION satisfies StatusDocument["version"]},"jugfile":${JSON.stringify(jugfile)},"store":${JSON.stringify(store)},"tasks":[`;
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    const status = deriveTask(
      { hash: t.hash, name: t.name, deps: t.deps.map((d) => d.hash), site: t.site, codeHash: t.definition.codeHash },
      snapshot,
    );
    counts[status.state]++;
    text += (i === 0 ? "" : ",") + JSON.stringify(status);
    if (text.length >= CHUNK_CHARS) {
      write(text);
      text = "";
    }
  }
  write(`${text}],"counts":${JSON.stringify(counts)},"barrier":${JSON.stringify(barrier)}}\n`);
}
