// The text of "Jug: Show Status" (a read-only document): one table per jugfile, a row per task
// name with its counts per state, as `jug status` prints them (no `vscode`).
import { TASK_STATES, type TaskState } from "jug/protocol";
import type { JugfileGraph } from "../../server/src/protocol";
import { barrierSentence, shortName } from "./format";

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function statusReport(graphs: readonly JugfileGraph[], now: Date): string {
  const out: string[] = [`Jug status at ${now.toISOString()}`, ""];
  if (graphs.length === 0) out.push("No jugfile found in this workspace.");
  for (const g of graphs) {
    out.push(`${g.uri}`, `store: ${g.store}`, `workers: ${g.workers}${g.trusted ? "" : " (Restricted Mode: read-only)"}`);
    if (g.loadError) out.push("", "The jugfile could not be loaded:", g.loadError);
    if (!g.status) {
      out.push("", g.trusted ? "No status yet." : "Trust the workspace to load the task graph.", "");
      continue;
    }
    const rows = new Map<string, Record<TaskState, number>>();
    for (const t of g.status.tasks) {
      const row = rows.get(t.name) ?? { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
      row[t.state]++;
      rows.set(t.name, row);
    }
    const nameWidth = Math.max(9, ...[...rows.keys()].map((n) => shortName(n).length));
    const header = [pad("Task name", nameWidth), ...TASK_STATES.map((s) => pad(s, 9, true))].join("  ");
    out.push("", header, "-".repeat(header.length));
    for (const [name, row] of rows) {
      out.push([pad(shortName(name), nameWidth), ...TASK_STATES.map((s) => pad(String(row[s]), 9, true))].join("  "));
    }
    out.push("-".repeat(header.length));
    out.push([pad("Total", nameWidth), ...TASK_STATES.map((s) => pad(String(g.status!.counts[s]), 9, true))].join("  "));
    if (g.barrier) out.push(barrierSentence(g.barrier));
    out.push("");
  }
  return out.join("\n");
}
