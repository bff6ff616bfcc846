/**
 * `jug graph`: the jugfile's tasks grouped by name, with counts per state and the name -> name
 * edges their dependencies make (jug's graph subcommand). `--json` prints the document below
 * (GRAPH_SCHEMA_VERSION), `--dot` Graphviz text, and by default a readable summary.
 */
import type { Task } from "../api/task";
import { stateCounts } from "../engine/status";
import { TASK_STATES, type TaskState } from "../protocol/status";
import type { StoreSnapshot } from "../store/types";
import { openJug, EXIT_OK, type CommonOptions } from "./common";
import { formatSite } from "../api/callsite";

/** Bump when a field changes meaning or disappears (adding fields keeps the version). */
export const GRAPH_SCHEMA_VERSION = 1;

export interface GraphDocument {
  version: typeof GRAPH_SCHEMA_VERSION;
  jugfile: string;
  /** Where the jugfile stopped at a barrier ("file:line:column"), or null: tasks after it are not known yet. */
  barrier: string | null;
  /** One node per task name, sorted by name. */
  nodes: Array<{ name: string; total: number; counts: Record<TaskState, number> }>;
  /** Tasks named `from` are dependencies of tasks named `to`; `count` task-level dependencies make this edge. Sorted. */
  edges: Array<{ from: string; to: string; count: number }>;
}

export interface GraphOptions extends CommonOptions {
  json?: boolean;
  dot?: boolean;
}

/** The graph of `tasks` (creation order) with states from `snapshot`. Pure. */
export function taskGraph(jugfile: string, barrier: string | null, tasks: readonly Task<unknown>[], idCount: number, snapshot: StoreSnapshot): GraphDocument {
  const { rows } = stateCounts(tasks, idCount, snapshot);
  const nodes = rows.map(({ name, counts }) => ({ name, total: TASK_STATES.reduce((n, s) => n + counts[s], 0), counts }));
  const edgeCounts = new Map<string, Map<string, number>>();
  const seen = new Uint8Array(idCount);
  for (const t of tasks) {
    if (seen[t.id]) continue; // a task created twice has one set of dependencies
    seen[t.id] = 1;
    for (const d of t.deps) {
      let into = edgeCounts.get(d.name);
      if (!into) edgeCounts.set(d.name, (into = new Map()));
      into.set(t.name, (into.get(t.name) ?? 0) + 1);
    }
  }
  const edges = [...edgeCounts].flatMap(([from, into]) => [...into].map(([to, count]) => ({ from, to, count })));
  edges.sort((a, b) => (a.from === b.from ? compare(a.to, b.to) : compare(a.from, b.from)));
  return { version: GRAPH_SCHEMA_VERSION, jugfile, barrier, nodes, edges };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const STATE_LETTER: Record<TaskState, string> = { waiting: "W", ready: "R", running: "A", complete: "C", failed: "F" };

/** A Graphviz quoted string (a newline becomes the label line break \n). */
function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Graphviz text: a box per name labelled with its state counts (jug's letters: W R A C F), an arrow per dependency. */
export function toDot(graph: GraphDocument): string {
  const lines = ["digraph jug {", "  node [shape=box];"];
  for (const n of graph.nodes) {
    const counts = TASK_STATES.filter((s) => n.counts[s] > 0).map((s) => `${STATE_LETTER[s]}:${n.counts[s]}`).join(" ");
    lines.push(`  ${quote(n.name)} [label=${quote(`${n.name}\n${counts}`)}];`);
  }
  for (const e of graph.edges) lines.push(`  ${quote(e.from)} -> ${quote(e.to)}${e.count > 1 ? ` [label=${quote(String(e.count))}]` : ""};`);
  lines.push("}");
  return lines.join("\n");
}

/** One paragraph per name: its counts, then the names it reads from. */
export function toText(graph: GraphDocument): string {
  const inputs = new Map<string, string[]>();
  for (const e of graph.edges) (inputs.get(e.to) ?? inputs.set(e.to, []).get(e.to)!).push(e.from);
  const out = graph.nodes.map((n) => {
    const counts = TASK_STATES.filter((s) => n.counts[s] > 0).map((s) => `${n.counts[s]} ${s}`).join(", ");
    const from = inputs.get(n.name);
    return `${n.name}: ${n.total} task${n.total === 1 ? "" : "s"} (${counts})\n  needs: ${from ? from.join(", ") : "-"}`;
  });
  if (graph.barrier) out.push(`(stopped at the barrier at ${graph.barrier}: later tasks are not known yet)`);
  return out.join("\n");
}

export async function graphCommand(jugfileArg: string | undefined, options: GraphOptions, userArgs: readonly string[]): Promise<number> {
  const ctx = await openJug(jugfileArg, options, userArgs);
  let graph: GraphDocument;
  try {
    graph = taskGraph(ctx.jugfile, ctx.barrier ? formatSite(ctx.barrier) : null, ctx.tasks, ctx.unique.length, await ctx.store.snapshot());
  } finally {
    await ctx.store.close();
  }
  const text = options.json ? JSON.stringify(graph) : options.dot ? toDot(graph) : toText(graph);
  process.stdout.write(`${text}\n`);
  return EXIT_OK;
}
