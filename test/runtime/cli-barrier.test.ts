// barrier() and bvalue() through the real CLI: status stops at the barrier, execute runs past it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { StatusDocument } from "jug/protocol";
import { fixtureProject, jug, positionOf } from "./cli-helpers";
import * as path from "node:path";

async function names(project: string, ...args: string[]): Promise<string[]> {
  const run = await jug(["status", "--json", ...args], project);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as StatusDocument).tasks.map((t) => `${t.name} ${t.state}`);
}

test("status shows the tasks up to the barrier; execute runs them, loads the jugfile again and runs the rest", async () => {
  const project = fixtureProject("barrier");
  assert.deepEqual(await names(project), ["jugfile.count ready"]);

  const run = await jug(["execute"], project);
  assert.equal(run.code, 0, run.stderr);
  const at = positionOf(path.join(project, "jugfile.ts"), "barrier();", "else await");
  assert.match(run.stderr, new RegExp(`passed the barrier at jugfile\\.ts:${at.line}:${at.column}`));
  assert.deepEqual(await names(project), [
    "jugfile.count complete",
    "jugfile.square complete",
    "jugfile.square complete",
    "jugfile.square complete",
  ]);
  const again = await jug(["execute"], project);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /barrier/, "nothing blocks any more: one round");
});

test("execute -j 2 gets past the barrier too", async () => {
  const project = fixtureProject("barrier");
  const run = await jug(["execute", "-j", "2"], project);
  assert.equal(run.code, 0, run.stderr);
  const check = await jug(["check"], project);
  assert.equal(check.code, 0, check.stdout);
  assert.match(check.stdout, /All tasks complete \(4 tasks\)/);
});

test("a barrier that is not awaited is an error naming its line", async () => {
  const project = fixtureProject("barrier");
  const run = await jug(["status", "--", "no-await"], project);
  assert.equal(run.code, 2);
  const at = positionOf(path.join(project, "jugfile.ts"), "barrier();");
  assert.match(run.stderr, new RegExp(`jugfile\\.ts:${at.line}:${at.column}: barrier\\(\\) was not awaited`));
});

test("status names the barrier that blocks (table and --json), and cleanup keeps results it cannot judge", async () => {
  const project = fixtureProject("barrier");
  const at = positionOf(path.join(project, "jugfile.ts"), "barrier();", "else await");
  const table = await jug(["status"], project);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`stops at the barrier at jugfile\\.ts:${at.line}:${at.column}`));
  const json = JSON.parse((await jug(["status", "--json"], project)).stdout) as StatusDocument;
  assert.deepEqual(json.barrier && { line: json.barrier.line, column: json.barrier.column }, at);

  // A result of a task after the barrier, from an earlier complete run, must survive cleanup.
  assert.equal((await jug(["execute"], project)).code, 0);
  assert.equal((await jug(["invalidate", "--target", "count"], project)).code, 0);
  const cleanup = await jug(["cleanup"], project);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  assert.match(cleanup.stdout, /No results removed: .*barrier/);
  const rerun = await jug(["execute"], project);
  assert.equal(rerun.code, 0, rerun.stderr);
  // Table row: name, executed, loaded, failed, mean time: the squares were kept, not computed again.
  assert.match(rerun.stdout, /jugfile\.square\s*│\s*0\s*│\s*3\s*│/);
  const after = JSON.parse((await jug(["status", "--json"], project)).stdout) as StatusDocument;
  assert.equal(after.barrier, null);
  assert.equal(after.counts.complete, 4);
});
