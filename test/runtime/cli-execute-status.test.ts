// End to end through the real CLI: execute, status (table, --short, --json), check, count,
// --target, invalidate, user arguments, -j 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import type { StatusDocument, TaskStatus } from "jug/protocol";
import { finished, fixtureProject, jug, positionOf, spawnJug } from "./cli-helpers";

function rowOf(table: string, name: string): number[] {
  const line = table.split("\n").find((l) => l.includes(` ${name} `));
  assert.ok(line, `no row for ${name} in\n${table}`);
  return line
    .split("│")
    .slice(2, -1)
    .map((cell) => Number(cell.trim().replace(/ ms| s/, "")));
}

async function statusJson(project: string, ...args: string[]): Promise<StatusDocument> {
  const run = await jug(["status", "--json", ...args], project);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as StatusDocument;
}

test("execute runs every task once, status shows them complete, a second execute only loads", async () => {
  const project = fixtureProject("basic");
  const before = await jug(["status"], project);
  assert.equal(before.code, 0, before.stderr);
  // waiting, ready, running, complete, failed
  assert.deepEqual(rowOf(before.stdout, "jugfile.double"), [1, 3, 0, 0, 0]);
  assert.match(before.stdout, /2 waiting, 3 ready, 0 running, 0 failed, 0 complete \(5 tasks\)/);

  const first = await jug(["execute"], project);
  assert.equal(first.code, 0, first.stderr);
  // executed, loaded, failed (then mean time)
  assert.deepEqual(rowOf(first.stdout, "jugfile.double").slice(0, 3), [4, 0, 0]);
  assert.deepEqual(rowOf(first.stdout, "jugfile.total").slice(0, 3), [1, 0, 0]);

  const status = await jug(["status"], project);
  assert.deepEqual(rowOf(status.stdout, "jugfile.double"), [0, 0, 0, 4, 0]);
  assert.deepEqual(rowOf(status.stdout, "Total"), [0, 0, 0, 5, 0]);
  const short = await jug(["status", "--short"], project);
  assert.equal(short.stdout.trim(), "All tasks complete (5 tasks).");

  const second = await jug(["execute"], project);
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(rowOf(second.stdout, "jugfile.double").slice(0, 3), [0, 4, 0]);

  const check = await jug(["check"], project);
  assert.equal(check.code, 0);
  const count = await jug(["count"], project);
  assert.deepEqual(rowOf(count.stdout, "jugfile.double"), [4]);
});

test("status --json: the versioned document with states, deps, sites as written in the .ts file, sizes and previews", async () => {
  const project = fixtureProject("basic");
  const jugfile = path.join(project, "jugfile.ts");
  const waiting = await statusJson(project);
  assert.equal(waiting.version, 1);
  assert.equal(waiting.jugfile, jugfile);
  assert.equal(waiting.store, path.join(project, "jugfile.jugdata"));
  assert.deepEqual(waiting.counts, { waiting: 2, ready: 3, running: 0, complete: 0, failed: 0 });
  assert.deepEqual(
    waiting.tasks.map((t) => [t.name, t.state]),
    [
      ["jugfile.double", "ready"],
      ["jugfile.double", "ready"],
      ["jugfile.double", "ready"],
      ["jugfile.total", "waiting"],
      ["jugfile.double", "waiting"],
    ],
  );
  const mapSite = positionOf(jugfile, "double(x)", "const doubled");
  const totalSite = positionOf(jugfile, "total(doubled)");
  const finalSite = positionOf(jugfile, "double(summary");
  const sites = waiting.tasks.map((t) => t.site);
  for (const site of sites.slice(0, 3)) assert.deepEqual(site, { file: jugfile, ...mapSite });
  assert.deepEqual(sites[3], { file: jugfile, ...totalSite });
  assert.deepEqual(sites[4], { file: jugfile, ...finalSite });
  const [d1, d2, d3, total, final] = waiting.tasks as [TaskStatus, TaskStatus, TaskStatus, TaskStatus, TaskStatus];
  assert.deepEqual(total.deps, [d1.hash, d2.hash, d3.hash]);
  assert.deepEqual(final.deps, [total.hash]);
  assert.equal(new Set(waiting.tasks.map((t) => t.hash)).size, 5);
  for (const t of waiting.tasks) {
    assert.match(t.hash, /^[0-9a-f]{64}$/);
    assert.equal(t.duration, null);
    assert.equal(t.size, null);
    assert.equal(t.stale, false);
    assert.equal(t.preview, null);
  }

  assert.equal((await jug(["execute"], project)).code, 0);
  const done = await statusJson(project);
  assert.deepEqual(done.counts, { waiting: 0, ready: 0, running: 0, complete: 5, failed: 0 });
  assert.deepEqual(
    done.tasks.map((t) => t.hash),
    waiting.tasks.map((t) => t.hash),
    "hashes are stable across processes",
  );
  for (const t of done.tasks) {
    assert.equal(typeof t.duration, "number");
    assert.ok(t.size! > 0);
    assert.match(t.worker!, /^.+:\d+$/);
    assert.ok(!Number.isNaN(Date.parse(t.time!)));
    assert.equal(t.error, null);
  }
  assert.deepEqual(
    done.tasks.map((t) => t.preview),
    ["2", "4", "6", done.tasks[3]!.preview, "24"],
  );
  assert.match(done.tasks[3]!.preview!, /total.*12.*sum of 3/);
});

test("--target runs the matching task and what it needs; invalidate removes it and everything downstream", async () => {
  const project = fixtureProject("basic");
  const run = await jug(["execute", "--target", "total"], project);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(rowOf(run.stdout, "jugfile.double").slice(0, 3), [3, 0, 0]);
  assert.deepEqual(rowOf(run.stdout, "jugfile.total").slice(0, 3), [1, 0, 0]);
  const afterTarget = await statusJson(project);
  assert.deepEqual(afterTarget.counts, { waiting: 0, ready: 1, running: 0, complete: 4, failed: 0 });

  const noMatch = await jug(["execute", "--target", "nosuchtask"], project);
  assert.equal(noMatch.code, 2);
  assert.match(noMatch.stderr, /no task matches --target nosuchtask; task names: jugfile.double, jugfile.total/);

  assert.equal((await jug(["execute", "--target", "/^jugfile\\.dou/"], project)).code, 0);
  assert.equal((await statusJson(project)).counts.complete, 5);

  const invalidate = await jug(["invalidate", "--target", "jugfile.total"], project);
  assert.equal(invalidate.code, 0, invalidate.stderr);
  assert.match(invalidate.stdout, /Removed 2 result/);
  const after = await statusJson(project);
  assert.deepEqual(
    after.tasks.map((t) => t.state),
    ["complete", "complete", "complete", "ready", "waiting"],
  );
});

test("--target hash:PREFIX runs exactly that task and what it needs (the editor's Run lens); a short prefix is refused", async () => {
  const project = fixtureProject("basic");
  const second = (await statusJson(project)).tasks[1]!; // double(2)
  const run = await jug(["execute", "--target", `hash:${second.hash.slice(0, 12)}`], project);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(rowOf(run.stdout, "jugfile.double").slice(0, 3), [1, 0, 0]);
  const after = await statusJson(project);
  assert.deepEqual(
    after.tasks.map((t) => t.state),
    ["ready", "complete", "ready", "waiting", "waiting"],
  );
  const short = await jug(["execute", "--target", "hash:ab"], project);
  assert.equal(short.code, 2);
  assert.match(short.stderr, /bad --target hash:ab: a hash target needs at least 6 hex digits/);
});

test("status --json into a pipe closed early (`| head -c 10`) ends quietly, without an EPIPE trace", async () => {
  const project = fixtureProject("basic");
  const child = spawnJug(["status", "--json"], project);
  const run = finished(child);
  child.stdout!.destroy(); // the reader goes away before the document is written
  const { code, stderr } = await run;
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});

test("arguments after -- reach the jugfile as process.argv.slice(2)", async () => {
  const project = fixtureProject("args");
  const run = await jug(["execute", "--", "--alpha", "3"], project);
  assert.equal(run.code, 0, run.stderr);
  const doc = await statusJson(project, "--", "--alpha", "3");
  assert.equal(doc.tasks[0]!.preview, '"--alpha 3"');
  const other = await statusJson(project, "--", "--alpha", "4");
  assert.equal(other.tasks[0]!.state, "ready", "different arguments make a different task");
});

test("execute -j 2 runs the pipeline with two worker processes", async () => {
  const project = fixtureProject("basic");
  const run = await jug(["execute", "-j", "2"], project);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(rowOf(run.stdout, "Total").slice(0, 3), [5, 0, 0]);
  const doc = await statusJson(project);
  assert.equal(doc.counts.complete, 5);
});

test("--version prints the package version; an unknown command fails", async () => {
  const project = fixtureProject("basic");
  const version = await jug(["--version"], project);
  assert.equal(version.code, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  const unknown = await jug(["frobnicate"], project);
  assert.notEqual(unknown.code, 0);
});

test("cleanup removes results the jugfile no longer creates and keeps the others", async () => {
  const project = fixtureProject("args");
  assert.equal((await jug(["execute", "--", "old"], project)).code, 0);
  assert.equal((await jug(["execute", "--", "new"], project)).code, 0);
  const cleanup = await jug(["cleanup", "--", "new"], project);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  assert.match(cleanup.stdout, /Removed 1 unused result/);
  assert.equal((await statusJson(project, "--", "new")).counts.complete, 1, "the current result is kept");
  assert.equal((await statusJson(project, "--", "old")).counts.complete, 0, "the unused one is gone");
});
