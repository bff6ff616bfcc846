// Small text formatters shared by the tree, the status bar and the result views (no `vscode`).

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
