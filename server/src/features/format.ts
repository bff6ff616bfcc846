/** Small text formatting shared by lenses, hover and the VS Code client. */
import type { TaskState, TaskStatus } from "jug/protocol";
import { formatDuration } from "jug/protocol";

/** First line of a message, cut to `max` characters (lens titles are one line). */
export function oneLine(text: string, max = 80): string {
  const first = text.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  return first.length > max ? first.slice(0, max - 1) + "…" : first;
}

export type StateCounts = Record<TaskState, number>;

export function countStates(tasks: readonly TaskStatus[]): StateCounts {
  const counts: StateCounts = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
  for (const t of tasks) counts[t.state]++;
  return counts;
}

/** "190 tasks: 150 done, 2 running, 1 failed, 37 waiting" (zero counts left out). */
export function formatCounts(counts: StateCounts): string {
  const total = counts.waiting + counts.ready + counts.running + counts.complete + counts.failed;
  const parts: string[] = [];
  if (counts.complete) parts.push(`${counts.complete} done`);
  if (counts.running) parts.push(`${counts.running} running`);
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.ready) parts.push(`${counts.ready} ready`);
  if (counts.waiting) parts.push(`${counts.waiting} waiting`);
  return `${total} ${total === 1 ? "task" : "tasks"}${parts.length ? ": " + parts.join(", ") : ""}`;
}

/** Status of one task as a short phrase ("✓ done 1.2 s"). */
export function formatState(task: TaskStatus): string {
  switch (task.state) {
    case "complete":
      return `✓ done${task.duration !== null ? " " + formatDuration(task.duration) : ""}${task.stale ? " (code changed since)" : ""}`;
    case "running":
      return "⟳ running";
    case "failed":
      return `✗ failed: ${oneLine(task.error ?? "unknown error", 60)}`;
    case "ready":
      return "ready";
    case "waiting":
      return "waiting";
  }
}

export function shortHash(hash: string): string {
  return hash.slice(0, 8);
}
