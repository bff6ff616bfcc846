// Workers lock tasks of fast functions in batches (engine/worker.ts attemptBatch): a failure or a
// slow task in a batch must not run, lose or double any task, nor leave a lock behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { fixtureProject, jug, logLines } from "./cli-helpers";

const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => String(from + i));
const sorted = (lines: readonly string[]): string[] => [...lines].sort((a, b) => Number(a) - Number(b));
const lockEntries = (project: string): string[] => fs.readdirSync(path.join(project, "jugfile.jugdata", "locks"));

test("a failure among fast tasks stops the run right there, leaves no lock, and --keep-going then runs each other task once", async () => {
  const project = fixtureProject("batch");
  const env = { JUGTEST_N: "200", JUGTEST_FAIL: "100" };
  const first = await jug(["execute"], project, env);
  assert.notEqual(first.code, 0);
  assert.match(first.stderr, /step 100 fails/);
  const ran = logLines(project).map((l) => l.line);
  assert.equal(new Set(ran).size, ran.length, "no task ran twice");
  assert.equal(ran[ran.length - 1], "100", "the run stopped at the failure");
  assert.deepEqual(lockEntries(project), []);
  const second = await jug(["execute", "--keep-going"], project, env);
  assert.notEqual(second.code, 0);
  assert.deepEqual(sorted(logLines(project).map((l) => l.line)), sorted([...range(0, 200), "100"]), "only the failed task ran twice");
  assert.deepEqual(lockEntries(project), []);
});

test("a slow task among fast ones (-j 2): every task runs exactly once and no lock is left", async () => {
  const project = fixtureProject("batch");
  const run = await jug(["execute", "-j", "2"], project, { JUGTEST_N: "400", JUGTEST_SLOW: "40", JUGTEST_SLOW_MS: "1500" });
  assert.equal(run.code, 0, run.stderr);
  const lines = logLines(project);
  assert.deepEqual(sorted(lines.map((l) => l.line)), range(0, 400));
  assert.equal(new Set(lines.map((l) => l.pid)).size, 2, "both workers ran tasks");
  assert.deepEqual(lockEntries(project), []);
});
