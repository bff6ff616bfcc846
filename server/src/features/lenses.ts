/**
 * CodeLens titles and commands for one call site, computed fully in one pass (no resolve step,
 * so a cancelled resolve can never show "missing command"). Commands are client command ids.
 */
import type { TaskStatus } from "jug/protocol";
import { ClientCommands, type RunTaskArgs, type ShowStatusArgs, type ViewResultArgs } from "../protocol";
import type { Span, TaskSite } from "../analysis/types";
import { countStates, formatCounts, formatState } from "./format";
import { notCreatedTitle, revealBarrierArgs, type BarrierPlace } from "./barrier";

export interface LensContext {
  uri: string;
  trusted: boolean;
  /** The editor buffer differs from the file on disk (the runtime runs the file on disk). */
  dirty: boolean;
  /** Where the tasks come from: the runtime's status (joined by line), the store read-only (joined by name), or nothing yet. */
  source: "runtime" | "store" | "none";
  /** The last `jug status` failed to load the jugfile (overrides any status kept from before). */
  loadFailed: boolean;
  /** Where the jugfile stops at a blocking barrier (runtime status only); null when it runs to its end. */
  barrier: BarrierPlace | null;
}

export interface LensSpec {
  span: Span;
  title: string;
  command: string;
  args: unknown[];
}

export function siteLenses(site: TaskSite, tasks: readonly TaskStatus[], ctx: LensContext): LensSpec[] {
  const span = site.calleeSpan;
  const lenses: LensSpec[] = [];
  const single = tasks.length === 1 && !site.repeated ? tasks[0]! : undefined;
  const suffix = ctx.dirty ? " (unsaved changes)" : "";
  if (ctx.barrier && ctx.source === "runtime" && !ctx.loadFailed && tasks.length === 0) {
    // Not created because the load stopped at the barrier: no Run (a --target run of it would stop
    // there too); the click goes to the barrier, whose lens runs what it waits for.
    const reveal = revealBarrierArgs(ctx.barrier, ctx.uri);
    return [{ span, title: notCreatedTitle(site, ctx.barrier) + suffix, command: ClientCommands.revealTask, args: [reveal] }];
  }
  if (ctx.trusted) {
    const run: RunTaskArgs = { uri: ctx.uri, ...(single ? { hash: single.hash } : {}), ...(site.name ? { target: site.name } : {}) };
    lenses.push({ span, title: single?.state === "complete" ? "▶ Run again" : "▶ Run", command: ClientCommands.runTask, args: [run] });
  }
  const status: ShowStatusArgs = { uri: ctx.uri, line: site.span.line, hashes: tasks.map((t) => t.hash) };
  lenses.push({ span, title: statusTitle(site, tasks, ctx) + suffix, command: ClientCommands.showStatus, args: [status] });
  if (single?.state === "complete") {
    const view: ViewResultArgs = { uri: ctx.uri, hash: single.hash, name: single.name };
    lenses.push({ span, title: "View result", command: ClientCommands.viewResult, args: [view] });
  }
  return lenses;
}

function statusTitle(site: TaskSite, tasks: readonly TaskStatus[], ctx: LensContext): string {
  if (ctx.source === "store") {
    // Read-only (restricted mode): only stored results and failures, matched by function name.
    if (tasks.length === 0) return "no stored results (restricted mode: not run)";
    return `${formatCounts(countStates(tasks))} stored (restricted mode)`;
  }
  // The status kept from an earlier load describes a file that no longer loads: say so instead.
  if (ctx.loadFailed) return "✗ jugfile failed to load (see problems)";
  if (ctx.source === "none") return ctx.trusted ? "status: loading…" : "restricted mode: not run";
  if (tasks.length === 0) return "no tasks created here";
  if (tasks.length === 1 && !site.repeated) return formatState(tasks[0]!);
  return formatCounts(countStates(tasks));
}
