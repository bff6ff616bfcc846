// The "Jug" commands. Each takes the argument a lens, a hover link or a tree row passes, and asks
// the user (quick pick) when run from the palette. Commands that run jugfile code check trust here
// as well as in package.json (enablement) and in the server.
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import * as vscode from "vscode";
import {
  CleanupRequest,
  InvalidateRequest,
  RunRequest,
  StartWorkersRequest,
  StopWorkersRequest,
  type CleanupParams,
  type CleanupResult,
  type InvalidateParams,
  type InvalidateResult,
  type JugfileGraph,
  type RevealTaskArgs,
  type RunParams,
  type RunResult,
  type RunTaskArgs,
  type ShowStatusArgs,
  type StartWorkersParams,
  type StopWorkersParams,
  type ViewResultArgs,
  type WorkersResult,
} from "../../server/src/protocol";
import { shortName } from "./format";
import type { JugClient } from "./languageClient";
import type { ResultViewer } from "./resultViewer";
import { defaultWorkerCount, parseWorkerCount, type JugSettings } from "./settings";
import { statusReport } from "./statusReport";
import type { TreeNode } from "./taskTree";
import type { TaskTreeProvider } from "./treeView";

export interface CommandContext {
  jug: JugClient;
  tree: TaskTreeProvider;
  results: ResultViewer;
  settings: () => JugSettings;
  /** Re-discovers jugfiles and reloads every graph. */
  refresh: () => Promise<void>;
}

const STATUS_SCHEME = "jug-status";

function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === "object" && value !== null && "kind" in value && "jugfileUri" in value;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(`Jug: ${action} runs the jugfile's code, which Restricted Mode does not allow.`, "Manage Workspace Trust")
    .then((choice) => choice && vscode.commands.executeCommand("workbench.trust.manage"));
  return false;
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const { jug, tree, results } = ctx;

  /** The jugfile a palette command is about: the active editor's, the only one, or the user's pick. */
  async function pickJugfile(title: string): Promise<JugfileGraph | undefined> {
    const graphs = jug.allGraphs();
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    const current = graphs.find((g) => g.uri === active);
    if (current) return current;
    if (graphs.length <= 1) {
      if (!graphs[0]) void vscode.window.showInformationMessage("Jug: no jugfile found in this workspace.");
      return graphs[0];
    }
    const pick = await vscode.window.showQuickPick(
      graphs.map((g) => ({ label: basename(vscode.Uri.parse(g.uri).fsPath), description: vscode.workspace.asRelativePath(vscode.Uri.parse(g.uri)), graph: g })),
      { title, placeHolder: "Which jugfile?" },
    );
    return pick?.graph;
  }

  /** A task name of a jugfile (for run/invalidate from the palette). */
  async function pickTarget(graph: JugfileGraph, title: string): Promise<string | undefined> {
    const names = graph.status ? [...new Set(graph.status.tasks.map((t) => t.name))] : [...new Set(graph.sites.map((s) => s.name ?? ""))].filter(Boolean);
    const pick = await vscode.window.showQuickPick(
      names.map((name) => {
        const tasks = graph.status?.tasks.filter((t) => t.name === name) ?? [];
        const done = tasks.filter((t) => t.state === "complete").length;
        return { label: shortName(name), description: tasks.length ? `${done}/${tasks.length} done` : "", name };
      }),
      { title, placeHolder: "Which tasks (by function name)?" },
    );
    return pick?.name;
  }

  async function startWorkers(arg?: TreeNode): Promise<void> {
    if (!requireTrust("Starting workers")) return;
    const graph = isTreeNode(arg) ? jug.graph(arg.jugfileUri) : await pickJugfile("Jug: Start Workers");
    if (!graph) return;
    const cores = availableParallelism();
    const input = await vscode.window.showInputBox({
      title: `Jug: Start Workers for ${basename(vscode.Uri.parse(graph.uri).fsPath)}`,
      prompt: `How many workers? This machine has ${cores} CPU core${cores === 1 ? "" : "s"}.`,
      value: String(defaultWorkerCount(ctx.settings(), cores)),
      validateInput: (text) => {
        const parsed = parseWorkerCount(text);
        return "error" in parsed ? parsed.error : undefined;
      },
    });
    if (input === undefined) return;
    const parsed = parseWorkerCount(input);
    if ("error" in parsed) return;
    try {
      const r = await jug.request<StartWorkersParams, WorkersResult>(StartWorkersRequest, { uri: graph.uri, count: parsed.count });
      vscode.window.setStatusBarMessage(`Jug: ${r.running} worker${r.running === 1 ? "" : "s"} running`, 4000);
    } catch (e) {
      void vscode.window.showErrorMessage(`Jug: could not start workers: ${message(e)}`, "Show Output").then((c) => c && jug.log.show(true));
    }
  }

  async function stopWorkers(arg?: TreeNode): Promise<void> {
    const params: StopWorkersParams = isTreeNode(arg) ? { uri: arg.jugfileUri } : {};
    try {
      await jug.request<StopWorkersParams, WorkersResult>(StopWorkersRequest, params);
      vscode.window.setStatusBarMessage("Jug: workers stopped", 4000);
    } catch (e) {
      void vscode.window.showErrorMessage(`Jug: could not stop workers: ${message(e)}`);
    }
  }

  async function runTask(arg?: RunTaskArgs | TreeNode): Promise<void> {
    if (!requireTrust("Running a task")) return;
    let params: RunParams | undefined;
    if (isTreeNode(arg)) {
      if (arg.kind === "task") params = { uri: arg.jugfileUri, hash: arg.hash };
      else if (arg.kind === "group") params = { uri: arg.jugfileUri, target: arg.name };
    } else if (arg?.uri) {
      params = arg;
    } else {
      const graph = await pickJugfile("Jug: Run Task");
      const target = graph && (await pickTarget(graph, "Jug: Run Task"));
      if (graph && target) params = { uri: graph.uri, target };
    }
    if (!params) return;
    try {
      const r = await jug.request<RunParams, RunResult>(RunRequest, params);
      if (r.started) vscode.window.setStatusBarMessage(`Jug: ${r.message}`, 4000);
      else void vscode.window.showWarningMessage(`Jug: ${r.message}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Jug: could not run: ${message(e)}`, "Show Output").then((c) => c && jug.log.show(true));
    }
  }

  async function viewResult(arg?: ViewResultArgs | TreeNode): Promise<void> {
    if (isTreeNode(arg)) {
      if (arg.kind === "task") await results.open(arg.jugfileUri, arg.hash, arg.name);
      return;
    }
    if (arg?.hash) {
      await results.open(arg.uri, arg.hash, arg.name);
      return;
    }
    const graph = await pickJugfile("Jug: View Result");
    const done = graph?.status?.tasks.filter((t) => t.state === "complete") ?? [];
    if (!graph) return;
    if (done.length === 0) {
      void vscode.window.showInformationMessage("Jug: no task of this jugfile has a result yet.");
      return;
    }
    const ordinal = new Map<string, number>();
    const pick = await vscode.window.showQuickPick(
      done.map((t) => {
        const i = (ordinal.get(t.name) ?? 0) + 1;
        ordinal.set(t.name, i);
        return { label: `${shortName(t.name)} #${i}`, description: t.preview ?? "", task: t };
      }),
      { title: "Jug: View Result", placeHolder: "Which result?", matchOnDescription: true },
    );
    if (pick) await results.open(graph.uri, pick.task.hash, pick.task.name);
  }

  async function invalidate(arg?: RunTaskArgs | TreeNode): Promise<void> {
    if (!requireTrust("Invalidating")) return;
    let params: InvalidateParams | undefined;
    let what = "";
    if (isTreeNode(arg)) {
      if (arg.kind === "task") [params, what] = [{ uri: arg.jugfileUri, hash: arg.hash }, arg.label];
      else if (arg.kind === "group") [params, what] = [{ uri: arg.jugfileUri, target: arg.name }, `every ${arg.label} task`];
    } else if (arg?.uri) {
      params = arg.hash ? { uri: arg.uri, hash: arg.hash } : { uri: arg.uri, ...(arg.target ? { target: arg.target } : {}) };
      what = arg.target ?? "the task";
    } else {
      const graph = await pickJugfile("Jug: Invalidate Task");
      const target = graph && (await pickTarget(graph, "Jug: Invalidate Task (and downstream)"));
      if (graph && target) [params, what] = [{ uri: graph.uri, target }, `every ${shortName(target)} task`];
    }
    if (!params) return;
    const ok = await vscode.window.showWarningMessage(
      `Remove the results of ${what} and of everything computed from them?`,
      { modal: true },
      "Invalidate",
    );
    if (ok !== "Invalidate") return;
    try {
      const r = await jug.request<InvalidateParams, InvalidateResult>(InvalidateRequest, params);
      void vscode.window.showInformationMessage(`Jug: removed ${r.removed} result${r.removed === 1 ? "" : "s"}.`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Jug: could not invalidate: ${message(e)}`);
    }
  }

  async function cleanup(arg?: TreeNode): Promise<void> {
    if (!requireTrust("Cleanup")) return;
    const graph = isTreeNode(arg) ? jug.graph(arg.jugfileUri) : await pickJugfile("Jug: Cleanup");
    if (!graph) return;
    const pick = await vscode.window.showQuickPick(
      [
        { label: "Locks and failure markers", params: {} },
        { label: "Stale locks only", params: { locksOnly: true } },
        { label: "Failure markers only", params: { failedOnly: true } },
      ],
      { title: "Jug: Cleanup", placeHolder: "What to remove from the store? (results are kept)" },
    );
    if (!pick) return;
    try {
      const r = await jug.request<CleanupParams, CleanupResult>(CleanupRequest, { uri: graph.uri, ...pick.params });
      void vscode.window.showInformationMessage(`Jug: ${r.message}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`Jug: cleanup failed: ${message(e)}`);
    }
  }

  async function showStatus(arg?: ShowStatusArgs): Promise<void> {
    if (arg?.uri) {
      // From a status lens: select the tasks of that call site in the tree.
      const graph = jug.graph(arg.uri);
      const first = graph?.status?.tasks.find((t) => arg.hashes.includes(t.hash));
      const site = graph?.sites.find((s) => s.line === arg.line);
      await tree.revealGroup(arg.uri, first?.name ?? site?.name ?? null);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: STATUS_SCHEME, path: "/Jug Status.txt", query: String(Date.now()) }));
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async function revealTask(arg?: RevealTaskArgs | TreeNode): Promise<void> {
    const location = isTreeNode(arg)
      ? arg.reveal && { uri: vscode.Uri.file(arg.reveal.file), line: arg.reveal.line }
      : arg && { uri: vscode.Uri.parse(arg.uri), line: arg.line };
    if (!location) return;
    const position = new vscode.Position(location.line, 0);
    await vscode.window.showTextDocument(location.uri, { selection: new vscode.Range(position, position), preview: true });
  }

  const statusDocuments = vscode.workspace.registerTextDocumentContentProvider(STATUS_SCHEME, {
    provideTextDocumentContent: () => statusReport(jug.allGraphs(), new Date()),
  });

  return [
    statusDocuments,
    vscode.commands.registerCommand("jug.startWorkers", startWorkers),
    vscode.commands.registerCommand("jug.stopWorkers", stopWorkers),
    vscode.commands.registerCommand("jug.runTask", runTask),
    vscode.commands.registerCommand("jug.viewResult", viewResult),
    vscode.commands.registerCommand("jug.invalidate", invalidate),
    vscode.commands.registerCommand("jug.showStatus", showStatus),
    vscode.commands.registerCommand("jug.revealTask", revealTask),
    vscode.commands.registerCommand("jug.cleanup", cleanup),
    vscode.commands.registerCommand("jug.showOutput", () => jug.log.show(true)),
    vscode.commands.registerCommand("jug.refresh", () => ctx.refresh()),
    vscode.commands.registerCommand("jug.nextResultPage", () => results.turnPage(1)),
    vscode.commands.registerCommand("jug.previousResultPage", () => results.turnPage(-1)),
  ];
}
