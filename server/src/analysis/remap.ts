/**
 * Moves positions found in an old text to the matching lines of a new text, so the last good
 * lenses stay on their statements while the user types a syntax error (instead of sitting on
 * stale lines). Lines before the first changed line keep their number; lines after the last
 * changed line move by the line delta; lines inside the changed region are clamped into it.
 */
export interface LineShift {
  /** Maps an old 0-based line to its new line. */
  (oldLine: number): number;
}

export function lineShift(oldText: string, newText: string): LineShift {
  const oldLines = oldText.split("\n");
  const newLines = newText.split("\n");
  let prefix = 0;
  const maxPrefix = Math.min(oldLines.length, newLines.length);
  while (prefix < maxPrefix && oldLines[prefix] === newLines[prefix]) prefix++;
  let suffix = 0;
  const maxSuffix = Math.min(oldLines.length, newLines.length) - prefix;
  while (
    suffix < maxSuffix &&
    oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]
  ) {
    suffix++;
  }
  const delta = newLines.length - oldLines.length;
  const oldChangedEnd = oldLines.length - suffix; // first old line of the unchanged suffix
  const newChangedEnd = newLines.length - suffix;
  return (oldLine) => {
    if (oldLine < prefix) return oldLine;
    if (oldLine >= oldChangedEnd) return oldLine + delta;
    return Math.min(oldLine, Math.max(prefix, newChangedEnd - 1));
  };
}
