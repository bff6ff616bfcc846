/**
 * Loads a jugfile (.ts/.mts/.js/.mjs) with jiti (pure JS, no native binary), or, when it is
 * unchanged since an earlier run, from jiti's output kept in a cache (./modules). "jug" inside the
 * jugfile is this very runtime module instance, so the tasks it creates land in the registry the
 * CLI reads. Source maps are enabled so stacks and call sites show .ts lines.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SourceMap } from "node:module";
import { JugfileModules } from "./modules";
import { CacheDir, defaultCacheDir, TranspiledCache } from "./transpiled-cache";
import { formatSite, mapCallSites, parseFrame, resetCallSites, setCallSiteCapture, SiteMessageError, type PositionMapper } from "../api/callsite";
import { BarrierError, resetBarriers, unawaitedBarrier } from "../api/barrier";
import { resetHooks } from "../api/hooks";
import { resetRegistry } from "../api/registry";
import type { Task } from "../api/task";
import type { CallSite } from "../protocol/status";

/** Tried in this order when no jugfile is named (FIXED by DESIGN.md). */
export const JUGFILE_CANDIDATES = ["jugfile.ts", "jugfile.mts", "jugfile.js", "jugfile.mjs"];

/** The module the alias "jug" points to: the runtime entry this process already loaded (or, bundled, registered under this file). */
const RUNTIME_ENTRY = path.join(__dirname, "..", "index.js");

/** A problem with the jugfile itself; `message` is what the user sees (file:line first when known). */
export class JugfileError extends Error {
  constructor(message: string, readonly site: CallSite | null = null, readonly detail = "") {
    super(message);
    this.name = "JugfileError";
  }
}

/** The jugfile to load: `given` (a file, or a directory holding a jugfile), or a default in `cwd`. */
export function resolveJugfile(given: string | undefined, cwd = process.cwd()): string {
  const target = path.resolve(cwd, given ?? ".");
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat?.isFile()) return target;
  if (given !== undefined && !stat) throw new JugfileError(`jugfile not found: ${target}`);
  const dir = target;
  const found = JUGFILE_CANDIDATES.map((name) => path.join(dir, name)).find((p) => fs.existsSync(p));
  if (!found) throw new JugfileError(`no jugfile in ${dir} (looked for ${JUGFILE_CANDIDATES.join(", ")})`);
  return found;
}

/** Default store: `<jugfile name without extension>.jugdata` beside the jugfile. */
export function defaultJugdir(jugfile: string): string {
  const ext = path.extname(jugfile);
  return path.join(path.dirname(jugfile), `${path.basename(jugfile, ext)}.jugdata`);
}

export interface LoadedJugfile {
  readonly file: string;
  /** Every task the jugfile created, in creation order. */
  readonly tasks: readonly Task<unknown>[];
  /** One task per hash (the first created), in creation order; a task's `id` is its index here. */
  readonly unique: readonly Task<unknown>[];
  /** The id of the task with `hash`, or -1 when no task of the jugfile has it. */
  idOf(hash: string): number;
  /** Where the jugfile stopped at a barrier (barrier() or bvalue()) whose tasks are not complete; null when it ran to its end. */
  readonly barrier: CallSite | null;
  /** What the jugfile exports (empty when it stopped at a barrier): `jug shell` shows these names. */
  readonly exports: Readonly<Record<string, unknown>>;
}

export interface LoadOptions {
  /** Record where each task was created (about 2 µs per task); default true. */
  callSites?: boolean;
}

/**
 * Runs the jugfile and returns the tasks it created. The jugfile sees
 * `process.argv = [node, <jugfile>, ...userArgs]` (the arguments after `--`).
 */
export async function loadJugfile(file: string, userArgs: readonly string[] = [], options: LoadOptions = {}): Promise<LoadedJugfile> {
  process.setSourceMapsEnabled(true);
  setCallSiteCapture(options.callSites ?? true);
  resetCallSites();
  const registry = resetRegistry();
  process.argv = [process.argv[0]!, file, ...userArgs];
  const modules = new JugfileModules(RUNTIME_ENTRY, transpiledCache());
  currentModules = modules;
  mappers.clear();
  resetBarriers();
  resetHooks();
  let barrier: CallSite | null = null;
  let stopped: unknown = null;
  let exports: Record<string, unknown> = {};
  try {
    exports = ((await modules.run(file)) ?? {}) as Record<string, unknown>;
  } catch (e) {
    stopped = e;
  }
  // A barrier that blocked but is not the one the load stopped at was not awaited: tasks after it were built.
  const skipped = await unawaitedBarrier();
  mapCallSites(mapperFor);
  if (skipped && skipped !== stopped) {
    throw new JugfileError(`${formatSite(skipped.site)}: barrier() was not awaited (write \`await barrier()\`): the jugfile went on past it`, skipped.site);
  }
  if (stopped instanceof BarrierError) barrier = stopped.site;
  else if (stopped !== null) {
    if (stopped instanceof SiteMessageError) stopped.rerender();
    throw describeLoadError(stopped, file);
  }
  return { file, tasks: registry.tasks, unique: registry.unique, idOf: (hash) => registry.idOf(hash), barrier, exports };
}

/**
 * The kept output depends on jiti and on how ./modules runs it: both are fixed by this runtime's
 * manifest (jiti is pinned to one version there, as ./modules mirrors its module wrapper). Read from
 * the manifest, not from jiti's: resolving jiti would cost ~2 ms of every command.
 */
function transpiledCache(): TranspiledCache {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string; dependencies?: Record<string, string> };
  const salt = `jug ${manifest.version} jiti ${manifest.dependencies?.["jiti"] ?? "bundled"}`;
  return new TranspiledCache(new CacheDir(defaultCacheDir()), salt);
}

/** The modules of the last load, and source mappers per file it ran (built on first use). */
let currentModules: JugfileModules | null = null;
const mappers = new Map<string, PositionMapper | null>();

function mapperFor(file: string): PositionMapper | null {
  let mapper = mappers.get(file);
  if (mapper === undefined) {
    const code = currentModules?.codeOf(file);
    mapper = code === undefined ? null : sourceMapper(file, code);
    mappers.set(file, mapper);
  }
  return mapper;
}

const INLINE_MAP = /^\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/;

/**
 * Maps positions in the code jiti generated for `file` back to its source. jiti keeps lines
 * (retainLines) but not columns; its output (`code`, the code that ran) carries an inline source
 * map. Null when there is none.
 */
function sourceMapper(file: string, code: string): PositionMapper | null {
  let source: string;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
  // The last one: jiti appends the map.
  const inline = INLINE_MAP.exec(code.slice(code.lastIndexOf("//# sourceMappingURL=")));
  if (!inline) return null;
  const map = new SourceMap(JSON.parse(Buffer.from(inline[1]!, "base64").toString("utf8")) as ConstructorParameters<typeof SourceMap>[0]);
  const lines = source.split("\n");
  return (line, column) => {
    const entry = map.findEntry(line - 1, column - 1) as { originalLine?: number; originalColumn?: number };
    // Only trust entries on the same line: jiti keeps lines, so another line means another code version.
    if (entry.originalLine === undefined || entry.originalLine + 1 !== line) return null;
    return { line, column: calleeStart(lines[line - 1] ?? "", entry.originalColumn! + 1) };
  };
}

/**
 * V8 places a call `f(x)` at `f`, but a call of an imported function (which jiti compiles to
 * `(0, _mod.f)(x)`) at its `(`: move such a position back to the start of the name before it.
 */
function calleeStart(text: string, column: number): number {
  if (text[column - 1] !== "(") return column;
  let i = column - 2;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  const end = i;
  while (i >= 0 && /[\w$]/.test(text[i]!)) i--;
  return i < end ? i + 2 : column;
}

function describeLoadError(e: unknown, file: string): Error {
  if (!(e instanceof Error)) return new JugfileError(`${path.basename(file)}: the jugfile threw ${String(e)}`);
  const parse = /ParseError:\s*(.*?)\s*\n\s*(\S+?):(\d+):(\d+)/s.exec(e.message);
  if (parse) {
    const site = { file: parse[2]!, line: Number(parse[3]), column: Number(parse[4]) };
    return new JugfileError(`${formatSite(site)}: syntax error: ${parse[1]}`, site);
  }
  if (e instanceof JugfileError) return e;
  const stack = userStack(e);
  const site = parseFrame(stack.split("\n").find((l) => /^\s+at /.test(l)));
  const where = site ? `${formatSite(site)}: ` : "";
  return new JugfileError(`${where}error while building tasks: ${e.message}`, site, stack);
}

/** Frames of this runtime, jiti, commander and node internals: noise in a user's stack. */
const RUNTIME_ROOT = path.resolve(__dirname, "..");
/** runtime/src: where source maps place the frames of runtime/dist. */
const RUNTIME_SOURCE = path.resolve(__dirname, "..", "..", "src");
const NOISE = [RUNTIME_ROOT + path.sep, RUNTIME_SOURCE + path.sep, `${path.sep}jiti${path.sep}`, `${path.sep}commander${path.sep}`, "node:internal"];

const FRAME_POSITION = /([^\s()]+):(\d+):(\d+)(\)?)$/;

/**
 * "Name: message" and the error's stack frames, without the frames of jug itself, with positions
 * in loaded files mapped to their .ts source columns (node keeps jiti's generated columns).
 */
export function userStack(e: Error): string {
  const frames = (e.stack ?? "")
    .split("\n")
    .filter((l) => /^\s+at /.test(l) && !NOISE.some((n) => l.includes(n)))
    .map((l) =>
      l.replace(FRAME_POSITION, (whole, file: string, line: string, column: string, close: string) => {
        const mapped = mapperFor(file)?.(Number(line), Number(column));
        return mapped ? `${file}:${mapped.line}:${mapped.column}${close}` : whole;
      }),
    );
  return [`${e.name}: ${e.message}`, ...frames].join("\n");
}
