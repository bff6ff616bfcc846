/**
 * `jug execute`: one worker in this process, or with `-j N` N worker processes (children of this
 * one, each a full worker that loads the jugfile) while this process shows progress and the table.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { Task } from "../api/task";
import { withDependencies } from "../engine/select";
import { Worker, type TaskEvent } from "../engine/worker";
import type { StoreSnapshot } from "../store/types";
import { formatSite } from "../api/callsite";
import { runHooks } from "../api/hooks";
import { EXIT_FAILED, EXIT_OK, openJug, storeLocation, type CommonOptions, type JugContext } from "./common";
import { RunReport } from "./report";

export interface ExecuteOptions extends CommonOptions {
  jobs: number;
  target?: string;
  keepGoing: boolean;
  keepFailed: boolean;
  /** Internal: run as a child of `execute -j N`, reporting events over IPC. */
  child: boolean;
  /** Internal: where a child starts in the task list (fraction); see WorkerOptions.startAt. */
  startAt?: number;
}

/**
 * Events a child worker sends its parent (over the fork IPC channel, JSON), as columns: a few long
 * strings and number arrays serialize many times faster than one object per event (an object per
 * trivial task cost the child 7-28 µs of JSON and pipe writes).
 */
interface ChildMessage {
  /** The events' task hashes, each followed by "\n". */
  hashes: string;
  /** One character per event: "e" executed, "f" failed. */
  outcomes: string;
  /** Each event's task name, as an index into `names`. */
  nameAt: number[];
  names: string[];
  seconds: number[];
}

/** Collects a child's events into the next ChildMessage. */
class EventColumns {
  private hashes = "";
  private outcomes = "";
  private nameAt: number[] = [];
  private names: string[] = [];
  private seconds: number[] = [];

  get size(): number {
    return this.nameAt.length;
  }

  add(e: TaskEvent): void {
    this.hashes += `${e.hash}\n`;
    this.outcomes += e.outcome === "executed" ? "e" : "f";
    let at = this.names.indexOf(e.name); // a jugfile has few task names; a message holds ~50 ms of events
    if (at < 0) at = this.names.push(e.name) - 1;
    this.nameAt.push(at);
    this.seconds.push(e.seconds);
  }

  /** The message, and an empty collection for the next one. */
  take(): ChildMessage {
    const message: ChildMessage = { hashes: this.hashes, outcomes: this.outcomes, nameAt: this.nameAt, names: this.names, seconds: this.seconds };
    this.hashes = "";
    this.outcomes = "";
    this.nameAt = [];
    this.names = [];
    this.seconds = [];
    return message;
  }

  static *events(m: ChildMessage): Generator<TaskEvent> {
    let from = 0;
    for (let i = 0; i < m.nameAt.length; i++) {
      const to = m.hashes.indexOf("\n", from);
      yield { outcome: m.outcomes[i] === "e" ? "executed" : "failed", hash: m.hashes.slice(from, to), name: m.names[m.nameAt[i]!]!, seconds: m.seconds[i]! };
      from = to + 1;
    }
  }
}

const BIN = path.join(__dirname, "..", "..", "bin", "jug.js");
const IPC_FLUSH_MS = 50;
const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export async function executeCommand(jugfileArg: string | undefined, options: ExecuteOptions, userArgs: readonly string[]): Promise<number> {
  // A jugfile that stops at a barrier is loaded again after each run, until it runs to its end
  // (a `-j N` child runs one round: its parent starts new children for the next).
  let previous: { site: string; tasks: number } | null = null;
  for (;;) {
    const ctx = await openJug(jugfileArg, options, userArgs);
    const barrier = ctx.barrier ? formatSite(ctx.barrier) : null;
    if (barrier && previous && previous.site === barrier && previous.tasks === ctx.tasks.length) {
      await ctx.store.close();
      // Under --target, tasks before the barrier that were not selected may block it: the selected ones ran.
      const why = options.target ? "tasks before it that --target did not select are not complete" : "the tasks before it did not all complete";
      process.stderr.write(`jug: stopped at the barrier at ${barrier}: ${why}\n`);
      return options.target ? EXIT_OK : EXIT_FAILED;
    }
    if (previous) process.stderr.write(`jug: passed the barrier at ${previous.site}; running what follows\n`);
    let code: number;
    try {
      code = await execute(ctx, options, userArgs);
    } catch (e) {
      // Close before the error is reported: an open connection (Redis store) would keep the process alive.
      await ctx.store.close().catch(() => undefined);
      throw e;
    }
    if (!barrier || options.child || code !== EXIT_OK) return code;
    previous = { site: barrier, tasks: ctx.tasks.length };
  }
}

async function execute(ctx: JugContext, options: ExecuteOptions, userArgs: readonly string[]): Promise<number> {
  const selection = options.target ? withDependencies(ctx.tasks, options.target) : ctx.unique;
  if (options.child) return runChild(ctx, selection, options);

  const snapshot = await ctx.store.snapshot();
  // The snapshot's own map, not a copy: at 100,000 tasks each extra set of hashes costs ~0.1 s.
  const completeAtStart = snapshot.results;
  const report = new RunReport(selection, ctx.unique.length, ctx.idOf, completeAtStart, process.stderr.isTTY === true);
  let clean: boolean;
  let isComplete: (task: Task<unknown>) => boolean;
  const inProcess = options.jobs > 1 ? null : await runInProcess(ctx, selection, options, (e) => report.onEvent(e), (m) => report.log(m), snapshot);
  if (inProcess && !inProcess.stopped) {
    // A worker that ran to the end knows of every selected task whether it is stored: no second lookup per task.
    clean = inProcess.clean;
    isComplete = (t) => inProcess.worker.isComplete(t);
  } else {
    clean = inProcess ? inProcess.clean : await superviseChildren(ctx, options, userArgs, report);
    const completeAtEnd = (await ctx.store.snapshot()).results;
    isComplete = (t) => completeAtEnd.has(t.hash);
  }
  await ctx.store.close();
  runHooks("execute.finished-pre-status", (m) => report.log(m));
  process.stdout.write(`${report.table(isComplete)}\n`);
  runHooks("execute.finished-post-status", (m) => report.log(m));
  if (report.failedCount > 0) process.stderr.write(`jug: ${report.failedCount} task(s) failed (see above; \`jug status\` lists them)\n`);
  return clean && report.failedCount === 0 ? EXIT_OK : EXIT_FAILED;
}

/** Runs one worker here. `clean`: it ran to the end without failures; `stopped`: it stopped early. */
async function runInProcess(
  ctx: JugContext,
  selection: readonly Task<unknown>[],
  options: ExecuteOptions,
  onEvent: (e: TaskEvent) => void,
  log: (m: string) => void,
  snapshot?: StoreSnapshot,
): Promise<{ clean: boolean; stopped: boolean; worker: Worker }> {
  const worker = new Worker({
    store: ctx.store,
    tasks: selection,
    idCount: ctx.unique.length,
    keepGoing: options.keepGoing,
    keepFailed: options.keepFailed,
    startAt: options.startAt,
    onEvent,
    log,
    snapshot,
  });
  const removeHandlers = onStopSignal(async () => {
    await worker.stop();
    await ctx.store.close();
  });
  try {
    const result = await worker.run();
    if (result.kept > 0) {
      log(`jug: ${result.kept} task(s) not run: they failed before with --keep-failed (\`jug cleanup --failed-only\` lets them run again)`);
    }
    if (result.blocked > 0) log(`jug: ${result.blocked} task(s) not run: a task they need failed`);
    const clean = !result.stopped && result.failed === 0 && result.kept === 0 && result.blocked === 0;
    return { clean, stopped: result.stopped, worker };
  } finally {
    removeHandlers();
  }
}

/** Child of `execute -j N`: events go to the parent in batches; the parent prints the table. */
async function runChild(ctx: JugContext, selection: readonly Task<unknown>[], options: ExecuteOptions): Promise<number> {
  const pending = new EventColumns();
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size > 0) process.send?.(pending.take());
  };
  const onEvent = (e: TaskEvent): void => {
    pending.add(e);
    if (e.outcome === "failed") flush();
    else timer ??= setTimeout(flush, IPC_FLUSH_MS);
  };
  const { clean: ok } = await runInProcess(ctx, selection, options, onEvent, (m) => process.stderr.write(`${m}\n`));
  flush();
  await ctx.store.close();
  process.disconnect?.();
  return ok ? EXIT_OK : EXIT_FAILED;
}

/** Starts `options.jobs` worker processes and waits for them; true when all ended cleanly. */
async function superviseChildren(ctx: JugContext, options: ExecuteOptions, userArgs: readonly string[], report: RunReport): Promise<boolean> {
  const argsOf = (k: number): string[] => [
    "execute",
    ctx.jugfile,
    ...(options.target ? ["--target", options.target] : []),
    ...(options.keepGoing ? ["--keep-going"] : []),
    ...(options.keepFailed ? ["--keep-failed"] : []),
    "--child",
    "--start-at",
    String(k / options.jobs),
    "--",
    ...userArgs,
  ];
  const children: ChildProcess[] = [];
  const stopAll = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  };
  const exits = Array.from({ length: options.jobs }, (_, k) => {
    // The store by environment, not argument: a Redis URL may hold a password (see --jugdir in main.ts).
    const env = { ...process.env, JUG_JUGDIR: storeLocation(ctx.jugfile, options) };
    const child = fork(BIN, argsOf(k), { stdio: ["ignore", "inherit", "inherit", "ipc"], env });
    children.push(child);
    child.on("message", (m: ChildMessage) => {
      for (const e of EventColumns.events(m)) {
        report.onEvent(e);
        // Without --keep-going the first failure stops the run (every worker, not just the one that failed).
        if (e.outcome === "failed" && !options.keepGoing) stopAll();
      }
    });
    return new Promise<boolean>((resolve) => child.on("exit", (code) => resolve(code === 0)));
  });
  const removeHandlers = onStopSignal(async () => {
    stopAll();
    await Promise.all(exits);
    await ctx.store.close();
  });
  try {
    return (await Promise.all(exits)).every((ok) => ok);
  } finally {
    removeHandlers();
  }
}

/**
 * SIGINT/SIGTERM: run `cleanup` (finish a result being written, release locks), then exit non-zero.
 * The same signal again exits at once (Ctrl-C twice). Another signal meanwhile is ignored: after
 * Ctrl-C on a terminal, `-j N` workers get SIGINT from the terminal and SIGTERM from their parent.
 */
function onStopSignal(cleanup: () => Promise<void>): () => void {
  let stopping: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping === signal) process.exit(SIGNAL_EXIT[signal] ?? EXIT_FAILED);
    if (stopping) return;
    stopping = signal;
    process.stderr.write(`\njug: ${signal}: stopping (finished results are kept; locks released)\n`);
    cleanup().finally(() => process.exit(SIGNAL_EXIT[signal] ?? EXIT_FAILED));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
