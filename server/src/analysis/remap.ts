/**
 * Moves line numbers found in an old text to the matching lines of a new text: the last good
 * lenses stay on their statements while the user types a syntax error, and runtime call sites
 * (from the file on disk) land on the right lines of an unsaved buffer.
 *
 * Unchanged prefix and suffix lines map directly; inside the changed region, lines are matched
 * by a longest common subsequence of line texts (when the region is small enough), and a line
 * that was edited maps to the position after the nearest matched line above it.
 */
export interface LineShift {
  /** Maps an old 0-based line to its new line. */
  (oldLine: number): number;
}

/** Above this many cells (old region lines × new region lines) only prefix/suffix matching is used. */
const MAX_LCS_CELLS = 4_000_000;

export function lineShift(oldText: string, newText: string): LineShift {
  const oldLines = oldText.split("\n");
  const newLines = newText.split("\n");
  let prefix = 0;
  const maxPrefix = Math.min(oldLines.length, newLines.length);
  while (prefix < maxPrefix && oldLines[prefix] === newLines[prefix]) prefix++;
  let suffix = 0;
  const maxSuffix = Math.min(oldLines.length, newLines.length) - prefix;
  while (suffix < maxSuffix && oldLines[oldLines.length - 1 - suffix] === newLines[newLines.length - 1 - suffix]) suffix++;
  const delta = newLines.length - oldLines.length;
  const oldEnd = oldLines.length - suffix; // first old line of the unchanged suffix
  const newEnd = newLines.length - suffix;
  const middle = matchMiddle(oldLines.slice(prefix, oldEnd), newLines.slice(prefix, newEnd));
  return (oldLine) => {
    if (oldLine < prefix) return oldLine;
    if (oldLine >= oldEnd) return oldLine + delta;
    const local = oldLine - prefix;
    const mapped = middle[local]!;
    return prefix + mapped;
  };
}

/** For each old line of the changed region, its new line (relative to the region start). */
function matchMiddle(oldLines: string[], newLines: string[]): number[] {
  const n = oldLines.length;
  const m = newLines.length;
  const matched = new Array<number>(n).fill(-1);
  if (n > 0 && m > 0 && n * m <= MAX_LCS_CELLS) {
    // lengths[i][j] = LCS of oldLines[i..] and newLines[j..], one row at a time from the end,
    // with the choices kept in a byte table for the walk forward.
    const choice = new Uint8Array(n * m); // 1 = match, 2 = skip old, 3 = skip new
    let below = new Int32Array(m + 1);
    for (let i = n - 1; i >= 0; i--) {
      const row = new Int32Array(m + 1);
      for (let j = m - 1; j >= 0; j--) {
        if (oldLines[i] === newLines[j]) {
          row[j] = below[j + 1]! + 1;
          choice[i * m + j] = 1;
        } else if (below[j]! >= row[j + 1]!) {
          row[j] = below[j]!;
          choice[i * m + j] = 2;
        } else {
          row[j] = row[j + 1]!;
          choice[i * m + j] = 3;
        }
      }
      below = row;
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      const c = choice[i * m + j];
      if (c === 1) matched[i++] = j++;
      else if (c === 2) i++;
      else j++;
    }
  }
  // Unmatched (edited) lines follow the nearest matched line above them.
  const out = new Array<number>(n);
  let lastOld = -1;
  let lastNew = -1;
  for (let i = 0; i < n; i++) {
    if (matched[i]! >= 0) {
      lastOld = i;
      lastNew = matched[i]!;
      out[i] = lastNew;
    } else {
      out[i] = Math.min(Math.max(0, m - 1), lastNew + (i - lastOld));
    }
  }
  return out;
}
