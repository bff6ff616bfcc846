import { test } from "node:test";
import assert from "node:assert/strict";
import type * as PoolModule from "../../server/src/workers/pool";
import { serverModule } from "./fixtures";

const { WorkerPool } = serverModule<typeof PoolModule>("workers/pool");

/** Fake processes and a manual clock: every decision of the pool is visible. */
function harness(options = { graceMs: 1000, restartBudget: 2, restartWindowMs: 10_000 }) {
  let now = 0;
  let nextPid = 100;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const signals: string[] = [];
  const events: PoolModule.PoolEvent[] = [];
  const pool = new WorkerPool(
    () => {
      const pid = nextPid++;
      return { pid, signal: (s) => signals.push(`${pid}:${s}`) };
    },
    {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn, cancelled: false };
        timers.push(t);
        return { cancel: () => (t.cancelled = true) };
      },
    },
    (e) => events.push(e),
    options,
  );
  const advance = (ms: number): void => {
    now += ms;
    for (const t of timers.splice(0)) {
      if (t.cancelled) continue;
      if (t.at <= now) t.fn();
      else timers.push(t);
    }
  };
  return { pool, signals, events, advance };
}

test("start tops up to the requested count and never kills running workers", () => {
  const { pool, events } = harness();
  assert.equal(pool.start(2), 2);
  assert.equal(pool.start(3), 3);
  assert.equal(pool.start(1), 3);
  assert.deepEqual(pool.pids, [100, 101, 102]);
  assert.equal(events.filter((e) => e.kind === "started").length, 3);
});

test("stop sends SIGTERM, then SIGKILL to workers still alive after the grace period", async () => {
  const { pool, signals, advance } = harness();
  pool.start(2);
  const stopped = pool.stop();
  assert.deepEqual(signals, ["100:SIGTERM", "101:SIGTERM"]);
  pool.exited(1, null, "SIGTERM"); // the first one obeys
  advance(1000);
  assert.deepEqual(signals, ["100:SIGTERM", "101:SIGTERM", "101:SIGKILL"]);
  pool.exited(2, null, "SIGKILL");
  await stopped;
  assert.equal(pool.running, 0);
  assert.equal(pool.crashedWorkers, 0, "workers we stopped did not crash");
});

test("a crashed worker is replaced within the restart budget, then the pool gives up", () => {
  const { pool, events } = harness();
  pool.start(1);
  pool.exited(1, 1, null);
  pool.exited(2, null, "SIGSEGV");
  assert.equal(pool.running, 1, "two replacements allowed");
  pool.exited(3, 1, null);
  assert.equal(pool.running, 0);
  assert.equal(pool.crashedWorkers, 3);
  assert.deepEqual(events.filter((e) => e.kind === "restarting" || e.kind === "budgetExhausted").map((e) => e.kind), [
    "restarting",
    "restarting",
    "budgetExhausted",
  ]);
  assert.equal(events[events.length - 1]!.kind, "idle");
});

test("the budget is per time window: crashes far apart keep being replaced", () => {
  const { pool, advance } = harness();
  pool.start(1);
  for (let id = 1; id <= 5; id++) {
    pool.exited(id, 1, null);
    advance(20_000);
  }
  assert.equal(pool.running, 1);
});

test("a worker that finishes (exit 0) is not replaced, and nothing is restarted after the work is done", () => {
  const { pool, events } = harness();
  pool.start(2);
  pool.exited(1, 0, null);
  assert.equal(pool.running, 1);
  pool.exited(2, 1, null);
  assert.equal(pool.running, 0);
  assert.equal(events.some((e) => e.kind === "restarting"), false);
});
