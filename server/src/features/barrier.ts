/**
 * What the editor says about a blocking barrier. `jug status --json` stops at an
 * `await barrier()` / `await bvalue(...)` whose tasks are not complete: it lists the tasks
 * before it and names its call site; the tasks after it are not known until the jugfile loads
 * past it. Pure: the server feeds it status documents and line mappings.
 */
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StatusDocument } from "jug/protocol";
import { ClientCommands, type BarrierInfo, type RevealTaskArgs, type RunTaskArgs, type ShowStatusArgs } from "../protocol";
import type { TaskSite } from "../analysis/types";
import type { LensContext, LensSpec } from "./lenses";

/** The barrier of a status document (null when the jugfile ran to its end), counted over distinct tasks. */
export function barrierInfo(doc: StatusDocument | null): BarrierInfo | null {
  const site = doc?.barrier;
  if (!doc || !site) return null;
  const states = new Map(doc.tasks.map((t) => [t.hash, t.state]));
  let pending = 0;
  let failed = 0;
  for (const state of states.values()) {
    if (state !== "complete") pending++;
    if (state === "failed") failed++;
  }
  const file = path.resolve(path.dirname(doc.jugfile), site.file);
  return { uri: pathToFileURL(file).toString(), line: site.line - 1, character: Math.max(0, site.column - 1), tasksBefore: states.size, pending, failed };
}

/**
 * Whether to load the status again: every task before the barrier is complete, so the next load
 * goes past it and lists the tasks after it. `key` names the passed barrier (null while it blocks
 * or without one); keep it and pass it back as `lastKey`: the status is loaded once per pass, so a
 * runtime that still stops there cannot cause a loop, and a barrier that blocks again (results
 * invalidated) is passed again later.
 */
export function reloadForBarrier(doc: StatusDocument | null, lastKey: string | null): { reload: boolean; key: string | null } {
  const info = barrierInfo(doc);
  if (!info || info.pending > 0) return { reload: false, key: null };
  const key = `${info.uri}:${info.line}:${info.character}:${doc!.tasks.length}`;
  return { reload: key !== lastKey, key };
}

/** The barrier as seen from one open document. */
export interface BarrierPlace {
  info: BarrierInfo;
  /** 0-based line of the barrier call in the document's buffer; null when the barrier is in another file. */
  line: number | null;
  character: number;
  /** How titles name it: "line 14", or "lib.ts:12" for a barrier in an imported module. */
  label: string;
}

/** Places the barrier in the document at `documentPath`; `mapLine` moves disk lines to buffer lines (unsaved edits). */
export function placeBarrier(info: BarrierInfo, documentPath: string, mapLine: (line: number) => number = (line) => line): BarrierPlace {
  const file = fileURLToPath(info.uri);
  if (path.resolve(file) !== path.resolve(documentPath)) {
    return { info, line: null, character: 0, label: `${path.basename(file)}:${info.line + 1}` };
  }
  const line = mapLine(info.line);
  return { info, line, character: info.character, label: `line ${line + 1}` };
}

/** The barrier's own lenses: what it waits for (or that it is passed), and a run of everything (trusted). */
export function barrierLenses(place: BarrierPlace, ctx: LensContext, pendingHashes: readonly string[]): LensSpec[] {
  if (place.line === null || ctx.loadFailed) return [];
  const span = { line: place.line, character: place.character, endLine: place.line, endCharacter: place.character };
  const { info } = place;
  const lenses: LensSpec[] = [];
  if (ctx.trusted && info.pending > 0) {
    // No target: one worker runs the tasks before the barrier, loads the jugfile again and goes on past it.
    const run: RunTaskArgs = { uri: ctx.uri };
    lenses.push({ span, title: "▶ Run all", command: ClientCommands.runTask, args: [run] });
  }
  const suffix = ctx.dirty ? " (unsaved changes)" : "";
  const status: ShowStatusArgs = { uri: ctx.uri, line: place.line, hashes: [...pendingHashes] };
  lenses.push({ span, title: barrierTitle(info) + suffix, command: ClientCommands.showStatus, args: [status] });
  return lenses;
}

/** "‖" (a pause sign every editor font has; ⏸ shows as a missing glyph in some). */
function barrierTitle(info: BarrierInfo): string {
  if (info.pending === 0) return "‖ Barrier: the tasks before it are done; loading the tasks after it…";
  const failed = info.failed > 0 ? ` (${info.failed} failed)` : "";
  const of = `${info.pending} of ${info.tasksBefore} ${info.tasksBefore === 1 ? "task" : "tasks"}`;
  return `‖ Barrier: waiting for ${of} before it${failed} · tasks after it not known yet`;
}

/** True when the site comes after the barrier in the same document (by position: calls of a function defined above it may too). */
export function isAfterBarrier(site: TaskSite, place: BarrierPlace): boolean {
  if (place.line === null) return false;
  return site.span.line > place.line || (site.span.line === place.line && site.span.character > place.character);
}

/** Lens title of a call site that created no task while the jugfile stops at the barrier. */
export function notCreatedTitle(site: TaskSite, place: BarrierPlace): string {
  return isAfterBarrier(site, place) ? `‖ after the barrier (${place.label}): not known yet` : `no tasks yet: the jugfile stops at the barrier (${place.label})`;
}

/** Hover sentence for the same case, and for the barrier call itself. */
export function barrierSentence(place: BarrierPlace): string {
  const { info } = place;
  if (info.pending === 0) return `The tasks before the barrier (${place.label}) are done: the jugfile is being loaded again to list the tasks after it.`;
  return (
    `The jugfile stops at the barrier (${place.label}) until the tasks before it are complete ` +
    `(${info.pending} of ${info.tasksBefore} not done${info.failed ? `, ${info.failed} failed` : ""}); the tasks after it are not known yet. ` +
    "Run the jugfile (▶ Run all, workers or `jug execute`) to get past it."
  );
}

/** Where a click on a not-yet-created site goes: the barrier call. */
export function revealBarrierArgs(place: BarrierPlace, documentUri: string): RevealTaskArgs {
  return { uri: place.line === null ? place.info.uri : documentUri, line: place.line ?? place.info.line };
}
