// CachedFunction through the real CLI: computed once while the jugfile loads, then read from the store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CachedFunction } from "jug";
import { fixtureProject, jug, logLines } from "./cli-helpers";

test("outside the CLI, CachedFunction says it needs the jug CLI", async () => {
  await assert.rejects(
    CachedFunction(function later(x: number) {
      return x;
    }, 1),
    /only possible inside the jug CLI/,
  );
});

test("the value is computed at the first load (status), stored, and read by later loads", async () => {
  const project = fixtureProject("cached");
  const status = await jug(["status", "--short"], project);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /3 ready, 0 running, 0 failed, 1 complete \(4 tasks\)/);
  const run = await jug(["execute"], project);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    logLines(project).map((l) => l.line),
    ["listInputs"],
    "computed once: execute read it from the store",
  );
  const check = await jug(["check"], project);
  assert.equal(check.code, 0, check.stdout);
});

test("a CachedFunction that throws stops the load with its stack and a clear message", async () => {
  const project = fixtureProject("cached");
  const run = await jug(["status", "--", "fail"], project);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /task jugfile\.broken .*failed/);
  assert.match(run.stderr, /broken input list/);
  assert.match(run.stderr, /jug: jugfile\.ts:19:\d+: error while building tasks: CachedFunction\(jugfile\.broken\) failed/);
});

// Type contract (compiled, never run): the promise gives the function's result; arguments are checked.
export async function cachedFunctionTypes(): Promise<void> {
  const length = (s: string): number => s.length;
  const n: number = await CachedFunction(length, "abc");
  void n;
  // @ts-expect-error the argument must match the function's parameter
  await CachedFunction(length, 3);
}
