// Small text formatters shared by the tree, the status bar and the result views (no `vscode`).
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import type { BarrierInfo } from "../../server/src/protocol";

// Durations, sizes and names read exactly as in the language server's lenses and hovers.
export { formatDuration, formatSize, shortName } from "jug/protocol";

/** Text made safe to put inside HTML or SVG (element content and quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** First line of a (possibly multi-line) message, cut to `max` characters. */
export function firstLine(text: string, max = 120): string {
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Where a barrier is: "jugfile.ts:14" (1-based line). */
export function barrierPlace(barrier: BarrierInfo): string {
  const file = barrier.uri.startsWith("file:") ? fileURLToPath(barrier.uri) : barrier.uri;
  return `${basename(file)}:${barrier.line + 1}`;
}

/** Where a barrier is, seen from its jugfile: "line 14", or "lib.ts:3" in an imported module. */
export function barrierWhere(barrier: BarrierInfo, jugfileUri: string): string {
  return barrier.uri === jugfileUri ? `line ${barrier.line + 1}` : barrierPlace(barrier);
}

/** One sentence about a blocking barrier, as the lenses and `jug status` say it. */
export function barrierSentence(barrier: BarrierInfo): string {
  const where = barrierPlace(barrier);
  if (barrier.pending === 0) return `The tasks before the barrier at ${where} are done: loading the tasks after it.`;
  const failed = barrier.failed ? `, ${barrier.failed} failed` : "";
  return (
    `The jugfile stops at the barrier at ${where} until the tasks before it are complete ` +
    `(${barrier.pending} of ${barrier.tasksBefore} not done${failed}); the tasks after it are not known yet.`
  );
}
