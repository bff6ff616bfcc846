// The "Tasks" view: TaskTreeModel (pure) rendered through a TreeDataProvider, with the badge of
// tasks left. Node ids are path-based (see taskTree.ts), so expansion survives live updates.
import * as vscode from "vscode";
import { TaskTreeModel, type TreeNode } from "./taskTree";
import type { JugClient } from "./languageClient";

export const TASKS_VIEW = "jug.tasks";

export class TaskTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private model = new TaskTreeModel([]);
  private readonly parents = new Map<string, TreeNode>();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;

  constructor(private readonly jug: JugClient) {
    this.view = vscode.window.createTreeView(TASKS_VIEW, { treeDataProvider: this, showCollapseAll: true });
  }

  update(): void {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? null;
    this.model = new TaskTreeModel(this.jug.allGraphs(), root);
    this.parents.clear();
    const left = this.model.tasksLeft();
    this.view.badge = left > 0 ? { value: left, tooltip: `${left} task${left === 1 ? "" : "s"} left to run` } : undefined;
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const state =
      node.collapsible === "none"
        ? vscode.TreeItemCollapsibleState.None
        : node.collapsible === "expanded"
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    // Plain string tooltip: result previews are shown as text, never as markdown.
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    // Groups and jugfiles expand on click; tasks, call sites and errors go to their line.
    if (node.reveal && (node.kind === "task" || node.kind === "site" || node.kind === "message")) {
      item.command = {
        command: "jug.revealTask",
        title: "Go to Call Site",
        arguments: [{ uri: vscode.Uri.file(node.reveal.file).toString(), line: node.reveal.line }],
      };
    }
    return item;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    const children = node ? this.model.children(node) : this.model.roots();
    if (node) for (const child of children) this.parents.set(child.id, node);
    return children;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    const known = this.parents.get(node.id);
    if (known) return known;
    if (node.kind === "group") return this.model.roots().find((r) => r.jugfileUri === node.jugfileUri);
    return undefined;
  }

  /** Selects the group of a task name (or the jugfile) and opens the view, e.g. from a status lens. */
  async revealGroup(jugfileUri: string, name: string | null): Promise<void> {
    const group = name ? this.model.groupOf(jugfileUri, name) : null;
    const target = group ?? this.model.roots().find((r) => r.jugfileUri === jugfileUri);
    if (target) await this.view.reveal(target, { select: true, focus: false, expand: true });
    else await vscode.commands.executeCommand(`${TASKS_VIEW}.focus`);
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}

/** The welcome-only view shown in Restricted Mode (package.json viewsWelcome). */
export class EmptyTreeProvider implements vscode.TreeDataProvider<never> {
  getTreeItem(): vscode.TreeItem {
    throw new Error("the restricted-mode view has no items");
  }
  getChildren(): never[] {
    return [];
  }
}
