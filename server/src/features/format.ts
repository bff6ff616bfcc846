/** Small text formatting shared by lenses and hover. */
import type { TaskState, TaskStatus } from "jug/protocol";

export function formatDuration(seconds: number): string {
  if (seconds < 0.001) return "<1 ms";
  if (seconds < 0.1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

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
