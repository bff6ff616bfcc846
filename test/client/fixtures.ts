// Status documents and graphs as the language server sends them, for the client's pure modules.
import type { StatusDocument, TaskState, TaskStatus } from "jug/protocol";
import type { JugfileGraph } from "../../server/src/protocol";

export const JUGFILE = "/work/project/jugfile.ts";
export const JUGFILE_URI = "file:///work/project/jugfile.ts";

export function task(hash: string, name: string, state: TaskState, deps: string[] = [], line = 10): TaskStatus {
  const done = state === "complete";
  return {
    hash,
    name: `jugfile.${name}`,
    state,
    deps,
    site: { file: JUGFILE, line, column: 5 },
    duration: done ? 1.5 : null,
    size: done ? 2048 : null,
    stale: false,
    worker: done ? "host:42" : null,
    preview: done ? "[1, 2, 3]" : null,
    time: null,
    error: state === "failed" ? "Error: boom" : null,
  };
}

export function statusOf(tasks: TaskStatus[]): StatusDocument {
  const counts: Record<TaskState, number> = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
  for (const t of tasks) counts[t.state]++;
  return { version: 1, jugfile: JUGFILE, store: "/work/project/jugfile.jugdata", counts, tasks };
}

export function graphOf(tasks: TaskStatus[] | null, extra: Partial<JugfileGraph> = {}): JugfileGraph {
  return {
    uri: JUGFILE_URI,
    store: "/work/project/jugfile.jugdata",
    trusted: true,
    status: tasks ? statusOf(tasks) : null,
    sites: [],
    loadError: null,
    workers: 0,
    ...extra,
  };
}

/**
 * A diamond: two features tasks share one `load` task, and `combine` depends on both, so `load`
 * appears twice below `combine` in the tree.
 */
export function diamond(): TaskStatus[] {
  return [
    task("aaaa1111", "load", "complete", [], 3),
    task("bbbb2222", "features", "complete", ["aaaa1111"], 5),
    task("cccc3333", "features", "running", ["aaaa1111"], 5),
    task("dddd4444", "combine", "waiting", ["bbbb2222", "cccc3333"], 7),
  ];
}
