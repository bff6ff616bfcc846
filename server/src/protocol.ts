/**
 * The custom LSP messages between the Jug language server and its clients, defined once.
 * Documented in docs/lsp-protocol.md. Bump JUG_LSP_PROTOCOL_VERSION on incompatible changes;
 * the server reports it as capabilities.experimental.jugProtocolVersion and in
 * InitializeResult.serverInfo = { name: "jug-language-server", version: "<v>" }.
 *
 * Only plain method-name strings and types live here (no vscode-languageserver import),
 * so the client, the server and tests share this file without pulling either library.
 * Use them as `connection.sendRequest(GraphRequest, params)` / `client.sendRequest(...)`:
 * method strings work with both libraries; the interfaces type the params and results.
 *
 * Changes since the first draft (for the client):
 * - InitializationOptions and TrustChangedNotification (jug/trustChanged) are defined here.
 * - Lens command arguments are typed: RunTaskArgs, ViewResultArgs, ShowStatusArgs, RevealTaskArgs.
 * - GraphResult jugfiles carry `sites` (static call sites, also available untrusted) and `trusted`.
 * - Errors: requests that need trust or a runtime fail with a ResponseError whose message says why
 *   (code JugErrorCodes.*); the client should show that message.
 * - WorkersChangedNotification is folded into StatusChangedNotification (`workers`, `workerPids`).
 * - Worker guard: the server writes its worker preload to the temp directory itself; the client
 *   does not need to ship a parentWatch.js next to the bundled server.
 * - `barrier` (BarrierInfo, optional, added within version 1) in JugfileGraph and StatusChangedParams:
 *   where the jugfile stops at a blocking barrier (the tasks after it are not known yet).
 */
import type { StatusDocument, TaskState } from "jug/protocol";

export const JUG_LSP_PROTOCOL_VERSION = 1;

/**
 * initializationOptions sent by the client in `initialize`. Every field is optional.
 */
export interface InitializationOptions {
  /** Absolute path of the bundled runtime CLI (runtime/bin/jug.js inside the extension).
   *  Used when the workspace has no `jug` package of its own. */
  runtimeCli?: string;
  /** Node executable for workers and CLI calls. Default: `node` on PATH, else the server's own
   *  executable with ELECTRON_RUN_AS_NODE=1. */
  nodePath?: string;
  /** Workspace trust. Default false: static lenses and read-only store status only;
   *  nothing is ever spawned until jug/trustChanged {trusted: true}. */
  trusted?: boolean;
  /** Store override, given to the runtime as JUG_JUGDIR (its --jugdir): a directory, relative to the jugfile's folder, or a redis:// URL. */
  storeDir?: string;
  /** Extra environment for workers and CLI calls. */
  env?: Record<string, string>;
  /** Milliseconds before a `jug status --json` call is killed (default 60000). */
  cliTimeoutMs?: number;
}

/** Commands the CLIENT registers; the server only references them in lenses (never via executeCommandProvider). */
export const ClientCommands = {
  /** arguments: [RunTaskArgs] */
  runTask: "jug.runTask",
  /** arguments: [ViewResultArgs] */
  viewResult: "jug.viewResult",
  /** arguments: [ShowStatusArgs] (the status lens; e.g. reveal the site's tasks in the tree) */
  showStatus: "jug.showStatus",
  /** arguments: [RevealTaskArgs] */
  revealTask: "jug.revealTask",
} as const;

/** Argument of jug.runTask: pass it on as RunParams. */
export interface RunTaskArgs {
  uri: string;
  /** The task's hash when the lens is for one known task. */
  hash?: string;
  /** Function name of the call site (used when the hashes are not known yet). */
  target?: string;
}
/** Argument of jug.viewResult: pass it on as ResultParams. */
export interface ViewResultArgs {
  uri: string;
  hash: string;
  name: string;
}
/** Argument of jug.showStatus. */
export interface ShowStatusArgs {
  uri: string;
  /** 0-based line of the call site. */
  line: number;
  hashes: string[];
}
/** Argument of jug.revealTask: show the task's call site (uri, 0-based line). */
export interface RevealTaskArgs {
  uri: string;
  line: number;
  hash?: string;
}

export interface JugfileRef {
  /** file: URI of the jugfile. */
  uri: string;
}

/** Error codes of ResponseErrors from jug/* requests (message always says what to do). */
export const JugErrorCodes = {
  /** The workspace is not trusted: nothing that runs the jugfile is allowed. */
  untrusted: -32901,
  /** No runtime (`jug` CLI) could be found. */
  noRuntime: -32902,
  /** The jugfile is unknown, not a jugfile, or could not be loaded. */
  badJugfile: -32903,
  /** The result does not exist or could not be read/decoded. */
  noResult: -32904,
} as const;

/** A task call site found statically in the jugfile (no code executed). */
export interface StaticSite {
  /** 0-based line and UTF-16 column of the call expression. */
  line: number;
  character: number;
  /** Function name of the generator / task ("double"); null when unknown (anonymous function). */
  name: string | null;
  /** "generator" call, `new Task(...)`, CompoundTask, identity, or mapreduce.*. */
  kind: "generator" | "task" | "compound" | "identity" | "mapreduce";
  /** Inside a loop or a function: may create many tasks (one aggregated lens). */
  repeated: boolean;
  /** Hashes of the runtime tasks joined to this site (empty when no status is known). */
  hashes: string[];
}

/**
 * Where a jugfile stops at a blocking `await barrier()` / `await bvalue(...)` (from `jug status --json`
 * `barrier`): the tasks after it are not known until the tasks before it are complete.
 */
export interface BarrierInfo {
  /** file: URI of the file holding the barrier call (the jugfile, or a module it imports). */
  uri: string;
  /** 0-based line and UTF-16 column of the barrier call in that file as last loaded (on disk). */
  line: number;
  character: number;
  /** Distinct tasks created before the barrier (all the status lists). */
  tasksBefore: number;
  /** Of those, not complete yet. 0: the barrier is passed; the server loads the jugfile again to list what follows. */
  pending: number;
  /** Of the pending ones, failed (they block the barrier until fixed and run again). */
  failed: number;
}

/** jug/graph: the task graph of one jugfile, or of all known jugfiles when uri is omitted. */
export const GraphRequest = "jug/graph";
export interface GraphParams {
  uri?: string;
}
export interface JugfileGraph {
  uri: string;
  /** Store location (directory or redis:// URL). */
  store: string;
  /** Whether the runtime may be run for this jugfile (workspace trust). */
  trusted: boolean;
  /** Runtime status document (tasks with deps and sites); null when untrusted or not loaded (yet). */
  status: StatusDocument | null;
  /** Static call sites (always present, also untrusted). */
  sites: StaticSite[];
  /** The runtime's message when loading the jugfile failed (file:line inside). */
  loadError: string | null;
  /** Live workers the server runs for this jugfile. */
  workers: number;
  /** Where the jugfile stops at a blocking barrier; null or absent when it runs to its end (or no status). */
  barrier?: BarrierInfo | null;
}
export interface GraphResult {
  jugfiles: JugfileGraph[];
}

/** jug/run: run one task (by hash) or all tasks of a name (by target) and what they need. */
export const RunRequest = "jug/run";
export interface RunParams extends JugfileRef {
  hash?: string;
  target?: string;
}
export interface RunResult {
  started: boolean;
  message: string;
}

/** jug/startWorkers and jug/stopWorkers: the worker pool for a jugfile. startWorkers tops up to `count`. */
export const StartWorkersRequest = "jug/startWorkers";
export interface StartWorkersParams extends JugfileRef {
  count: number;
}
export const StopWorkersRequest = "jug/stopWorkers";
export interface StopWorkersParams {
  /** Omit to stop the workers of every jugfile. */
  uri?: string;
}
export interface WorkersResult {
  running: number;
}

/** jug/result: a page of a stored result rendered as text, plus shape hints for pictures and tables. */
export const ResultRequest = "jug/result";
export interface ResultParams extends JugfileRef {
  hash: string;
  /** Character offset of the page in the formatted text (default 0). */
  offset?: number;
  /** Page length in characters (default 65536). */
  limit?: number;
}
export interface ResultPage {
  hash: string;
  name: string;
  /** Formatted text of the page (plain text; the client must show it as text, never as markup). */
  text: string;
  offset: number;
  totalLength: number;
  /** For arrays of numbers (at most a 10,000-value sample when large): values to plot. */
  numbers: number[] | null;
  /** For arrays of records: column names and the first rows (at most 1,000). Cells are JSON values. */
  table: { columns: string[]; rows: unknown[][]; totalRows: number } | null;
}

/** jug/invalidate: remove a task's result and everything downstream of it. */
export const InvalidateRequest = "jug/invalidate";
export interface InvalidateParams extends JugfileRef {
  hash?: string;
  target?: string;
}
export interface InvalidateResult {
  removed: number;
}

/** jug/cleanup: remove stale locks and failure markers. */
export const CleanupRequest = "jug/cleanup";
export interface CleanupParams extends JugfileRef {
  locksOnly?: boolean;
  failedOnly?: boolean;
}
export interface CleanupResult {
  message: string;
}

/** jug/trustChanged (client -> server notification): workspace trust was granted (or revoked). */
export const TrustChangedNotification = "jug/trustChanged";
export interface TrustChangedParams {
  trusted: boolean;
}

/** jug/statusChanged (server -> client notification): counts moved or workers changed. */
export const StatusChangedNotification = "jug/statusChanged";
export interface StatusChangedParams {
  uri: string;
  counts: Record<TaskState, number>;
  workers: number;
  /** Process ids of the running workers. */
  workerPids: number[];
  /** Workers that exited with an error since they were started. */
  crashedWorkers: number;
  loadError: string | null;
  /** Where the jugfile stops at a blocking barrier; null or absent when it runs to its end (or no status). */
  barrier?: BarrierInfo | null;
}

/** jug/log (server -> client notification): worker and runtime output lines. */
export const LogNotification = "jug/log";
export interface LogParams {
  uri: string;
  source: "worker" | "runtime" | "server";
  text: string;
}
