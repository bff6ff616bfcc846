// What the status bar item says, from the latest status of every jugfile (no `vscode`).
import type { TaskState } from "jug/protocol";
import type { BarrierInfo } from "../../server/src/protocol";
import { barrierSentence } from "./format";

export interface JugfileSummary {
  uri: string;
  counts: Record<TaskState, number> | null;
  workers: number;
  crashedWorkers: number;
  loadError: string | null;
  trusted: boolean;
  /** Where the jugfile stops at a blocking barrier (its later tasks are not counted yet). */
  barrier: BarrierInfo | null;
}

export interface StatusBarView {
  /** Text with codicons, e.g. "$(sync~spin) Jug 12/40 · 2 workers". */
  text: string;
  tooltip: string;
  /** "error" gets the error background, "warning" the warning background. */
  severity: "normal" | "warning" | "error";
  /** Worker crashes call for the log rather than the tree. */
  action: "openTree" | "showOutput";
}

function total(counts: Record<TaskState, number>): number {
  return counts.waiting + counts.ready + counts.running + counts.complete + counts.failed;
}

export function summarize(jugfiles: readonly JugfileSummary[]): StatusBarView {
  if (jugfiles.length === 0) {
    return { text: "$(beaker) Jug", tooltip: "Jug: no jugfile loaded", severity: "normal", action: "openTree" };
  }
  const sum: Record<TaskState, number> = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
  let known = false;
  let workers = 0;
  let crashed = 0;
  let loadErrors = 0;
  const barriers = jugfiles.flatMap((j) => (j.barrier ? [j.barrier] : []));
  for (const j of jugfiles) {
    workers += j.workers;
    crashed += j.crashedWorkers;
    if (j.loadError) loadErrors++;
    // All-zero counts mean "no task known yet" (e.g. Restricted Mode before any stored result).
    if (!j.counts || total(j.counts) === 0) continue;
    known = true;
    for (const state of Object.keys(sum) as TaskState[]) sum[state] += j.counts[state];
  }
  const trusted = jugfiles.every((j) => j.trusted);
  const all = total(sum);
  const parts: string[] = [];
  const tooltip: string[] = [];
  // Behind a barrier more tasks will come: all done so far is not all done.
  const finished = known && all > 0 && sum.complete === all && barriers.length === 0;
  let icon = workers > 0 ? "$(sync~spin)" : finished ? "$(check-all)" : "$(beaker)";
  parts.push(known ? `Jug ${sum.complete}/${all}` : "Jug");
  if (known) tooltip.push(`${sum.complete} of ${all} tasks done, ${sum.running} running, ${sum.waiting + sum.ready} to do`);
  if (workers > 0) {
    parts.push(`${workers} worker${workers === 1 ? "" : "s"}`);
    tooltip.push(`${workers} worker${workers === 1 ? "" : "s"} running`);
  }
  if (barriers.length) {
    parts.push(`$(debug-pause) ${barriers.length === 1 ? "barrier" : `${barriers.length} barriers`}`);
    tooltip.push(...barriers.map(barrierSentence));
  }
  let severity: StatusBarView["severity"] = "normal";
  let action: StatusBarView["action"] = "openTree";
  if (sum.failed) {
    parts.push(`$(error) ${sum.failed} failed`);
    tooltip.push(`${sum.failed} task${sum.failed === 1 ? "" : "s"} failed`);
    severity = "error";
  }
  if (loadErrors) {
    parts.push("$(error) jugfile error");
    tooltip.push(`${loadErrors} jugfile${loadErrors === 1 ? "" : "s"} could not be loaded (see Problems)`);
    severity = "error";
  }
  if (crashed) {
    parts.push(`$(warning) ${crashed} worker${crashed === 1 ? "" : "s"} died`);
    tooltip.push(`${crashed} worker${crashed === 1 ? "" : "s"} exited with an error: click to open the log`);
    severity = "error";
    action = "showOutput";
  }
  if (!trusted) {
    icon = "$(shield)";
    parts.push("restricted");
    tooltip.push("Restricted Mode: status is read-only; trust the workspace to run tasks");
  }
  return { text: `${icon} ${parts.join(" · ")}`, tooltip: tooltip.join("\n") || "Jug", severity, action };
}
