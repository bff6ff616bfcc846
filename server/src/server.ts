/**
 * The Jug language server: LSP glue over the analyzer (static call sites), the session (runtime
 * status, store snapshots, workers) and the pure lens/hover/diagnostic builders.
 *
 * `createServer(connection)` wires any connection (tests use an in-process stream pair);
 * running this file starts it on the transport named on the command line (--stdio, --node-ipc).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  CodeLensRefreshRequest,
  DiagnosticSeverity,
  ErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type WorkDoneProgressServerReporter,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { TaskStatus } from "jug/protocol";
import {
  CleanupRequest,
  GraphRequest,
  InvalidateRequest,
  JUG_LSP_PROTOCOL_VERSION,
  JugErrorCodes,
  LogNotification,
  ResultRequest,
  RunRequest,
  StartWorkersRequest,
  StatusChangedNotification,
  StopWorkersRequest,
  TrustChangedNotification,
  type CleanupParams,
  type CleanupResult,
  type GraphParams,
  type GraphResult,
  type InitializationOptions,
  type InvalidateParams,
  type InvalidateResult,
  type JugfileGraph,
  type LogParams,
  type ResultPage,
  type ResultParams,
  type RunParams,
  type RunResult,
  type StartWorkersParams,
  type StaticSite,
  type StatusChangedParams,
  type StopWorkersParams,
  type TrustChangedParams,
  type WorkersResult,
} from "./protocol";
import { Analyzer, isJugfileName } from "./analysis/analyzer";
import type { Analysis, Span, TaskSite } from "./analysis/types";
import { lineShift } from "./analysis/remap";
import { joinByName, joinSites } from "./features/join";
import { siteLenses, type LensContext } from "./features/lenses";
import { tasksHover } from "./features/hover";
import { barrierInfo, barrierLenses, barrierSentence, placeBarrier, type BarrierPlace } from "./features/barrier";
import { escapeMarkdown } from "./features/markdown";
import { shortName } from "jug/protocol";
import { countStates, formatCounts, oneLine } from "./features/format";
import { RequestFailure, Session, type JugfileState } from "./session";
import { storeLocation } from "./runtime/resolve";
import { pageOf } from "./results/format";
import type { PoolEvent } from "./workers/pool";

export interface ServerOptions {
  /** Directory of the compiled server (runtime fallback, worker preload). Default: this file's directory. */
  serverDir?: string;
  fastPollMs?: number;
  slowPollMs?: number;
  /** Minimum milliseconds between two workspace/codeLens/refresh requests. */
  refreshIntervalMs?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping workers. */
  workerGraceMs?: number;
}

/** How long a codeLens request of a client without refresh support waits for the first runtime status. */
const FIRST_STATUS_WAIT_MS = 10_000;

interface View {
  lensTitles: string;
  diagnostics: string;
  statusChanged: string;
}

export function createServer(connection: Connection, options: ServerOptions = {}): { dispose(): Promise<void> } {
  const documents = new TextDocuments(TextDocument);
  const analyzer = new Analyzer((file) => {
    const open = documents.get(pathToFileURL(file).toString());
    if (open) return open.getText();
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
  });
  const views = new Map<string, View>();
  /** Work-done progress per jugfile while its workers run ("pending" while the client creates it). */
  const progress = new Map<string, WorkDoneProgressServerReporter | "pending">();
  let session: Session | undefined;
  let refreshSupported = false;
  let progressSupported = false;
  let workspaceFolders: string[] = [];
  let lastRefresh = 0;
  let refreshTimer: NodeJS.Timeout | undefined;
  const viewTimers = new Map<string, NodeJS.Timeout>();
  const refreshIntervalMs = options.refreshIntervalMs ?? 250;

  const toPath = (uri: string): string | undefined => {
    try {
      return uri.startsWith("file:") ? fileURLToPath(uri) : undefined;
    } catch {
      return undefined;
    }
  };
  const uriOf = (file: string): string => documents.all().find((d) => toPath(d.uri) === file)?.uri ?? pathToFileURL(file).toString();

  const log = (jugfile: string, source: LogParams["source"], text: string): void => {
    const params: LogParams = { uri: pathToFileURL(jugfile).toString(), source, text };
    void connection.sendNotification(LogNotification, params);
    connection.console.log(`[${source}] ${path.basename(jugfile)}: ${text}`);
  };

  const requireSession = (): Session => {
    if (!session) throw new ResponseError(ErrorCodes.ServerNotInitialized, "server not initialized");
    return session;
  };

  /** Text and analysis of a jugfile: the open buffer if any, else the file on disk. */
  const analysisOf = (file: string): { analysis: Analysis; text: string; open: TextDocument | undefined } | undefined => {
    const open = documents.all().find((d) => toPath(d.uri) === file);
    const text = open ? open.getText() : readFile(file);
    if (text === undefined) return undefined;
    return { analysis: analyzer.analyze(file, text, open ? open.version : `disk:${text.length}:${hashText(text)}`), text, open };
  };

  /** Tasks per site, and how they were joined. */
  const joined = (
    state: JugfileState,
    analysis: Analysis,
    text: string,
  ): { perSite: TaskStatus[][]; source: LensContext["source"]; dirty: boolean; barrier: BarrierPlace | null } => {
    const s = requireSession();
    const { tasks, source } = s.tasksOf(state);
    const dirty = state.diskText !== undefined && state.diskText !== text;
    let perSite: TaskStatus[][];
    let barrier: BarrierPlace | null = null;
    if (source === "runtime") {
      const mapLine = dirty && state.diskText !== undefined ? lineShift(state.diskText, text) : undefined;
      perSite = joinSites(analysis.sites, tasks, state.path, mapLine);
      const info = barrierInfo(state.status);
      if (info) barrier = placeBarrier(info, state.path, mapLine);
    } else if (source === "store") {
      perSite = joinByName(analysis.sites, tasks);
    } else {
      perSite = analysis.sites.map(() => []);
    }
    return { perSite, source, dirty, barrier };
  };

  const lensesOf = (file: string, uri: string): CodeLens[] => {
    const s = requireSession();
    const found = analysisOf(file);
    if (!found || !found.analysis.isJugfile || found.analysis.sites.length === 0) return [];
    const state = s.state(file);
    s.ensureStatus(state);
    const { perSite, source, dirty, barrier } = joined(state, found.analysis, found.text);
    const ctx: LensContext = { uri, trusted: s.trusted, dirty, source, loadFailed: state.loadError !== null, barrier };
    const specs = found.analysis.sites.flatMap((site, i) => siteLenses(site, perSite[i]!, ctx));
    if (barrier) {
      const pending = s.tasksOf(state).tasks.filter((t) => t.state !== "complete").map((t) => t.hash);
      specs.push(...barrierLenses(barrier, ctx, pending));
      specs.sort((a, b) => a.span.line - b.span.line);
    }
    return specs.map((lens) => ({
      range: range(lens.span),
      command: { title: lens.title, command: lens.command, arguments: lens.args },
    }));
  };

  const diagnosticsOf = (file: string): Diagnostic[] => {
    const s = requireSession();
    const found = analysisOf(file);
    if (!found || !found.analysis.isJugfile) return [];
    const out: Diagnostic[] = found.analysis.diagnostics.map((d) => ({
      range: range(d.span),
      severity: d.severity === "error" ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      source: "jug",
      code: d.code,
      message: d.message,
    }));
    const state = s.jugfiles.get(file);
    if (!state) return out;
    if (state.loadError) {
      out.push({
        range: { start: { line: state.loadError.line, character: state.loadError.character }, end: { line: state.loadError.line, character: 1000 } },
        severity: DiagnosticSeverity.Error,
        source: "jug",
        code: "load-failed",
        message: state.loadError.message,
      });
    }
    if (state.storeError) {
      out.push({ range: range({ line: 0, character: 0, endLine: 0, endCharacter: 0 }), severity: DiagnosticSeverity.Warning, source: "jug", code: "store", message: state.storeError });
    }
    const { perSite } = joined(state, found.analysis, found.text);
    found.analysis.sites.forEach((site, i) => {
      const failed = perSite[i]!.filter((t) => t.state === "failed");
      if (failed.length === 0) return;
      const first = failed[0]!;
      const total = perSite[i]!.length;
      const what = total === 1 ? `task ${first.name} failed` : `${failed.length} of ${total} tasks of ${first.name} failed; first`;
      out.push({
        range: range(site.calleeSpan),
        severity: DiagnosticSeverity.Error,
        source: "jug",
        code: "task-failed",
        message: `${what}: ${first.error ?? "unknown error"}`,
      });
    });
    return out;
  };

  const requestRefresh = (): void => {
    if (!refreshSupported || refreshTimer) return;
    const wait = Math.max(0, lastRefresh + refreshIntervalMs - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      lastRefresh = Date.now();
      connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    }, wait);
  };

  const viewOf = (file: string): View => {
    const view = views.get(file) ?? { lensTitles: "", diagnostics: "", statusChanged: "" };
    views.set(file, view);
    return view;
  };
  const titlesOf = (lenses: readonly CodeLens[]): string => lenses.map((l) => `${l.range.start.line}:${l.command?.title}`).join("\n");

  /**
   * Recompute what the client sees for one jugfile; send only what changed. Lens titles are
   * compared with the last codeLens answer (after an edit the client asks again by itself, so
   * edits only recompute diagnostics).
   */
  const updateView = (file: string, lenses: boolean): void => {
    const s = session;
    if (!s) return;
    const view = viewOf(file);
    const open = documents.all().filter((d) => toPath(d.uri) === file);
    for (const doc of open) {
      if (lenses && titlesOf(lensesOf(file, doc.uri)) !== view.lensTitles) requestRefresh();
      const diagnostics = diagnosticsOf(file);
      const key = JSON.stringify(diagnostics);
      if (key !== view.diagnostics) {
        view.diagnostics = key;
        void connection.sendDiagnostics({ uri: doc.uri, diagnostics });
      }
    }
    const state = s.jugfiles.get(file);
    if (!state) return;
    const counts = countStates(s.tasksOf(state).tasks);
    const params: StatusChangedParams = {
      uri: uriOf(file),
      counts,
      workers: state.pool?.running ?? 0,
      workerPids: state.pool?.pids ?? [],
      crashedWorkers: state.pool?.crashedWorkers ?? 0,
      loadError: state.loadError?.message ?? null,
      barrier: s.trusted ? barrierInfo(state.status) : null,
    };
    const key = JSON.stringify(params);
    if (key !== view.statusChanged) {
      view.statusChanged = key;
      void connection.sendNotification(StatusChangedNotification, params);
      const reporter = progress.get(file);
      const total = s.tasksOf(state).tasks.length;
      if (reporter && reporter !== "pending" && total > 0) {
        reporter.report(Math.round((100 * counts.complete) / total), `${params.workers} worker(s) · ${formatCounts(counts)}`);
      }
    }
  };

  const lensesPending = new Set<string>();
  const scheduleView = (file: string, lenses: boolean, delayMs = 30): void => {
    if (lenses) lensesPending.add(file);
    if (viewTimers.has(file)) return;
    viewTimers.set(
      file,
      setTimeout(() => {
        viewTimers.delete(file);
        const withLenses = lensesPending.delete(file);
        updateView(file, withLenses);
      }, delayMs),
    );
  };

  const poolEvent = (state: JugfileState, event: PoolEvent): void => {
    const file = state.path;
    if (event.kind === "started" && !progress.has(file) && progressSupported) {
      progress.set(file, "pending");
      connection.window.createWorkDoneProgress().then(
        (reporter) => {
          // The workers may all have exited while the client was creating the progress.
          if (progress.get(file) !== "pending") return reporter.done();
          progress.set(file, reporter);
          reporter.begin(`Jug: ${path.basename(file)}`, 0, `${state.pool?.running ?? 1} worker(s) running`, true);
          reporter.token.onCancellationRequested(() => void session?.stopWorkers(state));
        },
        () => progress.delete(file),
      );
    }
    if (event.kind === "exited" && event.crashed) log(file, "server", `worker ${event.id} (pid ${event.pid}) crashed: ${event.signal ?? `exit code ${event.code}`}`);
    if (event.kind === "budgetExhausted") log(file, "server", `workers keep crashing (${event.crashes} crashes): not restarting. See the worker output above.`);
    if (event.kind === "idle") {
      const reporter = progress.get(file);
      if (reporter && reporter !== "pending") reporter.done();
      progress.delete(file);
    }
  };

  const refreshDocument = (doc: TextDocument): void => {
    const file = toPath(doc.uri);
    if (!file) return;
    const analysis = analyzer.analyze(file, doc.getText(), doc.version);
    if (!analysis.isJugfile) {
      if (views.get(file)?.diagnostics) void connection.sendDiagnostics({ uri: doc.uri, diagnostics: [] });
      views.delete(file);
      return;
    }
    if (analysis.sites.length > 0) session?.ensureStatus(session.state(file));
    scheduleView(file, false, 100);
  };

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    refreshSupported = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    progressSupported = params.capabilities.window?.workDoneProgress === true;
    workspaceFolders = (params.workspaceFolders ?? []).map((f) => toPath(f.uri)).filter((p): p is string => p !== undefined);
    if (workspaceFolders.length === 0 && params.rootUri) {
      const root = toPath(params.rootUri);
      if (root) workspaceFolders.push(root);
    }
    session = new Session(
      {
        init,
        serverDir: options.serverDir ?? __dirname,
        ...(options.fastPollMs !== undefined ? { fastPollMs: options.fastPollMs } : {}),
        ...(options.slowPollMs !== undefined ? { slowPollMs: options.slowPollMs } : {}),
        ...(options.workerGraceMs !== undefined ? { pool: { graceMs: options.workerGraceMs, restartBudget: 3, restartWindowMs: 60_000 } } : {}),
      },
      { changed: (state) => scheduleView(state.path, true), log, poolEvent },
    );
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeLensProvider: { resolveProvider: false },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true } },
        experimental: { jugProtocolVersion: JUG_LSP_PROTOCOL_VERSION },
      },
      serverInfo: { name: "jug-language-server", version: String(JUG_LSP_PROTOCOL_VERSION) },
    };
  });

  connection.onInitialized(() => {
    setTimeout(() => analyzer.warmUp(), 0);
  });

  documents.onDidOpen((e) => refreshDocument(e.document));
  documents.onDidChangeContent((e) => refreshDocument(e.document));
  documents.onDidSave((e) => {
    const file = toPath(e.document.uri);
    if (!file || !session) return;
    const analysis = analyzer.analyze(file, e.document.getText(), e.document.version);
    if (analysis.isJugfile) session.saved(session.state(file));
    scheduleView(file, true);
  });
  documents.onDidClose((e) => {
    const file = toPath(e.document.uri);
    if (!file) return;
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    views.delete(file);
    analyzer.forget(file);
    session?.forget(file);
  });

  connection.onCodeLens(async (params) => {
    const file = toPath(params.textDocument.uri);
    if (!file) return [];
    let lenses = lensesOf(file, params.textDocument.uri);
    // A client that cannot be asked to refresh would keep "loading" titles: wait (bounded) for the first status.
    const loading = session?.jugfiles.get(file)?.loading;
    if (!refreshSupported && loading && lenses.length > 0) {
      await Promise.race([loading, new Promise((resolve) => setTimeout(resolve, FIRST_STATUS_WAIT_MS))]);
      lenses = lensesOf(file, params.textDocument.uri);
    }
    viewOf(file).lensTitles = titlesOf(lenses);
    return lenses;
  });

  connection.onHover((params): Hover | null => {
    const s = requireSession();
    const file = toPath(params.textDocument.uri);
    if (!file) return null;
    const found = analysisOf(file);
    if (!found || !found.analysis.isJugfile) return null;
    const { line, character } = params.position;
    const state = s.state(file);
    const { perSite, source, dirty, barrier } = joined(state, found.analysis, found.text);
    const ctx = { dirty, source, trusted: s.trusted, barrier };
    const siteIndex = innermost(found.analysis.sites, line, character);
    if (siteIndex >= 0) {
      const site = found.analysis.sites[siteIndex]!;
      const tasks = perSite[siteIndex]!;
      const title = `${site.name ?? "anonymous task"}${site.repeated ? " (called repeatedly)" : ""}`;
      return { contents: { kind: "markdown", value: tasksHover(title, tasks, site.repeated || tasks.length > 1, ctx) }, range: range(site.calleeSpan) };
    }
    const generator = found.analysis.generators.find((g) => contains(g.span, line, character));
    if (generator) {
      const tasks = generator.name === null ? [] : s.tasksOf(state).tasks.filter((t) => shortName(t.name) === generator.name);
      const title = `generator ${generator.localName}${generator.name && generator.name !== generator.localName ? ` (function ${generator.name})` : ""}`;
      return { contents: { kind: "markdown", value: tasksHover(title, tasks, true, ctx) }, range: range(generator.span) };
    }
    if (barrier && barrier.line === line && !state.loadError) {
      return { contents: { kind: "markdown", value: `**barrier**\n\n${escapeMarkdown(barrierSentence(barrier))}` } };
    }
    return null;
  });

  const stateFor = (uri: string): JugfileState => {
    const s = requireSession();
    const file = toPath(uri);
    if (!file || !fs.existsSync(file)) throw new ResponseError(JugErrorCodes.badJugfile, `not a jugfile on disk: ${uri}`);
    return s.state(file);
  };

  const handle = <P, R>(method: string, handler: (params: P) => R | Promise<R>): void => {
    connection.onRequest(method, async (params: P) => {
      try {
        return await handler(params);
      } catch (error) {
        if (error instanceof ResponseError) throw error;
        if (error instanceof RequestFailure) throw new ResponseError(error.code, error.message);
        throw new ResponseError(ErrorCodes.InternalError, `${method} failed: ${(error as Error).message}`);
      }
    });
  };

  const graphOf = (file: string): JugfileGraph => {
    const s = requireSession();
    const state = s.state(file);
    const found = analysisOf(file);
    if (found && found.analysis.sites.length > 0) s.ensureStatus(state);
    const sites: StaticSite[] = [];
    if (found) {
      const { perSite } = joined(state, found.analysis, found.text);
      found.analysis.sites.forEach((site, i) =>
        sites.push({
          line: site.span.line,
          character: site.span.character,
          name: site.name,
          kind: site.kind,
          repeated: site.repeated,
          hashes: perSite[i]!.map((t) => t.hash),
        }),
      );
    }
    return {
      uri: uriOf(file),
      store: state.status?.store ?? storeLocation(file, undefined),
      trusted: s.trusted,
      status: s.trusted ? state.status : null,
      sites,
      loadError: state.loadError?.message ?? null,
      workers: state.pool?.running ?? 0,
      barrier: s.trusted ? barrierInfo(state.status) : null,
    };
  };

  handle<GraphParams, GraphResult>(GraphRequest, async (params) => {
    const s = requireSession();
    if (params?.uri) {
      const state = stateFor(params.uri);
      if (s.trusted && !state.status && !state.loadError) await s.loadStatus(state);
      return { jugfiles: [graphOf(state.path)] };
    }
    const files = new Set<string>([...s.jugfiles.keys(), ...findJugfiles(workspaceFolders)]);
    return { jugfiles: [...files].sort().map(graphOf) };
  });

  handle<RunParams, RunResult>(RunRequest, (params) => requireSession().run(stateFor(params.uri), params.hash, params.target));

  handle<StartWorkersParams, WorkersResult>(StartWorkersRequest, (params) => {
    const s = requireSession();
    const state = stateFor(params.uri);
    const running = s.startWorkers(state, params.count);
    if (!state.status && !state.loading) void s.loadStatus(state);
    return { running };
  });

  handle<StopWorkersParams, WorkersResult>(StopWorkersRequest, async (params) => {
    const s = requireSession();
    const running = await s.stopWorkers(params?.uri ? stateFor(params.uri) : undefined);
    return { running };
  });

  handle<ResultParams, ResultPage>(ResultRequest, async (params) => {
    const s = requireSession();
    const formatted = await s.result(stateFor(params.uri), params.hash);
    const page = pageOf(formatted.text, params.offset, params.limit);
    return {
      hash: params.hash,
      name: formatted.name,
      text: page.text,
      offset: page.offset,
      totalLength: formatted.text.length,
      numbers: formatted.numbers,
      table: formatted.table,
    };
  });

  handle<InvalidateParams, InvalidateResult>(InvalidateRequest, async (params) => ({
    removed: await requireSession().invalidate(stateFor(params.uri), params.hash, params.target),
  }));

  handle<CleanupParams, CleanupResult>(CleanupRequest, async (params) => ({
    message: oneLine(await requireSession().cleanup(stateFor(params.uri), params.locksOnly === true, params.failedOnly === true), 500),
  }));

  connection.onNotification(TrustChangedNotification, (params: TrustChangedParams) => {
    session?.setTrusted(params.trusted === true);
  });

  const onProcessExit = (): void => session?.emergencyStop();
  process.on("exit", onProcessExit);

  connection.onShutdown(async () => {
    await session?.dispose();
  });

  documents.listen(connection);

  return {
    async dispose() {
      process.off("exit", onProcessExit);
      for (const t of viewTimers.values()) clearTimeout(t);
      if (refreshTimer) clearTimeout(refreshTimer);
      await session?.dispose();
    },
  };
}

function range(span: Span): { start: { line: number; character: number }; end: { line: number; character: number } } {
  return { start: { line: span.line, character: span.character }, end: { line: span.endLine, character: span.endCharacter } };
}

function contains(span: Span, line: number, character: number): boolean {
  if (line < span.line || line > span.endLine) return false;
  if (line === span.line && character < span.character) return false;
  if (line === span.endLine && character > span.endCharacter) return false;
  return true;
}

/** The site under the cursor: the one whose callee is hit, else the smallest call containing it. */
function innermost(sites: readonly TaskSite[], line: number, character: number): number {
  const callee = sites.findIndex((s) => contains(s.calleeSpan, line, character));
  if (callee >= 0) return callee;
  let best = -1;
  let bestSize = Infinity;
  sites.forEach((s, i) => {
    if (!contains(s.span, line, character)) return;
    const size = (s.span.endLine - s.span.line) * 10_000 + (s.span.endCharacter - s.span.character);
    if (size < bestSize) {
      best = i;
      bestSize = size;
    }
  });
  return best;
}

function readFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function hashText(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i += 97) h = (h * 31 + text.charCodeAt(i)) | 0;
  return h;
}

/** Files named jugfile.* in the workspace (bounded walk; skips dependencies and stores). */
export function findJugfiles(roots: readonly string[], limit = 200): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 6 || found.length >= limit) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= limit) return;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name.endsWith(".jugdata")) continue;
        walk(full, depth + 1);
      } else if (entry.isFile() && isJugfileName(full)) {
        found.push(full);
      }
    }
  };
  for (const root of roots) walk(root, 0);
  return found;
}

if (require.main === module) {
  // Lazy so that tests importing createServer do not pull the node transport setup.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const node = require("vscode-languageserver/node") as typeof import("vscode-languageserver/node");
  const connection = node.createConnection(node.ProposedFeatures.all);
  createServer(connection);
  connection.listen();
}
