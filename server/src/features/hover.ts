/**
 * Hover text for a task call or a generator: state, duration, worker, short hash and the stored
 * preview (metadata only, the value is never loaded). All runtime-provided text is escaped or
 * fenced (see markdown.ts).
 */
import type { TaskStatus } from "jug/protocol";
import { formatDuration, formatSize } from "jug/protocol";
import { countStates, formatCounts, shortHash } from "./format";
import { codeBlock, escapeMarkdown } from "./markdown";
import { barrierSentence, type BarrierPlace } from "./barrier";

/** How many tasks of a loop call get their own line in the hover. */
export const HOVER_SAMPLE = 5;

export interface HoverContext {
  dirty: boolean;
  source: "runtime" | "store" | "none";
  trusted: boolean;
  /** Where the jugfile stops at a blocking barrier (runtime status); null when it runs to its end. */
  barrier: BarrierPlace | null;
}

export function tasksHover(title: string, tasks: readonly TaskStatus[], many: boolean, ctx: HoverContext): string {
  const parts: string[] = [`**${escapeMarkdown(title)}**`];
  if (ctx.source === "none") {
    parts.push(escapeMarkdown(ctx.trusted ? "No status yet." : "Restricted mode: the jugfile is not run; no stored results found."));
  } else if (tasks.length === 0 && ctx.source === "runtime" && ctx.barrier) {
    parts.push(escapeMarkdown(`No task was created here by the last load. ${barrierSentence(ctx.barrier)}`));
  } else if (tasks.length === 0) {
    parts.push(escapeMarkdown(ctx.source === "store" ? "No stored results for this function." : "No task was created here by the last load."));
  } else if (tasks.length === 1 && !many) {
    parts.push(...singleTask(tasks[0]!));
  } else {
    parts.push(escapeMarkdown(formatCounts(countStates(tasks))));
    const lines = tasks.slice(0, HOVER_SAMPLE).map(sampleLine);
    if (tasks.length > HOVER_SAMPLE) lines.push(`… ${tasks.length - HOVER_SAMPLE} more`);
    parts.push(codeBlock(lines.join("\n")));
  }
  if (ctx.source === "store") parts.push(escapeMarkdown("(restricted mode: read from the store by function name)"));
  if (ctx.dirty) parts.push(escapeMarkdown("(unsaved changes: status is for the file on disk)"));
  return parts.join("\n\n");
}

function singleTask(task: TaskStatus): string[] {
  const facts: string[] = [stateWord(task)];
  if (task.duration !== null) facts.push(`in ${formatDuration(task.duration)}`);
  if (task.size !== null) facts.push(formatSize(task.size));
  if (task.worker) facts.push(`worker ${task.worker}`);
  facts.push(`hash ${shortHash(task.hash)}`);
  if (task.stale) facts.push("code changed since");
  const out = [escapeMarkdown(facts.join(" · "))];
  if (task.preview !== null) out.push(codeBlock(task.preview));
  if (task.error !== null) out.push(codeBlock(task.error));
  return out;
}

function stateWord(task: TaskStatus): string {
  return task.state === "complete" ? "✓ done" : task.state === "failed" ? "✗ failed" : task.state;
}

function sampleLine(task: TaskStatus): string {
  const detail = task.state === "failed" ? task.error ?? "" : task.preview ?? "";
  const flat = detail.replace(/\s+/g, " ");
  return `${shortHash(task.hash)}  ${stateWord(task).padEnd(9)} ${flat.length > 70 ? flat.slice(0, 69) + "…" : flat}`;
}
