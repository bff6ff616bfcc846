// The sidebar tree of task graphs, as plain data (no `vscode`): jugfiles -> groups of tasks by
// function name -> tasks -> their dependencies (recursively). A DAG shown as a tree repeats shared
// tasks, so every node id is its path from the root (VS Code rejects duplicate ids).
import { basename, dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { StatusDocument, TaskState, TaskStatus } from "jug/protocol";
import type { BarrierInfo, JugfileGraph, StaticSite } from "../../server/src/protocol";
import { barrierSentence, barrierWhere, firstLine, formatSize, formatDuration, shortName } from "./format";

/** Codicon ids with an optional theme colour id. */
export interface TreeIcon {
  id: string;
  color?: string;
}

/** Where clicking the node goes: a 0-based line in a file. */
export interface SourceLocation {
  file: string;
  line: number;
}

interface NodeBase {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  icon: TreeIcon;
  /** "none" for leaves; "expanded" or "collapsed" otherwise. */
  collapsible: "none" | "collapsed" | "expanded";
  /** Drives the inline actions in package.json (menus view/item/context). */
  contextValue: string;
  reveal: SourceLocation | null;
  /** file: URI of the jugfile the node belongs to. */
  jugfileUri: string;
}

export interface JugfileNode extends NodeBase {
  kind: "jugfile";
}
export interface GroupNode extends NodeBase {
  kind: "group";
  /** Qualified function name shared by the group's tasks (the `--target` for run/invalidate). */
  name: string;
}
export interface TaskNode extends NodeBase {
  kind: "task";
  hash: string;
  name: string;
  state: TaskState;
}
export interface SiteNode extends NodeBase {
  kind: "site";
}
export interface MessageNode extends NodeBase {
  kind: "message";
}
export type TreeNode = JugfileNode | GroupNode | TaskNode | SiteNode | MessageNode;

export const STATE_ICONS: Record<TaskState, TreeIcon> = {
  complete: { id: "pass", color: "testing.iconPassed" },
  failed: { id: "error", color: "testing.iconFailed" },
  running: { id: "sync~spin", color: "debugIcon.startForeground" },
  ready: { id: "circle-large-outline" },
  waiting: { id: "clock", color: "testing.iconQueued" },
};

function jugfilePath(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

function siteLocation(jugfileUri: string, task: TaskStatus): SourceLocation | null {
  if (!task.site) return null;
  const file = isAbsolute(task.site.file) ? task.site.file : resolve(dirname(jugfilePath(jugfileUri)), task.site.file);
  return { file, line: Math.max(0, task.site.line - 1) };
}

/** "12/40 done · 2 running · 1 failed" */
export function progressText(counts: Record<TaskState, number>): string {
  const total = counts.waiting + counts.ready + counts.running + counts.complete + counts.failed;
  const parts = [`${counts.complete}/${total} done`];
  if (counts.running) parts.push(`${counts.running} running`);
  if (counts.failed) parts.push(`${counts.failed} failed`);
  return parts.join(" · ");
}

function countStates(tasks: readonly TaskStatus[]): Record<TaskState, number> {
  const counts: Record<TaskState, number> = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
  for (const t of tasks) counts[t.state]++;
  return counts;
}

function aggregateIcon(counts: Record<TaskState, number>): TreeIcon {
  if (counts.failed) return STATE_ICONS.failed;
  if (counts.running) return STATE_ICONS.running;
  if (counts.waiting + counts.ready === 0) return STATE_ICONS.complete;
  if (counts.complete) return { id: "circle-large-filled", color: "testing.iconQueued" };
  return STATE_ICONS.waiting;
}

/** One jugfile's graph indexed for the tree. */
class GraphIndex {
  readonly byHash = new Map<string, TaskStatus>();
  /** Tasks per qualified name, in the order the jugfile created them. */
  readonly groups = new Map<string, TaskStatus[]>();
  /** 1-based position of each task within its group ("computeFeatures #3"). */
  readonly ordinal = new Map<string, number>();

  constructor(readonly graph: JugfileGraph, readonly status: StatusDocument) {
    for (const task of status.tasks) {
      this.byHash.set(task.hash, task);
      const group = this.groups.get(task.name) ?? [];
      group.push(task);
      this.groups.set(task.name, group);
      this.ordinal.set(task.hash, group.length);
    }
  }
}

/** The tree over the graphs of all known jugfiles; children are computed on demand. */
export class TaskTreeModel {
  private readonly indexes = new Map<string, GraphIndex>();
  private readonly graphs: JugfileGraph[];

  constructor(graphs: readonly JugfileGraph[], private readonly workspaceRoot: string | null = null) {
    this.graphs = [...graphs].sort((a, b) => a.uri.localeCompare(b.uri));
    for (const g of this.graphs) if (g.status) this.indexes.set(g.uri, new GraphIndex(g, g.status));
  }

  /** Tasks not complete yet over all jugfiles with a known status (the view's badge). */
  tasksLeft(): number {
    let left = 0;
    for (const index of this.indexes.values()) {
      for (const t of index.status.tasks) if (t.state !== "complete") left++;
    }
    return left;
  }

  roots(): TreeNode[] {
    return this.graphs.map((g) => this.jugfileNode(g));
  }

  children(node: TreeNode): TreeNode[] {
    switch (node.kind) {
      case "jugfile":
        return this.jugfileChildren(node);
      case "group":
        return this.groupChildren(node);
      case "task":
        return this.dependencyNodes(node);
      default:
        return [];
    }
  }

  /** Finds the group node of a qualified task name (to reveal it from a lens). */
  groupOf(jugfileUri: string, name: string): GroupNode | null {
    const g = this.graphs.find((x) => x.uri === jugfileUri);
    if (!g) return null;
    for (const child of this.jugfileChildren(this.jugfileNode(g))) {
      if (child.kind === "group" && (child.name === name || shortName(child.name) === name)) return child;
    }
    return null;
  }

  private jugfileNode(g: JugfileGraph): JugfileNode {
    const path = jugfilePath(g.uri);
    const where = this.workspaceRoot && path.startsWith(this.workspaceRoot) ? path.slice(this.workspaceRoot.length + 1) : path;
    const parts: string[] = [];
    const lines = [where, `store: ${g.store}`];
    let icon: TreeIcon = { id: "file-code" };
    if (g.status) {
      const text = progressText(g.status.counts);
      parts.push(text);
      lines.push(text);
    }
    if (g.workers) parts.push(`${g.workers} worker${g.workers === 1 ? "" : "s"}`);
    if (g.barrier) {
      parts.push(`stops at a barrier (${barrierWhere(g.barrier, g.uri)})`);
      lines.push(barrierSentence(g.barrier));
    }
    if (!g.trusted) {
      parts.push("restricted");
      lines.push("Restricted Mode: trust the workspace to run tasks.");
    }
    if (g.loadError) {
      icon = STATE_ICONS.failed;
      lines.push(g.loadError);
    }
    return {
      kind: "jugfile",
      id: g.uri,
      jugfileUri: g.uri,
      label: where.includes("/") ? `${basename(path)} — ${dirname(where)}` : basename(path),
      description: parts.join(" · "),
      tooltip: lines.join("\n"),
      icon,
      collapsible: "expanded",
      contextValue: g.trusted ? "jugfile.trusted" : "jugfile",
      reveal: { file: path, line: 0 },
    };
  }

  private jugfileChildren(node: JugfileNode): TreeNode[] {
    const g = this.graphs.find((x) => x.uri === node.jugfileUri);
    if (!g) return [];
    const out: TreeNode[] = [];
    if (g.loadError) out.push(this.loadErrorNode(g));
    const index = this.indexes.get(g.uri);
    if (index) {
      for (const [name, tasks] of index.groups) out.push(this.groupNode(g, name, tasks));
      // Last: the groups above are the tasks before it; what follows it is not known yet.
      if (g.barrier) out.push(this.barrierNode(g, g.barrier));
      return out;
    }
    return [...out, ...this.staticGroups(g)];
  }

  private loadErrorNode(g: JugfileGraph): MessageNode {
    const error = g.loadError ?? "";
    const at = /([^\s()]+\.(?:m?ts|m?js)):(\d+)/.exec(error);
    return {
      kind: "message",
      id: `${g.uri}#error`,
      jugfileUri: g.uri,
      label: "The jugfile could not be loaded",
      description: firstLine(error),
      tooltip: error,
      icon: STATE_ICONS.failed,
      collapsible: "none",
      contextValue: "loadError",
      reveal: at ? { file: resolve(dirname(jugfilePath(g.uri)), at[1]!), line: Number(at[2]) - 1 } : null,
    };
  }

  private barrierNode(g: JugfileGraph, barrier: BarrierInfo): MessageNode {
    const passed = barrier.pending === 0;
    const failed = barrier.failed ? ` (${barrier.failed} failed)` : "";
    return {
      kind: "message",
      id: `${g.uri}#barrier`,
      jugfileUri: g.uri,
      label: `${passed ? "Past" : "Stops at"} the barrier at ${barrierWhere(barrier, g.uri)}`,
      description: passed ? "loading the tasks after it…" : `waiting for ${barrier.pending} of ${barrier.tasksBefore} · later tasks not known yet${failed}`,
      tooltip: barrierSentence(barrier),
      icon: { id: "debug-pause" },
      collapsible: "none",
      contextValue: "barrier",
      reveal: { file: jugfilePath(barrier.uri), line: barrier.line },
    };
  }

  private groupNode(g: JugfileGraph, name: string, tasks: readonly TaskStatus[]): GroupNode {
    const counts = countStates(tasks);
    const durations = tasks.map((t) => t.duration ?? 0).reduce((a, b) => a + b, 0);
    const first = tasks[0];
    return {
      kind: "group",
      id: `${g.uri}#${name}`,
      jugfileUri: g.uri,
      name,
      label: shortName(name),
      description: progressText(counts),
      tooltip: [name, progressText(counts), durations > 0 ? `computing took ${formatDuration(durations)} in total` : ""]
        .filter(Boolean)
        .join("\n"),
      icon: aggregateIcon(counts),
      collapsible: "collapsed",
      contextValue: g.trusted ? `group.trusted${counts.complete ? ".hasResults" : ""}` : "group",
      reveal: first ? siteLocation(g.uri, first) : null,
    };
  }

  private groupChildren(node: GroupNode): TreeNode[] {
    const index = this.indexes.get(node.jugfileUri);
    const tasks = index?.groups.get(node.name);
    if (!index || !tasks) return this.siteChildren(node);
    return tasks.map((t) => this.taskNode(index, t, node.id));
  }

  private taskNode(index: GraphIndex, task: TaskStatus, parentId: string): TaskNode {
    const deps = new Set(task.deps.filter((d) => index.byHash.has(d)));
    const details: string[] = [];
    if (task.state !== "complete") details.push(task.state);
    if (task.stale) details.push("stale");
    if (task.duration !== null) details.push(formatDuration(task.duration));
    if (task.size !== null) details.push(formatSize(task.size));
    const lines = [`${task.name} (${task.state}${task.stale ? ", stale: its code changed" : ""})`, `hash ${task.hash}`];
    if (task.site) lines.push(`created at ${basename(task.site.file)}:${task.site.line}`);
    if (task.worker) lines.push(`worker ${task.worker}`);
    if (task.duration !== null) lines.push(`took ${formatDuration(task.duration)}`);
    if (task.size !== null) lines.push(`result ${formatSize(task.size)}`);
    if (deps.size) lines.push(`${deps.size} dependenc${deps.size === 1 ? "y" : "ies"}`);
    if (task.error) lines.push(`error: ${task.error}`);
    if (task.preview) lines.push("", task.preview);
    const icon = task.stale && task.state === "complete" ? { id: "pass", color: "list.warningForeground" } : STATE_ICONS[task.state];
    return {
      kind: "task",
      id: `${parentId}/${task.hash}`,
      jugfileUri: index.graph.uri,
      hash: task.hash,
      name: task.name,
      state: task.state,
      label: `${shortName(task.name)} #${index.ordinal.get(task.hash) ?? 0}`,
      description: details.join(" · "),
      tooltip: lines.join("\n"),
      icon,
      collapsible: deps.size ? "collapsed" : "none",
      contextValue: `task.${task.state}${index.graph.trusted ? ".trusted" : ""}`,
      reveal: siteLocation(index.graph.uri, task),
    };
  }

  private dependencyNodes(node: TaskNode): TreeNode[] {
    const index = this.indexes.get(node.jugfileUri);
    const task = index?.byHash.get(node.hash);
    if (!index || !task) return [];
    const seen = new Set<string>();
    const out: TreeNode[] = [];
    for (const dep of task.deps) {
      const depTask = index.byHash.get(dep);
      if (!depTask || seen.has(dep)) continue;
      seen.add(dep);
      out.push(this.taskNode(index, depTask, node.id));
    }
    return out;
  }

  /** Without a runtime status (untrusted, or not loaded yet): groups of the call sites found statically. */
  private staticGroups(g: JugfileGraph): GroupNode[] {
    const byName = new Map<string, StaticSite[]>();
    for (const site of g.sites) {
      const name = site.name ?? "(anonymous)";
      byName.set(name, [...(byName.get(name) ?? []), site]);
    }
    const path = jugfilePath(g.uri);
    return [...byName].map(([name, sites]) => ({
      kind: "group",
      id: `${g.uri}#site:${name}`,
      jugfileUri: g.uri,
      name,
      label: name,
      description: `${sites.length} call site${sites.length === 1 ? "" : "s"}${sites.some((s) => s.repeated) ? " (in loops)" : ""}`,
      tooltip: g.trusted ? `${name}: status not loaded yet` : `${name}: Restricted Mode shows the call sites only`,
      icon: { id: "symbol-function" },
      collapsible: "collapsed",
      contextValue: g.trusted ? "group.trusted" : "group",
      reveal: sites[0] ? { file: path, line: sites[0].line } : null,
    }));
  }

  private siteChildren(node: GroupNode): SiteNode[] {
    const g = this.graphs.find((x) => x.uri === node.jugfileUri);
    if (!g) return [];
    const path = jugfilePath(g.uri);
    return g.sites
      .filter((s) => (s.name ?? "(anonymous)") === node.name)
      .map((s) => ({
        kind: "site",
        id: `${node.id}/${s.line}:${s.character}`,
        jugfileUri: g.uri,
        label: `line ${s.line + 1}`,
        description: s.repeated ? `${s.kind}, repeated` : s.kind,
        tooltip: `${basename(path)}:${s.line + 1}:${s.character + 1}`,
        icon: { id: "symbol-event" },
        collapsible: "none",
        contextValue: "site",
        reveal: { file: path, line: s.line },
      }));
  }
}
