/** What `jug execute` shows: a progress bar on a terminal, and a per-name table at the end. */
import type { SingleBar } from "cli-progress";
import type { Task } from "../api/task";
import type { TaskEvent } from "../engine/worker";
import { newTable } from "./common";

/** Hashes of stored results: a set, or the snapshot's map of them. */
export interface HashSet {
  has(hash: string): boolean;
}

interface NameRow {
  executed: number;
  loaded: number;
  failed: number;
  seconds: number;
}

/** Outcome of a task in this run, by task id. */
const EXECUTED = 1;
const FAILED = 2;

export class RunReport {
  // Outcomes by task id and per-name sums, not the events: at 100,000 tasks the events cost megabytes.
  private readonly outcomes: Uint8Array;
  private executed = 0;
  private failed = 0;
  /** Seconds of the executed tasks, per name. */
  private readonly secondsByName = new Map<string, number>();
  private bar: SingleBar | null = null;
  /** Selected tasks complete at the start; counted only for the progress bar. */
  private initiallyDone = 0;

  constructor(
    /** The selected tasks, one per hash. */
    private readonly tasks: readonly Task<unknown>[],
    /** How many task ids the loaded jugfile has (the size of per-task arrays). */
    idCount: number,
    /** Task id of a hash (events from `-j N` children name tasks by hash). */
    private readonly idOf: (hash: string) => number,
    completeAtStart: HashSet,
    showProgress: boolean,
  ) {
    this.outcomes = new Uint8Array(idCount);
    if (showProgress && tasks.length > 0) {
      for (const t of tasks) if (completeAtStart.has(t.hash)) this.initiallyDone++;
      // Loaded only when shown: each module costs tens of milliseconds of startup.
      const { SingleBar: Bar } = require("cli-progress") as typeof import("cli-progress");
      this.bar = new Bar({
        format: "{bar} {value}/{total} tasks | {executed} executed, {failed} failed | {duration_formatted}",
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      });
      this.bar.start(tasks.length, this.doneCount(), { executed: 0, failed: 0 });
    }
  }

  get executedCount(): number {
    return this.executed;
  }

  get failedCount(): number {
    return this.failed;
  }

  onEvent(event: TaskEvent): void {
    const id = this.idOf(event.hash);
    // A task runs once per run; an id outside the selection (another jugfile version) still counts.
    if (id >= 0 && id < this.outcomes.length) {
      if (this.outcomes[id]) return;
      this.outcomes[id] = event.outcome === "executed" ? EXECUTED : FAILED;
    }
    if (event.outcome === "executed") {
      this.executed++;
      this.secondsByName.set(event.name, (this.secondsByName.get(event.name) ?? 0) + event.seconds);
    } else this.failed++;
    this.bar?.update(this.doneCount(), { executed: this.executed, failed: this.failed });
  }

  /** Prints a message without tearing the progress bar. */
  log(message: string): void {
    if (this.bar) process.stderr.write("\r\x1b[2K");
    process.stderr.write(message.endsWith("\n") ? message : `${message}\n`);
    if (this.bar) this.bar.render();
  }

  stopProgress(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /** The per-name table: executed, loaded (complete and not executed in this run), failed, mean time. */
  table(isComplete: (task: Task<unknown>) => boolean): string {
    this.stopProgress();
    const rows = new Map<string, NameRow>();
    for (const t of this.tasks) {
      let row = rows.get(t.name);
      if (!row) rows.set(t.name, (row = { executed: 0, loaded: 0, failed: 0, seconds: this.secondsByName.get(t.name) ?? 0 }));
      const outcome = this.outcomes[t.id];
      if (outcome === EXECUTED) row.executed++;
      else if (outcome === FAILED) row.failed++;
      else if (isComplete(t)) row.loaded++;
    }
    const table = newTable(["Task name", "Executed", "Loaded", "Failed", "Mean time"]);
    const total: NameRow = { executed: 0, loaded: 0, failed: 0, seconds: 0 };
    for (const name of [...rows.keys()].sort()) {
      const r = rows.get(name)!;
      table.push([name, r.executed, r.loaded, r.failed, meanTime(r)]);
      total.executed += r.executed;
      total.loaded += r.loaded;
      total.failed += r.failed;
      total.seconds += r.seconds;
    }
    table.push(["Total", total.executed, total.loaded, total.failed, meanTime(total)]);
    return table.toString();
  }

  private doneCount(): number {
    return this.initiallyDone + this.executed + this.failed;
  }
}

function meanTime(r: NameRow): string {
  if (r.executed === 0) return "-";
  const mean = r.seconds / r.executed;
  return mean < 1 ? `${(mean * 1000).toFixed(1)} ms` : `${mean.toFixed(2)} s`;
}
