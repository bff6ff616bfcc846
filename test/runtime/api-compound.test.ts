// CompoundTask(Generator), jugExecute and registerHook: in process and through the real CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CompoundTask, TaskGenerator, jugExecute, registerHook, type Task } from "jug";
import type { StatusDocument } from "jug/protocol";
import { resetRegistry, currentRegistry } from "jug/internal";
import { fixtureProject, jug, logLines } from "./cli-helpers";

test("CompoundTask without a stored result builds the inner graph; its task has the outer call's hash", async () => {
  resetRegistry();
  const inc = TaskGenerator(function inc(x: number) {
    return x + 1;
  });
  function twice(x: number) {
    return inc(inc(x));
  }
  const compound: Task<number> = await CompoundTask(twice, 1);
  assert.equal(compound.name, "jug.compound.twice");
  assert.deepEqual(
    currentRegistry().tasks.map((t) => t.name),
    ["api-compound.test.inc", "api-compound.test.inc", "jug.compound.twice"],
    "the outer call itself is not a task of the jugfile",
  );
  const outer = TaskGenerator(twice)(1);
  assert.equal(compound.hash, outer.hash);

  async function later(x: number) {
    await new Promise((r) => setTimeout(r, 1));
    return [inc(x), inc(x + 1)];
  }
  const both: Task<number[]> = await CompoundTask(later, 5);
  assert.deepEqual(both.deps.map((d) => d.name), ["api-compound.test.inc", "api-compound.test.inc"], "an async builder's tasks are awaited");
});

test("registerHook knows jug's hook names and rejects others", () => {
  registerHook("execute.task-executed1", () => undefined);
  assert.throws(() => registerHook("execute.no-such-hook" as "execute.task-executed", () => undefined), /unknown hook "execute.no-such-hook"/);
});

test("through the CLI: the compound graph is built once, jugExecute runs its command, hooks see each task", async () => {
  const project = fixtureProject("compound");
  const run = await jug(["execute"], project);
  assert.equal(run.code, 0, run.stderr);
  const lines = (): string[] => logLines(project).map((l) => l.line);
  assert.deepEqual(lines(), [
    "build",
    "executed jugfile.square 0",
    "executed jugfile.square 1",
    "executed jugfile.square 4",
    "executed jugfile.square 9",
    "executed jugfile.add 14",
    "executed jug.compound.sumOfSquares 14",
    'executed jugfile.report "total=14"',
    "executed jug.jugExecute 0",
    "finished",
  ]);
  assert.equal(fs.readFileSync(path.join(project, "touched.txt"), "utf8"), "yes");

  const status = await jug(["status", "--json"], project);
  const doc = JSON.parse(status.stdout) as StatusDocument;
  assert.deepEqual(
    doc.tasks.map((t) => `${t.name} ${t.state}`),
    ["jugfile.sumOfSquares complete", "jugfile.report complete", "jug.jugExecute complete"],
    "once stored, the compound task is found without building its graph",
  );
  assert.equal(lines().filter((l) => l === "build").length, 1);

  const failing = await jug(["execute", "--", "fail"], project);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /jugExecute: .* -e process\.exit\(3\) exited with code 3/);
});

// Type contract (compiled, never run).
export function jugExecuteTypes(): void {
  const code: Task<number> = jugExecute(["true"]);
  const named: Task<string> = jugExecute(["true"], { returnValue: "done", runAfter: code });
  void named;
  // @ts-expect-error the command is an array of strings
  jugExecute("true");
  // @ts-expect-error hooks receive the arguments of their event
  registerHook("execute.task-executed", (task: Task<unknown>, value: unknown, extra: number) => void [task, value, extra]);
}
