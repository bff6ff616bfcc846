/**
 * Where a task (or generator) was created: the caller of the generator, or else the first stack
 * frame outside this runtime. Raw V8 frames are cheap but give positions in the code jiti
 * generated (same lines, other columns); the loader maps them to the .ts source afterwards
 * (mapCallSites). Call sites inside loops share one object per position.
 */
import * as path from "node:path";
import type { CallSite } from "../protocol/status";

/** runtime/dist (or runtime/src under ts-node): frames in here are ours, not the user's. */
const RUNTIME_ROOT = path.resolve(__dirname, "..") + path.sep;
const FRAME_LIMIT = 16;

/** Sites by file, then by raw line * 2^20 + column; their line/column are rewritten by mapCallSites. */
let sitesByFile = new Map<string, Map<number, CallSite>>();
let enabled = true;

/**
 * Capturing costs about 2 µs per task; commands that never show call sites (execute, status
 * tables, ...) turn it off so 100,000 tasks load fast. Tasks then have `site: null`.
 */
export function setCallSiteCapture(on: boolean): void {
  enabled = on;
}

/** Forgets earlier sites (before a new load, so each raw position is mapped once). */
export function resetCallSites(): void {
  sitesByFile = new Map();
}

/** A position mapper for one generated file: 1-based raw line/column -> 1-based source position, or null. */
export type PositionMapper = (line: number, column: number) => { line: number; column: number } | null;

/** Rewrites every site captured since resetCallSites() through `mapperFor(file)` (null: keep as is). */
export function mapCallSites(mapperFor: (file: string) => PositionMapper | null): void {
  for (const [file, sites] of sitesByFile) {
    const mapper = mapperFor(file);
    if (!mapper) continue;
    for (const [key, site] of sites) {
      const mapped = mapper(Math.floor(key / 0x100000), key % 0x100000);
      if (mapped) Object.assign(site, mapped);
    }
  }
}

function isUserFile(file: string | null | undefined): file is string {
  return !!file && !file.startsWith(RUNTIME_ROOT) && !file.startsWith("node:") && !file.includes(`${path.sep}jiti${path.sep}`);
}

function rawFrames(limit: number, above: Function): NodeJS.CallSite[] {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, frames) => frames;
  Error.stackTraceLimit = limit;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.captureStackTrace(holder, above);
    return holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
}

/**
 * The user's call that led here: the caller of `entry` (the generator the user called) when
 * given, else the first frame outside this runtime. Null when none is found, or when capture is
 * off and not `always` (definitions always capture: a task's name comes from its module's file).
 */
export function captureCallSite(entry?: Function, always = false): CallSite | null {
  if (!enabled && !always) return null;
  // Fast path: exactly one frame, the caller of the user-facing entry point.
  let frames = entry ? rawFrames(1, entry) : [];
  let index = frames.length === 1 && isUserFile(frames[0]!.getFileName()) ? 0 : -1;
  if (index < 0) {
    frames = rawFrames(FRAME_LIMIT, captureCallSite);
    index = frames.findIndex((f) => isUserFile(f.getFileName()));
    if (index < 0) return null;
  }
  const frame = frames[index]!;
  const file = frame.getFileName()!;
  const line = frame.getLineNumber() ?? 0;
  const column = frame.getColumnNumber() ?? 0;
  let sites = sitesByFile.get(file);
  if (!sites) sitesByFile.set(file, (sites = new Map()));
  const key = line * 0x100000 + column;
  let site = sites.get(key);
  if (!site) sites.set(key, (site = { file: toPath(file), line, column }));
  return site;
}

/** "    at fn (file:line:col)" or "    at file:line:col" -> position. */
export function parseFrame(line: string | undefined): CallSite | null {
  const m = line ? /(?:\(|at (?:async )?)((?:file:\/\/)?[^()]*?):(\d+):(\d+)\)?$/.exec(line) : null;
  if (!m) return null;
  return { file: toPath(m[1]!), line: Number(m[2]), column: Number(m[3]) };
}

function toPath(file: string): string {
  return file.startsWith("file://") ? decodeURIComponent(new URL(file).pathname) : file;
}

/** "jugfile.ts:12:5" relative to the current directory when shorter. */
export function formatSite(site: CallSite | null): string {
  if (!site) return "(unknown location)";
  const rel = path.relative(process.cwd(), site.file);
  const shown = rel && !rel.startsWith("..") && rel.length < site.file.length ? rel : site.file;
  return `${shown}:${site.line}:${site.column}`;
}

/**
 * An error whose message shows call sites: raised while a jugfile loads, before the loader has
 * mapped sites to .ts columns, so the loader re-renders it afterwards.
 */
export class SiteMessageError extends Error {
  constructor(private readonly renderMessage: () => string) {
    super(renderMessage());
  }

  rerender(): void {
    this.message = this.renderMessage();
  }
}
