/** Where in the jugfile a runtime load error points: the first "<jugfile>:line[:col]" in its message. */
import * as path from "node:path";

export interface LoadErrorLocation {
  /** 0-based. */
  line: number;
  character: number;
}

export function locateLoadError(message: string, jugfilePath: string): LoadErrorLocation | null {
  const name = path.basename(jugfilePath).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`${name}:(\\d+)(?::(\\d+))?`).exec(message);
  if (!match) return null;
  return { line: Math.max(0, Number(match[1]) - 1), character: match[2] ? Math.max(0, Number(match[2]) - 1) : 0 };
}

/** The useful part of a runtime's stderr: no blank lines, at most `max` characters. */
export function summariseError(stderr: string, max = 2000): string {
  const text = stderr
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .join("\n");
  return text.length > max ? text.slice(0, max) + "\n…" : text;
}
