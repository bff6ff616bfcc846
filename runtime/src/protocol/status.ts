/**
 * The JSON document printed by `jug status --json` (and `jug graph --json`).
 * This is the contract the language server joins with the call sites it finds statically.
 * Bump STATUS_SCHEMA_VERSION on any incompatible change; additions of optional fields do not bump it.
 * Documented in docs/status-json.md.
 */
export const STATUS_SCHEMA_VERSION = 1;

export type TaskState = "waiting" | "ready" | "running" | "complete" | "failed";

/** Order in which states are listed in tables (FIXED by the status command). */
export const TASK_STATES: readonly TaskState[] = ["waiting", "ready", "running", "complete", "failed"];

/** Where the task was created: the call in the jugfile, as the user wrote it (1-based line and column). */
export interface CallSite {
  file: string;
  line: number;
  column: number;
}

export interface TaskStatus {
  /** Task identity: hex hash of function name + canonical arguments. */
  hash: string;
  /** Full (qualified) function name, e.g. "jugfile.computeFeatures". */
  name: string;
  state: TaskState;
  /** Hashes of the tasks whose results this task reads (first level, tasklets resolved to their base task). */
  deps: string[];
  /** The call that created the task; null when it could not be determined. */
  site: CallSite | null;
  /** Seconds the stored result took to compute; null when there is no result. */
  duration: number | null;
  /** Bytes of the stored result; null when there is no result. */
  size: number | null;
  /** True when the function's code changed since the stored result was computed. */
  stale: boolean;
  /** Hash of the task function's current source text (what `stale` compares with the stored result's). Always written by this runtime. */
  codeHash?: string;
  /** Worker ("host:pid") that computed the result or holds the lock; null if none. */
  worker: string | null;
  /** Short text preview of the stored result; null when there is no result. */
  preview: string | null;
  /** ISO time the result was stored (complete) or the lock taken (running); null otherwise. */
  time: string | null;
  /** Error message of a failed task; null otherwise. */
  error: string | null;
}

export interface StatusDocument {
  version: typeof STATUS_SCHEMA_VERSION;
  jugfile: string;
  /** Store location: a directory path or a redis:// URL. */
  store: string;
  /** Counts per state over all tasks. */
  counts: Record<TaskState, number>;
  tasks: TaskStatus[];
  /**
   * Where the jugfile stopped at a barrier (barrier() or bvalue()) whose tasks are not complete:
   * the tasks after it are not listed yet. Absent or null when the jugfile ran to its end.
   */
  barrier?: CallSite | null;
}
