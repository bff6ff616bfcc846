// A worker drops a result once the last task that needs it has run: memory does not grow with
// the number of results computed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixtureProject, jug, logLines } from "./cli-helpers";

test("a chain of 30 tasks with 8 MB results: the worker's memory stays flat", async () => {
  const project = fixtureProject("memory");
  const run = await jug(["execute"], project, { JUGTEST_STEPS: "30" });
  assert.equal(run.code, 0, run.stderr);
  const rss = logLines(project).map((l) => Number(l.line) / 2 ** 20);
  assert.equal(rss.length, 30);
  const early = Math.max(...rss.slice(0, 5));
  const late = Math.max(...rss.slice(-5));
  // Keeping every result would add 25 x 8 MB = 200 MB between the first and last steps.
  assert.ok(late - early < 80, `resident memory grew from ${early.toFixed(0)} MB to ${late.toFixed(0)} MB`);
});
