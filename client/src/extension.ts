// Extension entry: wires the language client, the tree, the status bar, the result viewer and
// the commands. The language server starts when the workspace has a jugfile or one is opened.
import * as vscode from "vscode";
import { registerCommands } from "./commands";
import { JugClient } from "./languageClient";
import { ResultViewer } from "./resultViewer";
import { needsRestart, readSettings, type JugSettings } from "./settings";
import { JugStatusBar } from "./statusBar";
import { EmptyTreeProvider, TaskTreeProvider } from "./treeView";

let jug: JugClient | undefined;

function currentSettings(): JugSettings {
  const config = vscode.workspace.getConfiguration("jug");
  return readSettings((key) => config.get(key));
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel("Jug", { log: true });
  let settings = currentSettings();
  const client = new JugClient(context, log, settings);
  jug = client;
  const tree = new TaskTreeProvider(client);
  const statusBar = new JugStatusBar(client);
  const results = new ResultViewer(client);
  context.subscriptions.push(log, client, tree, statusBar, results);
  context.subscriptions.push(vscode.window.registerTreeDataProvider("jug.restricted", new EmptyTreeProvider()));

  let jugfiles: vscode.Uri[] = [];
  const isJugfile = (doc: vscode.TextDocument): boolean =>
    vscode.languages.match({ scheme: "file", pattern: settings.jugfileGlob }, doc) > 0;

  async function discover(): Promise<void> {
    jugfiles = await vscode.workspace.findFiles(settings.jugfileGlob, "**/node_modules/**");
    const open = vscode.workspace.textDocuments.filter(isJugfile).map((d) => d.uri);
    const all = new Map([...jugfiles, ...open].map((u) => [u.toString(), u]));
    await vscode.commands.executeCommand("setContext", "jug.noJugfiles", all.size === 0);
    log.info(`jugfiles: ${[...all.values()].map((u) => vscode.workspace.asRelativePath(u)).join(", ") || "none"}`);
    if (all.size === 0) return;
    if (!client.running) await client.start();
    await client.refreshGraphs([...all.keys()]);
  }

  const refresh = async (): Promise<void> => {
    try {
      await discover();
    } catch (e) {
      log.error(`refresh failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
  };

  context.subscriptions.push(
    ...registerCommands({ jug: client, tree, results, settings: () => settings, refresh }),
    client.onDidChange(() => {
      tree.update();
      statusBar.update();
    }),
    client.onWorkersCrashed(({ uri, crashed }) => {
      const name = vscode.workspace.asRelativePath(vscode.Uri.parse(uri));
      void vscode.window
        .showWarningMessage(`Jug: ${crashed} worker${crashed === 1 ? "" : "s"} for ${name} exited with an error.`, "Show Output")
        .then((choice) => choice && log.show(true));
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (isJugfile(doc) && !client.graph(doc.uri.toString())) void refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      client.notifyTrust(true);
      void refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration("jug")) return;
      const next = currentSettings();
      const restart = needsRestart(settings, next);
      settings = next;
      if (restart && client.running) void client.restart(next).then(refresh);
      else client.updateSettings(next);
    }),
  );

  const watcher = vscode.workspace.createFileSystemWatcher(settings.jugfileGlob);
  context.subscriptions.push(
    watcher,
    watcher.onDidCreate(() => void refresh()),
    watcher.onDidDelete((uri) => {
      client.forget(uri.toString());
      void refresh();
    }),
  );

  log.info(`Jug activated (workspace ${vscode.workspace.isTrusted ? "trusted" : "in Restricted Mode: nothing will run"})`);
  // Not awaited: activation ends at once; the server and the graphs arrive when ready.
  void refresh();
}

export function deactivate(): Thenable<void> | undefined {
  // The client stops the server, and the server stops its workers (whole process groups).
  return jug?.stop();
}
