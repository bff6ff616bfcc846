// Bad input through the real CLI: each gets a clear message (file:line / task / path), a non-zero
// exit, and no completed result is lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StatusDocument } from "jug/protocol";
import { fixtureProject, jug, positionOf } from "./cli-helpers";

async function counts(project: string): Promise<StatusDocument["counts"]> {
  const run = await jug(["status", "--json"], project);
  assert.equal(run.code, 0, run.stderr);
  return (JSON.parse(run.stdout) as StatusDocument).counts;
}

test("missing jugfile: named, exit 2", async () => {
  const project = fixtureProject("basic");
  const named = await jug(["execute", "nope.ts"], project);
  assert.equal(named.code, 2);
  assert.match(named.stderr, /jug: jugfile not found: .*nope\.ts/);
  fs.rmSync(path.join(project, "jugfile.ts"));
  const defaulted = await jug(["status"], project);
  assert.equal(defaulted.code, 2);
  assert.match(defaulted.stderr, /no jugfile in .* \(looked for jugfile\.ts, jugfile\.mts, jugfile\.js, jugfile\.mjs\)/);
});

test("syntax error: file:line:column of the error, exit 2", async () => {
  const project = fixtureProject("syntax-error");
  const run = await jug(["execute"], project);
  assert.equal(run.code, 2);
  const at = positionOf(path.join(project, "jugfile.ts"), "double(1 +");
  assert.match(run.stderr, new RegExp(`jugfile\\.ts:${at.line}:\\d+: syntax error`));
});

test("a jugfile that throws while building tasks: the throwing line, exit 2", async () => {
  const project = fixtureProject("build-throws");
  const run = await jug(["status"], project);
  assert.equal(run.code, 2);
  const at = positionOf(path.join(project, "jugfile.ts"), "throw new Error");
  assert.match(run.stderr, new RegExp(`jugfile\\.ts:${at.line}:\\d+: error while building tasks: config file is missing`));
  assert.doesNotMatch(run.stderr, /runtime[/\\]dist|node_modules[/\\]jiti/, "only the user's frames");
});

test("two different functions with the same task name: both call sites, exit 2", async () => {
  const project = fixtureProject("name-collision");
  const run = await jug(["execute"], project);
  assert.equal(run.code, 2);
  const jugfile = path.join(project, "jugfile.ts");
  const first = positionOf(jugfile, "TaskGenerator(function load");
  const second = positionOf(jugfile, "TaskGenerator(function load", "function makeOther");
  assert.match(run.stderr, /two different functions are named jugfile\.load/);
  assert.match(run.stderr, new RegExp(`jugfile\\.ts:${first.line}:${first.column}\\b`));
  assert.match(run.stderr, new RegExp(`jugfile\\.ts:${second.line}:${second.column}\\b`));
});

test("an anonymous function needs a name", async () => {
  const project = fixtureProject("anonymous");
  const run = await jug(["status"], project);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /jugfile\.ts:3:\d+.*the function has no name.*TaskGenerator\(fn, \{ name: "double" \}\)/s);
});

test("a task that throws: named, its stack shows the jugfile line; --keep-going runs independent tasks; the next execute retries", async () => {
  const project = fixtureProject("task-throws");
  const jugfile = path.join(project, "jugfile.ts");
  const throwLine = positionOf(jugfile, "throw new Error").line;

  const stop = await jug(["execute"], project);
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, /task jugfile\.parse .*failed/);
  assert.match(stop.stderr, /not a number: three/);
  assert.match(stop.stderr, new RegExp(`jugfile\\.ts:${throwLine}:\\d+`), "stack shows the jugfile line");
  const afterStop = await counts(project);
  assert.equal(afterStop.failed, 1);
  assert.equal(afterStop.complete, 2, "tasks before the failure kept their results");

  const doc = JSON.parse((await jug(["status", "--json"], project)).stdout) as StatusDocument;
  const failed = doc.tasks.find((t) => t.state === "failed")!;
  assert.equal(failed.name, "jugfile.parse");
  assert.match(failed.error!, /not a number: three/);

  const going = await jug(["execute", "--keep-going"], project);
  assert.equal(going.code, 1, "a failure still makes the exit code non-zero");
  const afterGoing = await counts(project);
  assert.deepEqual(afterGoing, { waiting: 1, ready: 0, running: 0, complete: 2, failed: 1 });
});

test("--keep-failed: the failure is kept and not retried until cleanup --failed-only", async () => {
  const project = fixtureProject("task-throws");
  const first = await jug(["execute", "--keep-going", "--keep-failed"], project);
  assert.equal(first.code, 1);
  assert.match(first.stderr, /not a number/);
  const second = await jug(["execute", "--keep-going"], project);
  assert.doesNotMatch(second.stderr, /not a number/, "a kept failure is not retried");
  assert.equal((await counts(project)).failed, 1);
  const cleanup = await jug(["cleanup", "--failed-only"], project);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  const third = await jug(["execute", "--keep-going"], project);
  assert.match(third.stderr, /not a number/, "after cleanup it is retried");
});

test("an unserializable result: the task and the path in the value are named; nothing is stored", async () => {
  const project = fixtureProject("unserializable");
  const run = await jug(["execute"], project);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /jugfile\.makeModel/);
  assert.match(run.stderr, /model\.fit/);
  const c = await counts(project);
  assert.equal(c.complete, 0);
  assert.equal(c.failed, 1);
});

test("a result altered on disk is detected and named, and the next execute recomputes it", async () => {
  const project = fixtureProject("basic");
  assert.equal((await jug(["execute"], project)).code, 0);
  const store = path.join(project, "jugfile.jugdata");
  // Flip one byte of every stored result record/blob (whatever the layout: every file holding results).
  const files = listFiles(store).filter((f) => !/^(locks|tmp)[/\\]|\.json$/.test(path.relative(store, f)) && fs.statSync(f).size > 0);
  assert.ok(files.length > 0);
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    const i = bytes.length - 3;
    bytes[i] = bytes[i]! ^ 0xff;
    fs.writeFileSync(f, bytes);
  }
  const status = await jug(["status"], project);
  const execute = await jug(["execute"], project);
  const messages = status.stderr + execute.stderr;
  assert.match(messages, /corrupt|damaged|checksum/i, "the damage is reported");
  assert.match(messages, /[0-9a-f]{8,}/, "naming the task hash");
  const after = await jug(["execute"], project);
  assert.equal(after.code, 0, after.stderr);
  assert.equal((await counts(project)).complete, 5, "recomputed");
});

test("a store directory that cannot be created: named, exit 2, other results untouched", async () => {
  const project = fixtureProject("basic");
  fs.writeFileSync(path.join(project, "not-a-dir"), "");
  const run = await jug(["execute", "--jugdir", path.join(project, "not-a-dir", "store")], project);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /not-a-dir[/\\]store/);
  assert.doesNotMatch(run.stderr, /internal error/);
});

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}
