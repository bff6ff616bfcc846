/**
 * Where a task (or generator) was created: the first stack frame outside this runtime.
 * Raw V8 frames are cheap; their positions are in the code jiti generated, whose columns
 * differ from the .ts source. Node maps formatted stacks through source maps (enabled by the
 * loader), so the first time a raw position is seen we also format one stack and read the
 * mapped position from it. Call sites inside loops hit the cache.
 */
import * as path from "node:path";
import type { CallSite } from "../protocol/status";

/** runtime/dist (or runtime/src under ts-node): frames in here are ours, not the user's. */
const RUNTIME_ROOT = path.resolve(__dirname, "..") + path.sep;
const FRAME_LIMIT = 16;

const mappedSites = new Map<string, CallSite | null>();

function isUserFile(file: string | null | undefined): file is string {
  return !!file && !file.startsWith(RUNTIME_ROOT) && !file.startsWith("node:") && !file.includes(`${path.sep}jiti${path.sep}`);
}

/** The user's call that led to the caller of this function; null when none is on the stack. */
export function captureCallSite(): CallSite | null {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_error, frames) => frames;
  Error.stackTraceLimit = FRAME_LIMIT;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.captureStackTrace(holder, captureCallSite);
    const frames = holder.stack ?? [];
    const index = frames.findIndex((f) => isUserFile(f.getFileName()));
    if (index < 0) return null;
    const frame = frames[index]!;
    const file = frame.getFileName()!;
    const key = `${file}:${frame.getLineNumber()}:${frame.getColumnNumber()}`;
    let site = mappedSites.get(key);
    if (site === undefined) {
      Error.prepareStackTrace = savedPrepare;
      site = mappedFrame(index) ?? { file: toPath(file), line: frame.getLineNumber() ?? 0, column: frame.getColumnNumber() ?? 0 };
      mappedSites.set(key, site);
    }
    return site;
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
}

/** Frame `index` (0 = caller of captureCallSite's caller) of a formatted, source-mapped stack. */
function mappedFrame(index: number): CallSite | null {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureCallSite);
  const lines = (holder.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  return parseFrame(lines[index]);
}

/** "    at fn (file:line:col)" or "    at file:line:col" -> position. */
export function parseFrame(line: string | undefined): CallSite | null {
  const m = line ? /(?:\(|at )((?:file:\/\/)?[^()]*?):(\d+):(\d+)\)?$/.exec(line) : null;
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
