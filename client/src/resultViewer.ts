// View Result: a read-only virtual document per result page (jug-result: scheme), plus a
// script-free webview with a plot/histogram of number arrays and a table of records.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { ResultRequest, type ResultPage, type ResultParams } from "../../server/src/protocol";
import {
  RESULT_PAGE_SIZE,
  RESULT_SCHEME,
  hasPicture,
  pageInfo,
  parseResultQuery,
  resultDocumentText,
  resultPictureHtml,
  resultUriParts,
  type ResultAddress,
} from "./resultView";
import { shortName } from "./format";
import type { JugClient } from "./languageClient";

export class ResultViewer implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly pages = new Map<string, ResultPage>();
  private readonly registration: vscode.Disposable;
  private panel: vscode.WebviewPanel | null = null;

  constructor(private readonly jug: JugClient) {
    this.registration = vscode.Disposable.from(
      vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, this),
      // The page buttons in the editor title only for results with more than one page.
      vscode.window.onDidChangeActiveTextEditor((editor) => this.updatePagingContext(editor)),
    );
  }

  private updatePagingContext(editor: vscode.TextEditor | undefined): void {
    const page = editor?.document.uri.scheme === RESULT_SCHEME ? this.pages.get(editor.document.uri.toString()) : undefined;
    const paged = page !== undefined && pageInfo(page, RESULT_PAGE_SIZE).pages > 1;
    void vscode.commands.executeCommand("setContext", "jug.resultIsPaged", paged);
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const address = parseResultQuery(uri.query);
    if (!address) return `Not a Jug result address: ${uri.toString()}`;
    try {
      const page = await this.fetch(address);
      return resultDocumentText(page, RESULT_PAGE_SIZE);
    } catch (e) {
      return `// ${address.name} (task ${address.hash})\n\nThe result could not be read: ${e instanceof Error ? e.message : String(e)}\n`;
    }
  }

  /** Opens the first page of a result, and its picture beside it when it has numbers or records. */
  async open(jugfile: string, hash: string, name: string): Promise<void> {
    const address: ResultAddress = { jugfile, hash, name, offset: 0 };
    const doc = await vscode.workspace.openTextDocument(this.uriOf(address));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    this.updatePagingContext(editor);
    const page = this.pages.get(this.uriOf(address).toString());
    if (page && hasPicture(page)) this.showPicture(page);
  }

  /** Next/previous page of the result shown in the active editor. */
  async turnPage(direction: 1 | -1): Promise<void> {
    const uri = vscode.window.activeTextEditor?.document.uri;
    const address = uri?.scheme === RESULT_SCHEME ? parseResultQuery(uri.query) : null;
    const page = uri && this.pages.get(uri.toString());
    if (!address || !page) {
      void vscode.window.showInformationMessage("Jug: open a result (View Result) to page through it.");
      return;
    }
    const info = pageInfo(page, RESULT_PAGE_SIZE);
    const offset = direction === 1 ? info.nextOffset : info.previousOffset;
    if (offset === null) {
      vscode.window.setStatusBarMessage(`Jug: this is the ${direction === 1 ? "last" : "first"} page`, 3000);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(this.uriOf({ ...address, offset }));
    this.updatePagingContext(await vscode.window.showTextDocument(doc, { preview: true }));
  }

  private uriOf(address: ResultAddress): vscode.Uri {
    const parts = resultUriParts(address);
    return vscode.Uri.from({ scheme: RESULT_SCHEME, path: parts.path, query: parts.query });
  }

  private async fetch(address: ResultAddress): Promise<ResultPage> {
    const params: ResultParams = { uri: address.jugfile, hash: address.hash, offset: address.offset, limit: RESULT_PAGE_SIZE };
    const page = await this.jug.request<ResultParams, ResultPage>(ResultRequest, params);
    this.pages.set(this.uriOf(address).toString(), page);
    return page;
  }

  private showPicture(page: ResultPage): void {
    const title = `${shortName(page.name)} (picture)`;
    if (!this.panel) {
      // No scripts and no local resources: the page is static HTML with inline SVG.
      this.panel = vscode.window.createWebviewPanel(
        "jug.resultPicture",
        title,
        { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
        { enableScripts: false, localResourceRoots: [] },
      );
      this.panel.onDidDispose(() => (this.panel = null));
    } else {
      this.panel.title = title;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.panel.webview.html = resultPictureHtml(page, randomBytes(16).toString("base64"));
  }

  dispose(): void {
    this.registration.dispose();
    this.panel?.dispose();
  }
}
