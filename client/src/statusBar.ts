// One status bar item: workers, done/total, failures (error background); click opens the tree,
// or the log when workers died.
import * as vscode from "vscode";
import { summarize } from "./statusSummary";
import type { JugClient } from "./languageClient";

export class JugStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("jug.status", vscode.StatusBarAlignment.Left, 10);

  constructor(private readonly jug: JugClient) {
    this.item.name = "Jug";
    this.update();
    this.item.show();
  }

  update(): void {
    const view = summarize(this.jug.summaries());
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor =
      view.severity === "normal" ? undefined : new vscode.ThemeColor(`statusBarItem.${view.severity}Background`);
    this.item.command = view.action === "showOutput" ? "jug.showOutput" : "workbench.view.extension.jug";
  }

  dispose(): void {
    this.item.dispose();
  }
}
