// CustomHash, NoHash, timedPath and identity: their identities (in process) and what tasks receive (real CLI).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CustomHash, NoHash, TaskGenerator, identity, timedPath } from "jug";
import type { StatusDocument } from "jug/protocol";
import { resetRegistry } from "jug/internal";
import { fixtureProject, jug } from "./cli-helpers";

test("CustomHash and NoHash replace the value's identity; timedPath follows the file's time and size", () => {
  resetRegistry();
  const f = TaskGenerator(function f(x: unknown) {
    return x;
  });
  assert.equal(f(CustomHash([1, 2], () => "a")).hash, f(CustomHash([3, 4], () => "a")).hash);
  assert.notEqual(f(CustomHash([1, 2], () => "a")).hash, f(CustomHash([1, 2], () => "b")).hash);
  assert.equal(f(CustomHash(1, () => new Uint8Array([0xab]))).hash, f(CustomHash(2, () => "ab")).hash, "bytes are hashed as hex");
  assert.equal(f(NoHash(4)).hash, f(NoHash(16)).hash);
  assert.notEqual(f(NoHash(4)).hash, f(4).hash);
  assert.throws(() => f(CustomHash(1, () => 7 as unknown as string)), /returned number, not a string or bytes/);

  const n = TaskGenerator(function n(x: number) {
    return x;
  });
  n(NoHash(4));
  n(CustomHash(n(1), () => "one"));
  // @ts-expect-error a wrapped string is not accepted where a number is
  n(NoHash("4"));

  const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "jug-timed-"));
  const file = path.join(dir, "in.txt");
  fs.writeFileSync(file, "one");
  const before = f(timedPath(file)).hash;
  assert.equal(f(timedPath(file)).hash, before);
  fs.writeFileSync(file, "three");
  assert.notEqual(f(timedPath(file)).hash, before);
  assert.throws(() => f(timedPath(path.join(dir, "missing"))), /timedPath\(".*missing"\): ENOENT/);
});

test("identity(x) is a task named jug.identity; tasks and tasklets pass through", () => {
  resetRegistry();
  const t = identity([1, 2, 3]);
  assert.equal(t.task.name, "jug.identity");
  assert.equal(identity(t), t);
  const let0 = t.at(0);
  assert.equal(identity(let0), let0);
  assert.equal(identity([1, 2, 3]).hash, t.hash);
});

async function previews(project: string): Promise<string[]> {
  const run = await jug(["status", "--json"], project);
  assert.equal(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout) as StatusDocument;
  return doc.tasks.map((t) => `${t.name} ${t.state} ${t.preview ?? ""}`);
}

test("through the CLI: tasks receive the wrapped values; NoHash changes nothing, a touched timedPath reruns its task", async () => {
  const project = fixtureProject("wrappers");
  const first = await jug(["execute"], project);
  assert.equal(first.code, 0, first.stderr);
  const done = await previews(project);
  assert.ok(done.includes('jugfile.show complete "custom={\\"n\\":1}"'), done.join("\n"));
  assert.ok(done.includes('jugfile.show complete "identity=[1,2,3]"'), done.join("\n"));
  assert.ok(done.includes('jugfile.show complete "wrapped=[1,2,3]"'), done.join("\n"));
  assert.ok(done.includes('jugfile.readText complete "input.txt:hello\\n"'), done.join("\n"));
  assert.ok(done.includes("jugfile.sum complete 3"), done.join("\n"));

  const check = await jug(["check"], project, { JUGTEST_THREADS: "16" });
  assert.equal(check.code, 0, `NoHash: another thread count is the same task\n${check.stdout}`);
  const versioned = await jug(["check"], project, { JUGTEST_VERSION: "2" });
  assert.equal(versioned.code, 1, "CustomHash: another identity is another task");

  fs.writeFileSync(path.join(project, "input.txt"), "hello, world\n");
  const after = await previews(project);
  assert.ok(after.includes("jugfile.readText ready "), after.join("\n"));
  const rerun = await jug(["execute"], project);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.ok((await previews(project)).includes('jugfile.readText complete "input.txt:hello, world\\n"'));
});
