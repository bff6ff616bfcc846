// mapreduce.map / reduce / mapreduce / currymap: the block tasks they build (in process) and their results (real CLI).
import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskGenerator, mapreduce, type Task, type TaskLike } from "jug";
import type { StatusDocument } from "jug/protocol";
import { currentRegistry, resetRegistry } from "jug/internal";
import { fixtureProject, jug } from "./cli-helpers";

function add(a: number, b: number): number {
  return a + b;
}

function countByName(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of currentRegistry().tasks) counts[t.name] = (counts[t.name] ?? 0) + 1;
  return counts;
}

test("mapreduce builds jug's block tasks: map blocks of mapStep, then a reduce tree of fan-in reduceStep", () => {
  resetRegistry();
  const xs = Array.from({ length: 10 }, (_, i) => i);
  const square = (x: number): number => x * x;
  const total = mapreduce.mapreduce(add, square, xs, { mapStep: 2, reduceStep: 2 });
  // 5 blocks -> 3 -> 2 -> 1
  assert.deepEqual(countByName(), { "jug.mapreduce._jug_map_reduce": 5, "jug.mapreduce._jug_reduce": 6 });
  assert.equal(total.task.name, "jug.mapreduce._jug_reduce");

  const first = total.hash;
  resetRegistry();
  assert.equal(mapreduce.mapreduce(add, square, xs, { mapStep: 2, reduceStep: 2 }).hash, first, "deterministic");
  assert.notEqual(mapreduce.mapreduce(add, square, xs, { mapStep: 3, reduceStep: 2 }).hash, first);
  const cube = (x: number): number => x * x * x;
  assert.notEqual(mapreduce.mapreduce(add, cube, xs, { mapStep: 2, reduceStep: 2 }).hash, first, "the mapper is part of the identity");
  assert.throws(() => mapreduce.reduce(add, []), /no inputs/);
  assert.throws(() => mapreduce.map(square, xs, { mapStep: 0 }), /mapStep must be a whole number of at least 1/);
});

test("map gives one value per input: tasklets of block tasks, or with mapStep 1 and a generator, its tasks", () => {
  resetRegistry();
  const double = TaskGenerator(function double(x: number) {
    return 2 * x;
  });
  const blocked = mapreduce.map(double, [1, 2, 3, 4, 5], { mapStep: 2 });
  assert.equal(blocked.length, 5);
  assert.deepEqual(countByName(), { "jug.mapreduce._jug_map": 3 });
  assert.equal(blocked[2]!.task, blocked[3]!.task);
  assert.notEqual(blocked[3]!.task, blocked[4]!.task);
  const typed: TaskLike<number> = blocked[0]!; // a generator mapper gives its function's result type, not Task
  void typed;
  const single = mapreduce.map(double, [1, 2], { mapStep: 1 });
  assert.deepEqual(
    single.map((t) => (t as Task<number>).name),
    ["api-mapreduce.test.double", "api-mapreduce.test.double"],
  );
  const curried = mapreduce.currymap((a: number, b: string) => `${b}${a}`, [[1, "x"], [2, "y"]]);
  assert.equal(curried.length, 2);
  // @ts-expect-error the mapper's parameters type the argument tuples
  mapreduce.currymap((a: number, b: string) => `${b}${a}`, [["1", "x"]]);
});

test("through the CLI: every helper computes the expected values", async () => {
  const project = fixtureProject("mapreduce");
  const run = await jug(["execute"], project);
  assert.equal(run.code, 0, run.stderr);
  const status = await jug(["status", "--json"], project);
  const doc = JSON.parse(status.stdout) as StatusDocument;
  assert.equal(doc.counts.complete, doc.tasks.length);
  const reports = doc.tasks.filter((t) => t.name === "jugfile.report").map((t) => t.preview);
  assert.deepEqual(reports, ['"mapreduce=2470"', '"map=2470"', '"third=9"', '"reduce=2470"', '"currymap=380"']);
});
