// Starts the bundled language server (dist/server.js) over IPC and keeps the latest graph and
// live status of every jugfile. The server owns the parsing, the runtime calls and the workers;
// this side only asks and displays.
import * as vscode from "vscode";
import {
  CodeLensRequest,
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import {
  ClientCommands,
  GraphRequest,
  LogNotification,
  StatusChangedNotification,
  TrustChangedNotification,
  type GraphParams,
  type GraphResult,
  type InitializationOptions,
  type JugfileGraph,
  type LogParams,
  type StatusChangedParams,
  type TrustChangedParams,
} from "../../server/src/protocol";
import type { JugSettings } from "./settings";
import type { JugfileSummary } from "./statusSummary";

export class JugClient implements vscode.Disposable {
  private client: LanguageClient | null = null;
  private readonly graphs = new Map<string, JugfileGraph>();
  private readonly live = new Map<string, StatusChangedParams>();
  private readonly pendingGraph = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly workersCrashed = new vscode.EventEmitter<{ uri: string; crashed: number }>();
  /** Fires when a graph or a live status changed (tree, status bar, badge). */
  readonly onDidChange = this.changed.event;
  /** Fires when more workers of a jugfile exited with an error than before. */
  readonly onWorkersCrashed = this.workersCrashed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    private settings: JugSettings,
  ) {}

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  async start(): Promise<void> {
    if (this.client) return;
    const serverModule = this.context.asAbsolutePath("dist/server.js");
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      // "Attach to Server" in .vscode/launch.json connects to this port.
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ["--nolazy", "--inspect=6009"] } },
    };
    const initializationOptions: InitializationOptions = {
      runtimeCli: this.context.asAbsolutePath("dist/runtime/bin/jug.js"),
      trusted: vscode.workspace.isTrusted,
      ...(this.settings.nodePath ? { nodePath: this.settings.nodePath } : {}),
      ...(this.settings.storeDir ? { storeDir: this.settings.storeDir } : {}),
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file", pattern: this.settings.jugfileGlob }],
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions,
      // Hover links may run these (and only these) commands.
      markdown: { isTrusted: { enabledCommands: Object.values(ClientCommands) } },
      middleware: {
        provideCodeLenses: (document, token, next) => (this.settings.codeLensEnabled ? next(document, token) : []),
      },
    };
    const client = new LanguageClient("jug", "Jug Language Server", serverOptions, clientOptions);
    client.onNotification(StatusChangedNotification, (params: StatusChangedParams) => this.onStatusChanged(params));
    client.onNotification(LogNotification, (params: LogParams) => this.log.info(`[${params.source}] ${params.text}`));
    this.client = client;
    await client.start();
    this.log.info(`language server started (${serverModule})`);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    for (const timer of this.pendingGraph.values()) clearTimeout(timer);
    this.pendingGraph.clear();
    if (client) await client.stop();
  }

  async restart(settings: JugSettings): Promise<void> {
    this.settings = settings;
    await this.stop();
    this.graphs.clear();
    this.live.clear();
    await this.start();
  }

  updateSettings(settings: JugSettings): void {
    const lensesToggled = settings.codeLensEnabled !== this.settings.codeLensEnabled;
    this.settings = settings;
    if (lensesToggled) this.refreshLenses();
  }

  /** Asks VS Code to re-request lenses from our provider (the middleware applies jug.codeLens.enabled). */
  private refreshLenses(): void {
    const feature = this.client?.getFeature(CodeLensRequest.method);
    for (const editor of vscode.window.visibleTextEditors) {
      feature?.getProvider(editor.document)?.onDidChangeCodeLensEmitter.fire();
    }
  }

  /** Typed request to the server; rejects with the server's message (e.g. "workspace not trusted"). */
  async request<P, R>(method: string, params: P): Promise<R> {
    if (!this.client) throw new Error("The Jug language server is not running.");
    return this.client.sendRequest<R>(method, params);
  }

  notifyTrust(trusted: boolean): void {
    const params: TrustChangedParams = { trusted };
    void this.client?.sendNotification(TrustChangedNotification, params);
  }

  /** Loads the graph of the given jugfiles (or of every jugfile the server knows). */
  async refreshGraphs(uris?: readonly string[]): Promise<void> {
    const requests: GraphParams[] = uris ? uris.map((uri) => ({ uri })) : [{}];
    const results = await Promise.allSettled(requests.map((p) => this.request<GraphParams, GraphResult>(GraphRequest, p)));
    let lensesStale = false;
    for (const r of results) {
      if (r.status === "rejected") {
        this.log.warn(`jug/graph failed: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
        continue;
      }
      for (const g of r.value.jugfiles) {
        const before = this.graphs.get(g.uri);
        this.graphs.set(g.uri, g);
        if (JSON.stringify(before?.status?.counts) !== JSON.stringify(g.status?.counts)) lensesStale = true;
      }
    }
    // The server asks for a lens refresh when titles change; a new graph is a cheap extra nudge.
    if (lensesStale) this.refreshLenses();
    this.changed.fire();
  }

  forget(uri: string): void {
    this.graphs.delete(uri);
    this.live.delete(uri);
    this.changed.fire();
  }

  allGraphs(): JugfileGraph[] {
    return [...this.graphs.values()];
  }

  graph(uri: string): JugfileGraph | undefined {
    return this.graphs.get(uri);
  }

  summaries(): JugfileSummary[] {
    return this.allGraphs().map((g) => {
      const live = this.live.get(g.uri);
      return {
        uri: g.uri,
        counts: live?.counts ?? g.status?.counts ?? null,
        workers: live?.workers ?? g.workers,
        crashedWorkers: live?.crashedWorkers ?? 0,
        loadError: live ? live.loadError : g.loadError,
        trusted: g.trusted,
        barrier: (live ? live.barrier : g.barrier) ?? null,
      };
    });
  }

  private onStatusChanged(params: StatusChangedParams): void {
    const before = this.live.get(params.uri)?.crashedWorkers ?? 0;
    this.live.set(params.uri, params);
    if (params.crashedWorkers > before) this.workersCrashed.fire({ uri: params.uri, crashed: params.crashedWorkers });
    this.changed.fire();
    // The counts are live; the per-task graph (tree, badge) follows at most every 400 ms.
    if (this.pendingGraph.has(params.uri)) return;
    this.pendingGraph.set(
      params.uri,
      setTimeout(() => {
        this.pendingGraph.delete(params.uri);
        if (this.client) void this.refreshGraphs([params.uri]);
      }, 400),
    );
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
    this.workersCrashed.dispose();
  }
}
