/**
 * The custom LSP messages between the Jug language server and its clients, defined once.
 * Documented in docs/lsp-protocol.md. Bump JUG_LSP_PROTOCOL_VERSION on incompatible changes;
 * the server reports it in InitializeResult.serverInfo and experimental.jugProtocolVersion.
 *
 * Only plain method-name strings and types live here (no vscode-languageserver import),
 * so the client, the server and tests share this file without pulling either library.
 */
import type { StatusDocument, TaskState } from "jug/protocol";

export const JUG_LSP_PROTOCOL_VERSION = 1;

/** Commands the CLIENT registers; the server only references them in lenses and hovers. */
export const ClientCommands = {
  runTask: "jug.runTask",
  viewResult: "jug.viewResult",
  showStatus: "jug.showStatus",
  revealTask: "jug.revealTask",
} as const;

export interface JugfileRef {
  /** file: URI of the jugfile. */
  uri: string;
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
  /** Runtime status document; null when the jugfile could not be loaded. */
  status: StatusDocument | null;
  /** The runtime's message when loading the jugfile failed (file:line inside). */
  loadError: string | null;
  /** Live workers the server runs for this jugfile. */
  workers: number;
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

/** jug/startWorkers and jug/stopWorkers: the worker pool for a jugfile. */
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
  /** Character offset of the page in the formatted text. */
  offset?: number;
  /** Page length in characters. */
  limit?: number;
}
export interface ResultPage {
  hash: string;
  name: string;
  /** Formatted text of the page (plain text; the client must show it as text, never as markup). */
  text: string;
  offset: number;
  totalLength: number;
  /** For arrays of numbers (at most a sample when large): values to plot. */
  numbers: number[] | null;
  /** For arrays of records: column names and the first rows. */
  table: { columns: string[]; rows: unknown[][] } | null;
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

/** jug/statusChanged (server -> client notification): counts moved or workers changed. */
export const StatusChangedNotification = "jug/statusChanged";
export interface StatusChangedParams {
  uri: string;
  counts: Record<TaskState, number>;
  workers: number;
  /** Workers that exited with an error since they were started. */
  crashedWorkers: number;
  loadError: string | null;
}

/** jug/log (server -> client notification): worker and runtime output lines. */
export const LogNotification = "jug/log";
export interface LogParams {
  uri: string;
  source: "worker" | "runtime" | "server";
  text: string;
}
