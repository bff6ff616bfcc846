/** What every command shares: finding the jugfile and the store, loading tasks, reporting errors. */
import * as fs from "node:fs";
import * as path from "node:path";
import { setCompletionCheck } from "../api/barrier";
import { setTaskRunner } from "../api/cached";
import { setJugRunning, setResultLoader } from "../api/context";
import { TaskDefinitionError, type Task } from "../api/task";
import { TaskNameCollisionError } from "../api/registry";
import { BadTargetError, NoMatchingTaskError } from "../engine/select";
import { defaultJugdir, JugfileError, loadJugfile, resolveJugfile, type LoadedJugfile, type LoadOptions } from "../loader";
import { decodeResult } from "../serialize";
import { openStore } from "../store";
import { StoreAccessError, StoreLayoutError, type Store } from "../store/types";
import type { CallSite } from "../protocol/status";

/** Exit codes (docs/cli.md). */
export const EXIT_OK = 0;
/** A task failed, a check found incomplete tasks, or the run was stopped. */
export const EXIT_FAILED = 1;
/** Bad input: jugfile missing or broken, bad options, store not usable. */
export const EXIT_BAD_INPUT = 2;

export interface CommonOptions {
  jugdir?: string;
}

export interface JugContext {
  readonly jugfile: string;
  readonly store: Store;
  readonly tasks: readonly Task<unknown>[];
  /** One task per hash, in creation order (see LoadedJugfile). */
  readonly unique: readonly Task<unknown>[];
  idOf(hash: string): number;
  /** Where the jugfile stopped at a barrier whose tasks are not complete (null: it ran to its end). */
  readonly barrier: CallSite | null;
  /** The jugfile's exports (see LoadedJugfile). */
  readonly exports: Readonly<Record<string, unknown>>;
}

/** A problem the user must fix; printed as "jug: <message>" with EXIT_BAD_INPUT. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function storeLocation(jugfile: string, options: CommonOptions): string {
  if (!options.jugdir) return defaultJugdir(jugfile);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(options.jugdir) ? options.jugdir : path.resolve(options.jugdir);
}

/** Resolves the jugfile, loads it (its tasks) and opens the store. */
export async function openJug(
  jugfileArg: string | undefined,
  options: CommonOptions,
  userArgs: readonly string[],
  loadOptions: LoadOptions = { callSites: false },
): Promise<JugContext> {
  const jugfile = resolveJugfile(jugfileArg);
  setJugRunning(true);
  // Opened when the jugfile asks (barrier, bvalue, value, CachedFunction) or after it loads: a jugfile that does not load opens no store.
  let opening: Promise<Store> | null = null;
  const openOnce = (): Promise<Store> => (opening ??= openStoreChecked(storeLocation(jugfile, options)));
  setResultLoader(async (task) => decodeResult(await (await openOnce()).read(task.hash)));
  setCompletionCheck(async (hash) => (await openOnce()).has(hash));
  setTaskRunner(async (task) => (require("./run-now") as typeof import("./run-now")).runNow(await openOnce(), task));
  let loaded: LoadedJugfile;
  try {
    loaded = await loadJugfile(jugfile, userArgs, loadOptions);
  } catch (e) {
    const pending = opening as Promise<Store> | null; // assigned by openOnce() during the load
    if (pending) await (await pending.catch(() => null))?.close();
    throw e;
  }
  const store = await openOnce();
  return { jugfile, store, tasks: loaded.tasks, unique: loaded.unique, idOf: loaded.idOf, barrier: loaded.barrier, exports: loaded.exports };
}

export async function openStoreChecked(location: string): Promise<Store> {
  try {
    return await openStore(location, { onProblem: (message) => process.stderr.write(`jug: warning: ${message}\n`) });
  } catch (e) {
    if (e instanceof StoreAccessError || e instanceof StoreLayoutError) throw e;
    throw new UsageError(`cannot open the store at ${location}: ${errorMessage(e)}`);
  }
}

/** Errors the user can act on get one clear line; anything else is a bug and keeps its stack. */
export function reportError(e: unknown, stderr: (s: string) => void): number {
  if (e instanceof JugfileError) {
    stderr(`jug: ${e.message}\n${e.detail ? `${e.detail}\n` : ""}`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof UsageError || e instanceof StoreAccessError || e instanceof StoreLayoutError || e instanceof NoMatchingTaskError || e instanceof BadTargetError || e instanceof TaskNameCollisionError || e instanceof TaskDefinitionError) {
    stderr(`jug: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
    stderr(`jug: ${errorMessage(e)}\n`);
    return EXIT_BAD_INPUT;
  }
  stderr(`jug: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT_FAILED;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function runtimeVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** A table for the terminal: first column left-aligned, the others right-aligned; no colours, no lines between rows. */
export function newTable(head: string[]): import("cli-table3").Table {
  // Loaded only when a table is printed: status --json and --short skip its startup cost.
  const Table = require("cli-table3") as typeof import("cli-table3");
  return new Table({
    head,
    colAligns: head.map((_, i) => (i === 0 ? "left" : "right")),
    style: { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
}
