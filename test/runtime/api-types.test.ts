// Type-level contract of the public API: this file must compile (each @ts-expect-error line must be an error),
// and the runtime assertions check that the same calls build the expected tasks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Task, Tasklet, TaskGenerator, iterateTask, type TaskLike } from "jug";
import { resetRegistry } from "jug/internal";

function double(x: number): number {
  return x * 2;
}
async function fetchLength(s: string): Promise<number> {
  return s.length;
}
function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
function describe(p: { name: string; scores: number[]; tags: Map<string, number> }): string {
  return `${p.name}:${p.scores.length}:${p.tags.size}`;
}
function pair(a: number, b: string): [number, string] {
  return [a, b];
}
function record(): { count: number; label: string } {
  return { count: 1, label: "x" };
}

test("a task is not its value, and generators accept values or tasks recursively", () => {
  resetRegistry();
  const doubleT = TaskGenerator(double);
  const lengthT = TaskGenerator(fetchLength);
  const sumT = TaskGenerator(sum);
  const describeT = TaskGenerator(describe);
  const pairT = TaskGenerator(pair);
  const recordT = TaskGenerator(record);

  const d = doubleT(1);
  const dd = doubleT(d); // a Task<number> where a number is expected
  // @ts-expect-error Task<number> is not a number
  const n: number = d;
  // @ts-expect-error a task cannot be passed to a plain function expecting its value
  double(d);
  // @ts-expect-error wrong value type
  doubleT("1");
  // @ts-expect-error wrong task type: Task<string> where number is expected
  doubleT(pairT(1, "a").at(1));

  // async functions give the awaited type
  const len: Task<number> = lengthT("abc");
  // @ts-expect-error not Task<Promise<number>>
  const wrongLen: Task<Promise<number>> = lengthT("abc");
  doubleT(len);

  // arrays and objects of tasks, recursively (and Maps)
  sumT([d, 2, dd, len]);
  sumT([d, 2].map((x) => doubleT(x)));
  describeT({ name: "a", scores: [d, 3], tags: new Map([["k", dd]]) });
  describeT({ name: recordT().get("label"), scores: [recordT().get("count")], tags: new Map<string, number>() });
  // @ts-expect-error a Task<string> inside the array where numbers are expected
  sumT([d, pairT(1, "a").at(1)]);

  // tasklets keep element / property types
  const p = pairT(1, "a");
  const first: Tasklet<number> = p.at(0);
  const second: Tasklet<string> = p.at(1);
  const label: Tasklet<string> = recordT().get("label");
  const lengthOfLabel: Tasklet<number> = recordT().map((r) => r.label.length);
  const viaConstructor: Tasklet<number> = new Tasklet(d, (v) => v + 1);
  // @ts-expect-error no such property
  recordT().get("missing");
  // @ts-expect-error .at on a non-array result
  d.at(0);
  const [a, b] = iterateTask(p, 2);
  doubleT(first);
  doubleT(lengthOfLabel);
  doubleT(viaConstructor);

  // new Task checks arguments against the function too
  const t = new Task(double, d);
  // @ts-expect-error wrong argument type for new Task
  new Task(double, "x");
  const asUnknown: TaskLike<unknown> = t;

  // Task has no `then`: awaiting a task gives the task, not its value
  const awaited = async () => {
    // @ts-expect-error await of a task is still a task
    const v: number = await d;
    return v;
  };

  void [n, wrongLen, second, label, a, b, asUnknown, awaited];
  assert.equal(d.name, "api-types.test.double");
  assert.deepEqual(dd.deps.map((x) => x.hash), [d.hash]);
  assert.equal(typeof (d as unknown as { then?: unknown }).then, "undefined");
});
