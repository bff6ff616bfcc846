// Behaviour of the task objects a jugfile builds (in process, no CLI): names, hashes, dependencies,
// tasklets, call sites.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Task, Tasklet, TaskGenerator, iterateTask, value } from "jug";
import { resetRegistry, currentRegistry } from "jug/internal";

const self = "api-tasks.test"; // the module name of this file, which qualifies task names

test("names are qualified by the defining file; anonymous functions need an explicit name", () => {
  resetRegistry();
  const double = TaskGenerator(function double(x: number) {
    return 2 * x;
  });
  assert.equal(double.taskName, `${self}.double`);
  assert.equal(TaskGenerator((x: number) => x, { name: "ident" }).taskName, `${self}.ident`);
  assert.equal(TaskGenerator((x: number) => x, { name: "lib.ident" }).taskName, "lib.ident");
  assert.throws(() => TaskGenerator((x: number) => x), /the function has no name/);
  assert.throws(() => new Task((x: number) => x, 1), /the function has no name/);
});

test("the same function (or closures of one definition) may register a name twice; a different one may not", () => {
  resetRegistry();
  const make = () => TaskGenerator(function work(x: number) {
    return x;
  });
  make()(1);
  make()(2);
  assert.throws(
    () =>
      TaskGenerator(function work(x: number) {
        return x + 1;
      }),
    /two different functions are named api-tasks\.test\.work/,
  );
});

test("identity: same name and arguments give the same hash; arguments and dependencies change it", () => {
  resetRegistry();
  const add = TaskGenerator(function add(a: number, b: number) {
    return a + b;
  });
  assert.equal(add(1, 2).hash, add(1, 2).hash);
  assert.notEqual(add(1, 2).hash, add(2, 1).hash);
  const x = add(1, 2);
  assert.notEqual(add(x, 3).hash, add(3, 3).hash);
  assert.deepEqual(add(x, x).deps, [x], "first-level dependencies without repeats");
  assert.equal(currentRegistry().tasks.length, 8, "every creation is registered, in order");
  assert.deepEqual(add(x, add(1, 2)).deps, [x], "a second creation of the same task is the same dependency");
});

test("a 100,000-long chain is created without overflowing the stack", () => {
  resetRegistry();
  const inc = TaskGenerator(function inc(x: number) {
    return x + 1;
  });
  let t = inc(0);
  for (let i = 1; i < 100_000; i++) t = inc(t);
  assert.match(t.hash, /^[0-9a-f]{64}$/);
  assert.equal(t.deps.length, 1);
});

test("tasklets: at, get, map and new Tasklet derive values and have their own identity", () => {
  resetRegistry();
  const pair = TaskGenerator(function pair(n: number): [number, string] {
    return [n, String(n)];
  });
  const rec = TaskGenerator(function rec() {
    return { a: 1, m: new Map([["k", 2]]) };
  });
  const p = pair(5);
  const [first, second] = iterateTask(p, 2);
  const lookup = () => [5, "5"];
  assert.equal(first!.evaluate(lookup), 5);
  assert.equal(second!.evaluate(lookup), "5");
  assert.equal(p.at(-1).evaluate(lookup), "5");
  assert.notEqual(p.at(0).hash, p.at(1).hash);
  assert.equal(p.at(0).hash, p.at(0).hash);
  assert.equal(p.at(0).task, p);
  const r = rec();
  assert.equal(r.get("a").evaluate(() => ({ a: 1 })), 1);
  const mapped = new Tasklet(p, ([n]) => n * 10);
  assert.equal(mapped.evaluate(lookup), 50);
  assert.notEqual(p.map(([n]) => n * 10).hash, p.map(([n]) => n * 20).hash, "a tasklet function's source is part of its identity");
  const user = TaskGenerator(function user(x: number) {
    return x;
  });
  assert.deepEqual(user(p.at(0)).deps, [p], "a tasklet argument depends on its base task");
});

test("value() of a plain value needs no store; of a task, it needs the jug CLI", async () => {
  resetRegistry();
  assert.deepEqual(await value({ a: [1, 2] }), { a: [1, 2] });
  const t = TaskGenerator(function t() {
    return 1;
  })();
  await assert.rejects(value(t), /only possible inside the jug CLI/);
});

test("call sites: the line and column of the generator call in this file", () => {
  resetRegistry();
  const double = TaskGenerator(function double(x: number) {
    return 2 * x;
  });
  const line = Number(new Error().stack!.split("\n")[1]!.match(/:(\d+):\d+\)?$/)![1]) + 1;
  const t = double(1);
  assert.equal(t.site?.line, line);
  assert.match(t.site!.file, /api-tasks\.test\.js$/);
});

test("a task created twice shares its id and hash; the registry lists each hash once, first creation first", () => {
  const registry = resetRegistry();
  const double = TaskGenerator(function double(x: number) {
    return 2 * x;
  });
  const a = double(1);
  const b = double(2);
  assert.equal(registry.unique, registry.tasks, "no hash repeated yet: one list");
  const again = double(1);
  const c = double(3);
  const single = new Task(function triple(x: number) {
    return 3 * x;
  }, 4);
  assert.deepEqual([a.id, b.id, again.id, c.id, single.id], [0, 1, 0, 2, 3]);
  assert.equal(again.hash, a.hash);
  assert.notEqual(a.hash, b.hash);
  assert.deepEqual(registry.tasks, [a, b, again, c, single]);
  assert.deepEqual(registry.unique, [a, b, c, single]);
  assert.equal(registry.idOf(c.hash), 2);
  assert.equal(registry.idOf("0".repeat(64)), -1);
  // One argument is kept inline; the task still gives it back as its argument list.
  assert.deepEqual(a.args, [1]);
  assert.deepEqual(single.args, [4]);
  assert.deepEqual(new Task(function pair(x: number, y: number) {
    return x + y;
  }, 5, 6).args, [5, 6]);
  assert.equal(currentRegistry(), registry);
});

test("many dependencies in containers: each hash once, in order of first appearance, repeats and re-creations dropped", () => {
  resetRegistry();
  const leaf = TaskGenerator(function leaf(i: number) {
    return i;
  });
  const total = TaskGenerator(function total(groups: { xs: number[]; again: number[] }) {
    return groups.xs.length + groups.again.length;
  });
  const xs = Array.from({ length: 40 }, (_, i) => leaf(i));
  const again = [...Array.from({ length: 40 }, (_, i) => leaf(39 - i)), xs[3]!, xs[3]!];
  // Compared as objects by identity (a deep comparison would walk the whole registry).
  const same = (actual: readonly unknown[], expected: readonly unknown[]) =>
    assert.ok(actual.length === expected.length && actual.every((a, i) => a === expected[i]), `${actual.length} dependencies`);
  same(total({ xs, again }).deps, xs);
  const seven = leaf(7); // created again: same hash (and id) as xs[7], another object
  same(total({ xs: xs.slice(0, 3), again: [xs[1]!, leaf(2), seven] }).deps, [xs[0], xs[1], xs[2], seven]);
  assert.equal(seven.id, xs[7]!.id);
});
