/**
 * Markdown that shows text as text: a string inside a result must never become a link,
 * an image, HTML or a command.
 */

/** Escapes every character with a meaning in CommonMark (and raw HTML). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&:"'=]/g, (c) => "\\" + c).replace(/\n/g, "  \n");
}

/** A fenced code block whose fence is longer than any backtick run in `text`, so it cannot be closed early. */
export function codeBlock(text: string, language = "text"): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${text}\n${fence}`;
}
