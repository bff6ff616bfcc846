/**
 * Everything the server knows about the jugfiles it has seen: runtime status (from
 * `jug status --json`, then refreshed cheaply from store snapshots), load errors, worker pools.
 * LSP-free: the server (server.ts) turns this into lenses, hovers, diagnostics and messages.
 *
 * Trust: untrusted sessions never spawn anything and never load the workspace's own runtime
 * code; they read the store through the bundled runtime's library only.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StatusDocument, TaskStatus } from "jug/protocol";
import { ErrorCodes } from "vscode-languageserver";
import { JugErrorCodes, type InitializationOptions } from "./protocol";
import { loadRuntimeLibrary, type ReadableStore, type RuntimeLibrary, type SnapshotView } from "./runtime/library";
import { runCli } from "./runtime/cli";
import { resolveNode, resolveRuntime, storeLocation, type RuntimeLocation } from "./runtime/resolve";
import { locateLoadError, summariseError } from "./features/loadError";
import { reloadForBarrier } from "./features/barrier";
import { WorkerPool, DEFAULT_POOL_OPTIONS, type PoolEvent, type PoolOptions, type WorkerProcess } from "./workers/pool";
import { isAlive, killGroup } from "./workers/processes";
import { parentWatchFile } from "./workers/parentWatch";
import { formatResult, type FormattedResult } from "./results/format";

export const STATUS_SCHEMA_VERSION = 1;

export interface LoadError {
  message: string;
  /** 0-based position in the jugfile, when the message names one. */
  line: number;
  character: number;
}

export interface JugfileState {
  readonly path: string;
  /** Runtime status (trusted): graph, sites and states; refreshed from store snapshots. */
  status: StatusDocument | null;
  /** Read-only tasks from the store (untrusted), with names but no call sites. */
  storeTasks: TaskStatus[] | null;
  loadError: LoadError | null;
  /** The file as the runtime last saw it (for "unsaved changes" and line mapping). */
  diskText: string | undefined;
  loading: Promise<void> | null;
  store: ReadableStore | null;
  storeLibrary: RuntimeLibrary | null;
  /** Why there is no store view (no library, unreadable store); retried while set to null. */
  storeProblem: string | null;
  /** The store exists but cannot be read (e.g. written by another runtime version): shown to the user. */
  storeError: string | null;
  storeWatch: { dispose(): void } | null;
  pool: WorkerPool | null;
  lastPoll: number;
  polling: boolean;
  /** Set by store.watch: poll at the next tick. */
  pollSoon: boolean;
  lastStatusLoad: number;
  /** The passed barrier the status was last loaded again for (reloadForBarrier): once per pass, never a loop. */
  barrierReload: string | null;
}

export interface SessionHost {
  /** Something visible changed for this jugfile (status, load error, workers). */
  changed(state: JugfileState): void;
  log(jugfile: string, source: "worker" | "runtime" | "server", text: string): void;
  poolEvent(state: JugfileState, event: PoolEvent): void;
}

export interface SessionOptions {
  init: InitializationOptions;
  /** Directory of the server's own code (last fallback of runtime resolution). */
  serverDir: string;
  /** Poll interval while workers run or tasks are running (ms). */
  fastPollMs?: number;
  /** Poll interval otherwise (ms). */
  slowPollMs?: number;
  pool?: PoolOptions;
}

export class RequestFailure extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export class Session {
  readonly jugfiles = new Map<string, JugfileState>();
  trusted: boolean;
  private readonly timer: NodeJS.Timeout;
  private readonly fastPollMs: number;
  private readonly slowPollMs: number;
  private readonly resultCache = new Map<string, FormattedResult & { name: string }>();
  private disposed = false;
  /** `jug status` runs the user's jugfile: at most this many at once (a workspace may hold 50 jugfiles). */
  private readonly statusSlots = new Semaphore(2);

  constructor(private readonly options: SessionOptions, private readonly host: SessionHost) {
    this.trusted = options.init.trusted === true;
    this.fastPollMs = options.fastPollMs ?? 400;
    this.slowPollMs = options.slowPollMs ?? 4000;
    this.timer = setInterval(() => this.tick(), Math.min(100, this.fastPollMs));
    this.timer.unref();
  }

  state(jugfilePath: string): JugfileState {
    let state = this.jugfiles.get(jugfilePath);
    if (!state) {
      state = {
        path: jugfilePath,
        status: null,
        storeTasks: null,
        loadError: null,
        diskText: readText(jugfilePath),
        loading: null,
        store: null,
        storeLibrary: null,
        storeProblem: null,
        storeError: null,
        storeWatch: null,
        pool: null,
        lastPoll: 0,
        polling: false,
        pollSoon: false,
        lastStatusLoad: 0,
        barrierReload: null,
      };
      this.jugfiles.set(jugfilePath, state);
    }
    return state;
  }

  /** Tasks known for a jugfile and where they came from. */
  tasksOf(state: JugfileState): { tasks: TaskStatus[]; source: "runtime" | "store" | "none" } {
    if (this.trusted && state.status) return { tasks: state.status.tasks, source: "runtime" };
    if (!this.trusted && state.storeTasks) return { tasks: state.storeTasks, source: "store" };
    return { tasks: [], source: "none" };
  }

  runtime(state: JugfileState): RuntimeLocation | undefined {
    return resolveRuntime(path.dirname(state.path), {
      bundledCli: this.options.init.runtimeCli,
      allowWorkspace: this.trusted,
      serverDir: this.options.serverDir,
    });
  }

  private requireRuntime(state: JugfileState): RuntimeLocation {
    if (!this.trusted) {
      throw new RequestFailure(JugErrorCodes.untrusted, "This workspace is not trusted: Jug does not run jugfiles or start workers here. Trust the workspace to run tasks.");
    }
    const runtime = this.runtime(state);
    if (!runtime) {
      throw new RequestFailure(
        JugErrorCodes.noRuntime,
        `No jug runtime found for ${state.path}: install the "jug" package in the workspace, or set initializationOptions.runtimeCli.`,
      );
    }
    return runtime;
  }

  private processEnv(extra: Record<string, string> = {}): { node: string; env: NodeJS.ProcessEnv } {
    const node = resolveNode(this.options.init.nodePath, process.env, process.execPath);
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.init.env, ...node.env, ...this.storeEnv(), ...extra };
    // Our own Electron flag must not leak into a real node (harmless), but must stay for the fallback.
    if (!node.env["ELECTRON_RUN_AS_NODE"]) delete env["ELECTRON_RUN_AS_NODE"];
    return { node: node.command, env };
  }

  /** The store override, by environment (the CLI's JUG_JUGDIR), not argument: a Redis URL's password would show in `ps`. */
  private storeEnv(): Record<string, string> {
    return this.options.init.storeDir ? { JUG_JUGDIR: this.options.init.storeDir } : {};
  }

  /** The file changed on disk (saved): reload the runtime's view. */
  saved(state: JugfileState): void {
    state.diskText = readText(state.path);
    if (this.trusted) void this.loadStatus(state);
  }

  /** Make sure some status is known: runtime status (trusted) or a store view (untrusted). */
  ensureStatus(state: JugfileState): void {
    if (this.trusted) {
      if (!state.status && !state.loading && !state.loadError) void this.loadStatus(state);
    } else if (!state.store && !state.storeProblem) {
      void this.openStore(state, storeLocation(state.path, this.options.init.storeDir), false);
    }
  }

  /** `jug status --json`: runs the jugfile (trusted only), keeps graph and sites. */
  loadStatus(state: JugfileState): Promise<void> {
    if (state.loading) return state.loading;
    const loading = this.doLoadStatus(state).finally(() => {
      state.loading = null;
      // Tasks may have completed while the runtime was loading: it may already be past the barrier.
      this.passBarrier(state);
    });
    state.loading = loading;
    return loading;
  }

  private async doLoadStatus(state: JugfileState): Promise<void> {
    if (!this.trusted) return;
    const runtime = this.runtime(state);
    if (!runtime) {
      state.loadError = { message: "No jug runtime found: install the \"jug\" package in the workspace.", line: 0, character: 0 };
      this.host.changed(state);
      return;
    }
    const { node, env } = this.processEnv();
    const timeoutMs = this.options.init.cliTimeoutMs ?? 60_000;
    const outcome = await this.statusSlots.run(() => {
      state.lastStatusLoad = Date.now();
      return runCli({
        node,
        args: [runtime.cli, "status", state.path, "--json"],
        cwd: path.dirname(state.path),
        env,
        timeoutMs,
      });
    });
    if (this.disposed) return;
    let doc: StatusDocument | null = null;
    let problem: string | null = null;
    if (outcome.spawnError) problem = outcome.spawnError;
    else if (outcome.timedOut) problem = `jug status did not finish within ${Math.round(timeoutMs / 1000)} s (the jugfile may hang while loading); killed.`;
    else {
      try {
        const parsed = JSON.parse(outcome.stdout) as StatusDocument;
        if (parsed.version !== STATUS_SCHEMA_VERSION || !Array.isArray(parsed.tasks)) {
          problem = `jug status --json printed schema version ${String(parsed.version)}; this server reads version ${STATUS_SCHEMA_VERSION} (runtime ${runtime.packageDir} is another version).`;
        } else {
          doc = parsed;
        }
      } catch {
        const why = summariseError(outcome.stderr) || summariseError(outcome.stdout) || `exit code ${String(outcome.code ?? outcome.signal)}`;
        problem = `Loading the jugfile failed:\n${why}`;
      }
    }
    if (problem) {
      const at = locateLoadError(problem, state.path);
      state.loadError = { message: problem, line: at?.line ?? 0, character: at?.character ?? 0 };
      this.host.log(state.path, "runtime", problem);
    } else {
      state.loadError = null;
      state.status = doc;
      if (outcome.stderr.trim()) this.host.log(state.path, "runtime", outcome.stderr.trim());
      // The configured location, not doc.store: the document shows a Redis URL without its password.
      if (doc && !state.store && !state.storeProblem) await this.openStore(state, storeLocation(state.path, this.options.init.storeDir), true);
    }
    this.host.changed(state);
  }

  /** Opens the store read-only for cheap snapshots; with trust, through the runtime in use. */
  private async openStore(state: JugfileState, location: string, trusted: boolean): Promise<void> {
    const runtime = trusted ? this.runtime(state) : resolveRuntime(path.dirname(state.path), {
      bundledCli: this.options.init.runtimeCli,
      allowWorkspace: false,
      serverDir: this.options.serverDir,
    });
    if (!runtime) {
      state.storeProblem = "no runtime library to read the store with";
      return;
    }
    const loaded = loadRuntimeLibrary(runtime.packageDir);
    if ("error" in loaded) {
      state.storeProblem = loaded.error;
      this.host.log(state.path, "server", loaded.error);
      return;
    }
    if (!/^[a-z]+:\/\//.test(location) && !fs.existsSync(location)) {
      // Nothing stored yet: try again at the next poll.
      state.storeProblem = null;
      if (!trusted && !state.storeTasks) {
        state.storeTasks = [];
        this.host.changed(state);
      }
      return;
    }
    try {
      const store = await loaded.library.openStore(location);
      state.store = store;
      state.storeLibrary = loaded.library;
      state.storeProblem = null;
      state.storeError = null;
      try {
        state.storeWatch = store.watch(() => {
          state.pollSoon = true;
        });
      } catch {
        state.storeWatch = null; // polling alone is enough
      }
      await this.poll(state);
    } catch (error) {
      state.storeProblem = `cannot read the store ${location}: ${(error as Error).message}`;
      state.storeError = state.storeProblem;
      this.host.log(state.path, "server", state.storeProblem);
      this.host.changed(state);
    }
  }

  /**
   * When every task before the jugfile's blocking barrier is complete, the next load goes past it:
   * load the status again to learn the tasks after it (store snapshots only update known tasks).
   */
  private passBarrier(state: JugfileState): void {
    if (!this.trusted || state.loading || this.disposed) return;
    const { reload, key } = reloadForBarrier(state.status, state.barrierReload);
    state.barrierReload = key;
    if (!reload) return;
    this.host.log(state.path, "server", "the tasks before the barrier are complete: loading the jugfile again for the tasks after it");
    void this.loadStatus(state);
  }

  private busy(state: JugfileState): boolean {
    return (state.pool?.running ?? 0) > 0 || (state.status?.counts.running ?? 0) > 0;
  }

  private tick(): void {
    const now = Date.now();
    for (const state of this.jugfiles.values()) {
      if (state.polling) continue;
      const interval = state.pollSoon || this.busy(state) ? this.fastPollMs : this.slowPollMs;
      if (now - state.lastPoll < interval) continue;
      state.pollSoon = false;
      if (state.store) {
        void this.poll(state);
      } else if (this.trusted && state.status && !state.storeProblem) {
        state.lastPoll = now;
        void this.openStore(state, storeLocation(state.path, this.options.init.storeDir), true);
      } else if (!this.trusted && !state.storeProblem) {
        state.lastPoll = now;
        void this.openStore(state, storeLocation(state.path, this.options.init.storeDir), false);
      } else if (this.trusted && state.storeProblem && this.busy(state) && now - state.lastStatusLoad > 3000) {
        // No store library (older runtime): fall back to asking the CLI while workers run.
        state.lastPoll = now;
        void this.loadStatus(state);
      }
    }
  }

  /** One store snapshot: recompute states (trusted) or the read-only task list (untrusted). */
  private async poll(state: JugfileState): Promise<void> {
    if (!state.store || state.polling) return;
    state.polling = true;
    state.lastPoll = Date.now();
    try {
      const snapshot = await state.store.snapshot();
      if (this.disposed) return;
      if (this.trusted && state.status && state.storeLibrary) {
        state.status = state.storeLibrary.deriveStatus(state.status, snapshot);
        this.passBarrier(state);
      } else if (!this.trusted) {
        state.storeTasks = tasksFromSnapshot(snapshot);
      }
      this.host.changed(state);
    } catch (error) {
      this.host.log(state.path, "server", `store snapshot failed: ${(error as Error).message}`);
    } finally {
      state.polling = false;
    }
  }

  // ---- workers ------------------------------------------------------------------------------

  startWorkers(state: JugfileState, count: number, extraArgs: string[] = []): number {
    const runtime = this.requireRuntime(state);
    if (!Number.isFinite(count) || count < 0 || count > 256) throw new RequestFailure(ErrorCodes.InvalidParams, `worker count must be 0..256, got ${count}`);
    if (!state.pool || state.pool.running === 0) {
      state.pool = new WorkerPool(
        (id) => this.spawnWorker(state, runtime, id, extraArgs),
        { now: () => Date.now(), setTimeout: (cb, ms) => { const t = setTimeout(cb, ms); return { cancel: () => clearTimeout(t) }; } },
        (event) => {
          this.host.poolEvent(state, event);
          if (event.kind === "idle") state.pollSoon = true;
          this.host.changed(state);
        },
        this.options.pool ?? DEFAULT_POOL_OPTIONS,
      );
    }
    const running = state.pool.start(count);
    state.pollSoon = true;
    this.host.changed(state);
    return running;
  }

  async stopWorkers(state: JugfileState | undefined): Promise<number> {
    const states = state ? [state] : [...this.jugfiles.values()];
    await Promise.all(states.map((s) => s.pool?.stop()));
    return states.reduce((n, s) => n + (s.pool?.running ?? 0), 0);
  }

  private spawnWorker(state: JugfileState, runtime: RuntimeLocation, id: number, extraArgs: string[]): WorkerProcess {
    const { node, env } = this.processEnv({ JUG_SERVER_PID: String(process.pid), JUG_WORKER_ID: String(id) });
    const preload = parentWatchFile();
    if (!preload) this.host.log(state.path, "server", "cannot write the worker guard to the temp directory: workers will not notice if the server is killed");
    const args = [...(preload ? ["-r", preload] : []), runtime.cli, "execute", state.path, "--keep-going", ...extraArgs];
    this.host.log(state.path, "server", `starting worker ${id}: ${node} ${args.join(" ")}`);
    const child = spawn(node, args, {
      cwd: path.dirname(state.path),
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
      windowsHide: true,
    });
    const forward = (chunk: string): void => {
      for (const line of chunk.split("\n")) if (line.trim()) this.host.log(state.path, "worker", `[w${id}] ${line.trimEnd()}`);
    };
    child.stdout.setEncoding("utf8").on("data", forward);
    child.stderr.setEncoding("utf8").on("data", forward);
    let exited = false;
    const onExit = (code: number | null, signal: string | null): void => {
      if (exited) return;
      exited = true;
      this.host.log(state.path, "server", `worker ${id} exited (${signal ?? `code ${code}`})`);
      // Report after the current spawn call returned (the pool registers the worker first).
      setImmediate(() => state.pool?.exited(id, code, signal));
    };
    child.on("error", (error) => {
      this.host.log(state.path, "server", `worker ${id} could not start: ${error.message}`);
      onExit(127, null);
    });
    child.on("close", onExit);
    const pid = child.pid ?? 0;
    return {
      pid,
      signal: (signal) => {
        if (pid > 0) killGroup(pid, signal);
      },
    };
  }

  /** Work for one task (and what it needs), or all tasks of a name: a single worker limited by --target. */
  run(state: JugfileState, hash: string | undefined, target: string | undefined): { started: boolean; message: string } {
    this.requireRuntime(state);
    const running = state.pool?.running ?? 0;
    if (running > 0) return { started: false, message: `${running} worker(s) already running for this jugfile; they will run it.` };
    // `--target hash:H` runs that one task and what it needs.
    const pattern = hash ? `hash:${hash}` : target;
    this.startWorkers(state, 1, pattern ? ["--target", pattern] : []);
    const name = hash && state.status?.tasks.find((t) => t.hash === hash)?.name;
    const what = hash ? `${name ?? "task"} (${hash.slice(0, 8)})` : target;
    return { started: true, message: what ? `running ${what} and what it needs` : "running all tasks" };
  }

  async invalidate(state: JugfileState, hash: string | undefined, target: string | undefined): Promise<number> {
    const runtime = this.requireRuntime(state);
    let pattern = target;
    if (hash) pattern = `hash:${hash}`;
    if (!pattern) throw new RequestFailure(ErrorCodes.InvalidParams, "jug/invalidate needs a hash or a target");
    const before = state.status?.counts.complete ?? 0;
    await this.cli(state, runtime, ["invalidate", state.path, "--target", pattern]);
    await this.loadStatus(state);
    return Math.max(0, before - (state.status?.counts.complete ?? 0));
  }

  async cleanup(state: JugfileState, locksOnly: boolean, failedOnly: boolean): Promise<string> {
    const runtime = this.requireRuntime(state);
    const flags = [...(locksOnly ? ["--locks-only"] : []), ...(failedOnly ? ["--failed-only"] : [])];
    const out = await this.cli(state, runtime, ["cleanup", state.path, ...flags]);
    state.pollSoon = true;
    return out.trim() || "cleanup done";
  }

  private async cli(state: JugfileState, runtime: RuntimeLocation, args: string[]): Promise<string> {
    const { node, env } = this.processEnv();
    const outcome = await runCli({ node, args: [runtime.cli, ...args], cwd: path.dirname(state.path), env, timeoutMs: this.options.init.cliTimeoutMs ?? 60_000 });
    if (outcome.spawnError || outcome.timedOut || outcome.code !== 0) {
      const why = outcome.spawnError ?? (outcome.timedOut ? "timed out" : summariseError(outcome.stderr) || `exit code ${outcome.code}`);
      throw new RequestFailure(JugErrorCodes.badJugfile, `jug ${args[0]} failed: ${why}`);
    }
    if (outcome.stderr.trim()) this.host.log(state.path, "runtime", outcome.stderr.trim());
    return outcome.stdout;
  }

  /** A stored result, decoded by the runtime library and formatted (cached for paging). */
  async result(state: JugfileState, hash: string): Promise<FormattedResult & { name: string }> {
    const key = `${state.path}\0${hash}`;
    const cached = this.resultCache.get(key);
    if (cached) return cached;
    if (!state.store || !state.storeLibrary) {
      this.ensureStatus(state);
      throw new RequestFailure(JugErrorCodes.noResult, `the store of ${path.basename(state.path)} cannot be read${state.storeProblem ? ": " + state.storeProblem : " (no results yet)"}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await state.store.read(hash);
    } catch (error) {
      throw new RequestFailure(JugErrorCodes.noResult, `no readable result for task ${hash.slice(0, 8)}: ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = state.storeLibrary.decodeResult(bytes);
    } catch (error) {
      throw new RequestFailure(JugErrorCodes.noResult, `result of task ${hash.slice(0, 8)} cannot be decoded: ${(error as Error).message}`);
    }
    const name = this.tasksOf(state).tasks.find((t) => t.hash === hash)?.name ?? hash.slice(0, 8);
    const formatted = { ...formatResult(value), name };
    this.resultCache.set(key, formatted);
    if (this.resultCache.size > 8) this.resultCache.delete(this.resultCache.keys().next().value!);
    return formatted;
  }

  setTrusted(trusted: boolean): void {
    if (trusted === this.trusted) return;
    this.trusted = trusted;
    for (const state of this.jugfiles.values()) {
      // The read-only view was opened with the bundled library; reopen through the runtime in use.
      this.closeStore(state);
      state.storeTasks = null;
      state.loadError = null;
      if (!trusted) {
        void state.pool?.stop();
        state.status = null;
      }
      this.ensureStatus(state);
      this.host.changed(state);
    }
  }

  private closeStore(state: JugfileState): void {
    state.storeWatch?.dispose();
    state.storeWatch = null;
    void state.store?.close().catch(() => undefined);
    state.store = null;
    state.storeLibrary = null;
    state.storeProblem = null;
    state.storeError = null;
  }

  forget(jugfilePath: string): void {
    const state = this.jugfiles.get(jugfilePath);
    if (!state || (state.pool?.running ?? 0) > 0) return;
    this.closeStore(state);
    this.jugfiles.delete(jugfilePath);
  }

  /** Graceful: SIGTERM, SIGKILL after the grace period, close stores. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.stopWorkers(undefined);
    this.disposed = true;
    clearInterval(this.timer);
    for (const state of this.jugfiles.values()) this.closeStore(state);
  }

  /** Synchronous, for process exit: SIGTERM every worker group and leave a detached reaper to SIGKILL stragglers. */
  emergencyStop(): void {
    const pids = [...this.jugfiles.values()].flatMap((s) => s.pool?.pids ?? []).filter((pid) => pid > 0 && isAlive(pid));
    if (pids.length === 0) return;
    for (const pid of pids) killGroup(pid, "SIGTERM");
    if (process.platform === "win32") return;
    const grace = (this.options.pool ?? DEFAULT_POOL_OPTIONS).graceMs;
    const reaper = `setTimeout(() => { for (const p of ${JSON.stringify(pids)}) { try { process.kill(-p, "SIGKILL"); } catch {} } }, ${grace});`;
    try {
      spawn(process.execPath, ["-e", reaper], { detached: true, stdio: "ignore", env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" } }).unref();
    } catch {
      for (const pid of pids) killGroup(pid, "SIGKILL");
    }
  }
}

class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Untrusted read-only view: stored results and failures as tasks (no graph, no sites). */
export function tasksFromSnapshot(snapshot: SnapshotView): TaskStatus[] {
  const tasks: TaskStatus[] = [];
  for (const [hash, meta] of snapshot.results) {
    tasks.push({
      hash, name: meta.name, state: "complete", deps: [], site: null, duration: meta.duration, size: meta.size,
      stale: false, worker: meta.worker, preview: meta.preview, time: meta.time, error: null,
    });
  }
  for (const [hash, failure] of snapshot.failures) {
    if (snapshot.results.has(hash)) continue;
    tasks.push({
      hash, name: failure.name, state: "failed", deps: [], site: null, duration: null, size: null,
      stale: false, worker: failure.worker, preview: null, time: failure.time, error: failure.message,
    });
  }
  return tasks.sort((a, b) => (a.time ?? "").localeCompare(b.time ?? ""));
}
