/**
 * The worker pool of one jugfile, as pure logic: how many workers should run, when to replace
 * one that crashed (within a restart budget), and how to stop (SIGTERM, then SIGKILL after a
 * grace period). Processes, timers and the clock are injected, so tests drive it directly.
 */

export interface WorkerProcess {
  readonly pid: number;
  signal(signal: "SIGTERM" | "SIGKILL"): void;
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): { cancel(): void };
}

export interface PoolOptions {
  /** Milliseconds between SIGTERM and SIGKILL when stopping. */
  graceMs: number;
  /** Replacements allowed for crashed workers within `restartWindowMs`. */
  restartBudget: number;
  restartWindowMs: number;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = { graceMs: 5000, restartBudget: 3, restartWindowMs: 60_000 };

interface Member {
  id: number;
  process: WorkerProcess;
  stopping: boolean;
}

export type PoolEvent =
  | { kind: "started"; id: number; pid: number }
  | { kind: "exited"; id: number; pid: number; code: number | null; signal: string | null; crashed: boolean }
  | { kind: "restarting"; id: number }
  | { kind: "budgetExhausted"; crashes: number }
  | { kind: "idle" };

export class WorkerPool {
  private target = 0;
  private nextId = 1;
  private readonly members = new Map<number, Member>();
  private readonly restartTimes: number[] = [];
  private crashes = 0;
  private finished = false;
  private readonly stopWaiters: (() => void)[] = [];

  constructor(
    private readonly spawnWorker: (id: number) => WorkerProcess,
    private readonly timers: Timers,
    private readonly onEvent: (event: PoolEvent) => void,
    private readonly options: PoolOptions = DEFAULT_POOL_OPTIONS,
  ) {}

  get running(): number {
    return [...this.members.values()].filter((m) => !m.stopping).length;
  }
  get pids(): number[] {
    return [...this.members.values()].map((m) => m.process.pid);
  }
  get crashedWorkers(): number {
    return this.crashes;
  }

  /** Runs `count` workers: starts the missing ones (top up), never kills running ones. */
  start(count: number): number {
    this.target = Math.max(0, Math.floor(count));
    this.finished = false;
    this.restartTimes.length = 0;
    while (this.running < this.target) this.spawn();
    return this.running;
  }

  /** SIGTERM to every worker, SIGKILL to those still alive after the grace period; resolves when all have exited. */
  stop(): Promise<void> {
    this.target = 0;
    for (const member of this.members.values()) {
      if (member.stopping) continue;
      member.stopping = true;
      member.process.signal("SIGTERM");
      this.timers.setTimeout(() => {
        if (this.members.has(member.id)) member.process.signal("SIGKILL");
      }, this.options.graceMs);
    }
    if (this.members.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  /** The glue reports every worker exit here. */
  exited(id: number, code: number | null, signal: string | null): void {
    const member = this.members.get(id);
    if (!member) return;
    this.members.delete(id);
    // Exit 0: the worker found nothing left to do. Anything else we did not ask for is a crash.
    const crashed = !member.stopping && code !== 0;
    if (crashed) this.crashes++;
    if (code === 0 && !member.stopping) this.finished = true;
    this.onEvent({ kind: "exited", id, pid: member.process.pid, code, signal, crashed });
    if (crashed && !this.finished && this.running < this.target) this.replace(id);
    if (this.members.size === 0) {
      for (const resolve of this.stopWaiters.splice(0)) resolve();
      this.onEvent({ kind: "idle" });
    }
  }

  private replace(id: number): void {
    const now = this.timers.now();
    while (this.restartTimes.length > 0 && now - this.restartTimes[0]! > this.options.restartWindowMs) this.restartTimes.shift();
    if (this.restartTimes.length >= this.options.restartBudget) {
      this.onEvent({ kind: "budgetExhausted", crashes: this.crashes });
      this.target = this.running;
      return;
    }
    this.restartTimes.push(now);
    this.onEvent({ kind: "restarting", id });
    this.spawn();
  }

  private spawn(): void {
    const id = this.nextId++;
    const process = this.spawnWorker(id);
    this.members.set(id, { id, process, stopping: false });
    this.onEvent({ kind: "started", id, pid: process.pid });
  }
}
