/**
 * Moves line numbers found in an old text to the matching lines of a new text: the last good
 * lenses stay on their statements while the user types a syntax error, and runtime call sites
 * (from the file on disk) land on the right lines of an unsaved buffer.
 *
 * Unchanged prefix and suffix lines map directly; inside the changed region, lines are matched
 * by a longest common subsequence of line texts (when the region is small enough). Between two
 * matched lines, edited lines are paired with the most similar new lines of that gap (common
 * prefix and suffix, order kept), so an edited call site is not mistaken for a line inserted
 * above it; a line with no similar partner maps to the position after the nearest matched line above it.
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
    pairEditedLines(oldLines, newLines, matched);
  }
  // Lines still unmatched follow the nearest matched line above them.
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

/** Above this many cells (old gap lines × new gap lines) a gap's edited lines are not paired. */
const MAX_GAP_CELLS = 250_000;

/** In each gap between LCS matches, pairs old and new lines by similarity, keeping their order (fills `matched`). */
function pairEditedLines(oldLines: string[], newLines: string[], matched: number[]): void {
  let oldStart = 0;
  let newStart = 0;
  for (let i = 0; i <= oldLines.length; i++) {
    if (i < oldLines.length && matched[i]! < 0) continue;
    const newEnd = i < oldLines.length ? matched[i]! : newLines.length;
    pairGap(oldLines, newLines, matched, oldStart, i, newStart, newEnd);
    oldStart = i + 1;
    newStart = newEnd + 1;
  }
}

function pairGap(oldLines: string[], newLines: string[], matched: number[], oldStart: number, oldEnd: number, newStart: number, newEnd: number): void {
  const n = oldEnd - oldStart;
  const m = newEnd - newStart;
  if (n === 0 || m === 0 || n * m > MAX_GAP_CELLS) return;
  // best[i][j] = highest total similarity pairing old lines i.. with new lines j.. (in order).
  const best = new Float64Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const score = similarity(oldLines[oldStart + i]!, newLines[newStart + j]!);
      const pair = score > 0 ? best[at(i + 1, j + 1)]! + score : 0;
      best[at(i, j)] = Math.max(pair, best[at(i + 1, j)]!, best[at(i, j + 1)]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const score = similarity(oldLines[oldStart + i]!, newLines[newStart + j]!);
    if (score > 0 && best[at(i, j)] === best[at(i + 1, j + 1)]! + score) matched[oldStart + i++] = newStart + j++;
    else if (best[at(i, j)] === best[at(i + 1, j)]) i++;
    else j++;
  }
}

/** Characters two lines share at their start and end (ignoring indentation), without overlap. */
function similarity(a: string, b: string): number {
  const x = a.trim();
  const y = b.trim();
  const most = Math.min(x.length, y.length);
  let prefix = 0;
  while (prefix < most && x[prefix] === y[prefix]) prefix++;
  let suffix = 0;
  while (suffix < most - prefix && x[x.length - 1 - suffix] === y[y.length - 1 - suffix]) suffix++;
  return prefix + suffix;
}
