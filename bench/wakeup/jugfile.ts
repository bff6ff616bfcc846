// Fixture for the wake-up latency benchmark (bench/runtime.mjs): how long after one worker
// finishes a task does another, idle worker start a task that depends on it?
//
// With two workers: one takes `produce` (long), the other takes `occupy` (short), finishes it
// and must wait for `produce` (the benchmark keeps only rounds where it did: a worker that
// starts late would measure its start-up, not its wake-up). When `produce` returns, both dependents become ready; the worker
// that ran `produce` takes one and, as each dependent keeps its worker busy, the waiting worker
// must take the other. Each task appends its process id and time to a file in BENCH_WAKE_DIR.
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { TaskGenerator } from "jug";

const RECORDS = process.env.BENCH_WAKE_DIR ?? ".";
const ROUND = process.env.BENCH_WAKE_ROUND ?? "0";

/** Blocks the thread (not just this async flow), so a worker cannot do anything else meanwhile. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function record(event: string): void {
  appendFileSync(join(RECORDS, `${process.pid}.jsonl`), JSON.stringify({ event, pid: process.pid, time: now() }) + "\n");
}

const produce = TaskGenerator(function produce(round: string, ms: number): string {
  sleep(ms);
  record("produced");
  return round;
});

const occupy = TaskGenerator(function occupy(round: string, ms: number): string {
  record("occupied");
  sleep(ms);
  return round;
});

const consume = TaskGenerator(function consume(which: string, input: string, ms: number): string {
  record("consumed");
  sleep(ms);
  return which + input;
});

// ROUND is in every argument so that each round is a fresh set of tasks.
const produced = produce(ROUND, 2000);
occupy(ROUND, 100);
consume("first", produced, 500);
consume("second", produced, 500);
