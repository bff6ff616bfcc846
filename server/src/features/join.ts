/**
 * Joins the call sites found statically with the tasks the runtime reports (`jug status --json`).
 * Runtime call sites come from stack traces of the loaded jugfile: lines are exact, but jiti's
 * columns can be off, so tasks are matched by file, line, and order on the line (columns are
 * only compared with each other, never with the static columns).
 */
import * as path from "node:path";
import type { TaskStatus } from "jug/protocol";
import type { TaskSite } from "../analysis/types";
import { shortName } from "jug/protocol";

/**
 * For each site (same index), the runtime tasks created there. `mapLine` moves a 0-based line of
 * the file the runtime loaded (on disk) to the buffer being edited (see analysis/remap.ts).
 */
export function joinSites(
  sites: readonly TaskSite[],
  tasks: readonly TaskStatus[],
  documentPath: string,
  mapLine: (line: number) => number = (line) => line,
): TaskStatus[][] {
  const joined: TaskStatus[][] = sites.map(() => []);
  const target = path.resolve(documentPath);
  const inFile = tasks.filter((t) => t.site && path.resolve(path.dirname(target), t.site.file) === target);
  // Runtime tasks by 0-based line, then by column.
  const byLine = new Map<number, Map<number, TaskStatus[]>>();
  for (const task of inFile) {
    const line = mapLine(task.site!.line - 1);
    const columns = byLine.get(line) ?? new Map<number, TaskStatus[]>();
    byLine.set(line, columns);
    const group = columns.get(task.site!.column) ?? [];
    group.push(task);
    columns.set(task.site!.column, group);
  }
  const sitesByLine = new Map<number, number[]>();
  sites.forEach((site, index) => {
    const list = sitesByLine.get(site.span.line) ?? [];
    list.push(index);
    sitesByLine.set(site.span.line, list);
  });
  for (const [line, columns] of byLine) {
    const siteIndexes = (sitesByLine.get(line) ?? []).sort((a, b) => sites[a]!.span.character - sites[b]!.span.character);
    if (siteIndexes.length === 0) continue;
    const groups = [...columns.entries()].sort((a, b) => a[0] - b[0]).map(([, group]) => group);
    if (groups.length === siteIndexes.length) {
      groups.forEach((group, i) => joined[siteIndexes[i]!]!.push(...group));
      continue;
    }
    // Counts differ (a call on this line created no task, or several sites share a column):
    // match by function name, in order among sites of the same name.
    for (const group of groups) {
      const name = shortName(group[0]!.name);
      const sameName = siteIndexes.filter((i) => sites[i]!.name === name);
      const candidates = sameName.length > 0 ? sameName : siteIndexes;
      const emptiest = candidates.find((i) => joined[i]!.length === 0) ?? candidates[0]!;
      joined[emptiest]!.push(...group);
    }
  }
  return joined;
}

/** Read-only view (untrusted: the jugfile is never run): stored tasks joined to sites by function name only. */
export function joinByName(sites: readonly TaskSite[], tasks: readonly TaskStatus[]): TaskStatus[][] {
  return sites.map((site) => (site.name === null ? [] : tasks.filter((t) => shortName(t.name) === site.name)));
}
