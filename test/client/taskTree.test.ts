import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load";
import { diamond, graphOf, JUGFILE, JUGFILE_URI, task } from "./fixtures";

const { TaskTreeModel } = load<typeof import("../../client/src/taskTree")>("taskTree");
type TreeNode = import("../../client/src/taskTree").TreeNode;

function walk(model: InstanceType<typeof TaskTreeModel>, nodes: TreeNode[], out: TreeNode[] = []): TreeNode[] {
  for (const n of nodes) {
    out.push(n);
    walk(model, model.children(n), out);
  }
  return out;
}

test("groups tasks by function name with progress, in creation order", () => {
  const model = new TaskTreeModel([graphOf(diamond(), { workers: 2 })], "/work/project");
  const [root] = model.roots();
  assert.equal(root?.label, "jugfile.ts");
  assert.equal(root?.description, "2/4 done · 1 running · 2 workers");
  const groups = model.children(root!);
  assert.deepEqual(
    groups.map((g) => [g.label, g.description]),
    [
      ["load", "1/1 done"],
      ["features", "1/2 done · 1 running"],
      ["combine", "0/1 done"],
    ],
  );
  assert.deepEqual(groups.map((g) => g.icon.id), ["pass", "sync~spin", "clock"]);
});

test("tasks show state, duration and size, and their dependencies as children", () => {
  const model = new TaskTreeModel([graphOf(diamond())]);
  const features = model.children(model.roots()[0]!)[1]!;
  const [done, running] = model.children(features);
  assert.equal(done?.label, "features #1");
  assert.equal(done?.description, "1.5 s · 2.0 KiB");
  assert.equal(running?.description, "running");
  assert.equal(done?.collapsible, "collapsed");
  assert.deepEqual(model.children(done!).map((n) => n.label), ["load #1"]);
  assert.deepEqual(done?.reveal, { file: JUGFILE, line: 4 });
});

test("ids are unique per path although the DAG repeats the shared task", () => {
  const model = new TaskTreeModel([graphOf(diamond())]);
  const all = walk(model, model.roots());
  const loads = all.filter((n) => n.kind === "task" && n.hash === "aaaa1111");
  assert.equal(loads.length, 5, "load: in its group, under both features tasks, and under each features task below combine");
  const ids = all.map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length);
});

test("inline actions follow state and trust through contextValue", () => {
  const trusted = new TaskTreeModel([graphOf(diamond())]);
  const tasks = walk(trusted, trusted.roots()).filter((n) => n.kind === "task");
  assert.ok(tasks.some((n) => n.contextValue === "task.complete.trusted"));
  assert.ok(tasks.some((n) => n.contextValue === "task.waiting.trusted"));
  const restricted = new TaskTreeModel([graphOf(diamond(), { trusted: false })]);
  const restrictedNodes = walk(restricted, restricted.roots());
  assert.ok(restrictedNodes.every((n) => !n.contextValue.includes("trusted")), "no run/invalidate action when untrusted");
  assert.match(restricted.roots()[0]!.description, /restricted/);
});

test("the badge counts tasks that are not complete", () => {
  assert.equal(new TaskTreeModel([graphOf(diamond())]).tasksLeft(), 2);
  assert.equal(new TaskTreeModel([graphOf(null)]).tasksLeft(), 0);
});

test("without a runtime status the tree lists the static call sites by name", () => {
  const sites = [
    { line: 4, character: 2, name: "features", kind: "generator" as const, repeated: true, hashes: [] },
    { line: 9, character: 0, name: "combine", kind: "generator" as const, repeated: false, hashes: [] },
    { line: 11, character: 0, name: "combine", kind: "generator" as const, repeated: false, hashes: [] },
  ];
  const model = new TaskTreeModel([graphOf(null, { trusted: false, sites })]);
  const groups = model.children(model.roots()[0]!);
  assert.deepEqual(
    groups.map((g) => [g.label, g.description]),
    [
      ["features", "1 call site (in loops)"],
      ["combine", "2 call sites"],
    ],
  );
  const lines = model.children(groups[1]!);
  assert.deepEqual(lines.map((l) => [l.label, l.reveal?.line]), [
    ["line 10", 9],
    ["line 12", 11],
  ]);
});

test("a jugfile that failed to load shows the error with its location", () => {
  const error = `${JUGFILE}:12:7 - SyntaxError: Unexpected token`;
  const model = new TaskTreeModel([graphOf(null, { loadError: error })]);
  const root = model.roots()[0]!;
  assert.equal(root.icon.id, "error");
  const [message] = model.children(root);
  assert.equal(message?.label, "The jugfile could not be loaded");
  assert.deepEqual(message?.reveal, { file: JUGFILE, line: 11 });
});

test("groupOf finds a group by short or qualified name", () => {
  const model = new TaskTreeModel([graphOf([task("e1", "features", "complete")])]);
  assert.equal(model.groupOf(JUGFILE_URI, "features")?.name, "jugfile.features");
  assert.equal(model.groupOf(JUGFILE_URI, "jugfile.features")?.label, "features");
  assert.equal(model.groupOf(JUGFILE_URI, "nope"), null);
});

test("a jugfile stopped at a barrier: its row says so and a last child goes to the barrier line", () => {
  const barrier = { uri: JUGFILE_URI, line: 13, character: 10, tasksBefore: 4, pending: 2, failed: 0 };
  const model = new TaskTreeModel([graphOf(diamond(), { barrier })], "/work/project");
  const [root] = model.roots();
  assert.equal(root?.description, "2/4 done · 1 running · stops at a barrier (line 14)");
  assert.match(root?.tooltip ?? "", /the tasks after it are not known yet/);
  const children = model.children(root!);
  const last = children[children.length - 1]!;
  assert.deepEqual(
    { kind: last.kind, label: last.label, description: last.description, icon: last.icon.id, reveal: last.reveal },
    {
      kind: "message",
      label: "Stops at the barrier at line 14",
      description: "waiting for 2 of 4 · later tasks not known yet",
      icon: "debug-pause",
      reveal: { file: JUGFILE, line: 13 },
    },
  );
  const inModule = new TaskTreeModel([graphOf(diamond(), { barrier: { ...barrier, uri: "file:///work/project/lib/stages.ts", pending: 0 } })]);
  const moduleChildren = inModule.children(inModule.roots()[0]!);
  assert.equal(moduleChildren[moduleChildren.length - 1]!.label, "Past the barrier at stages.ts:14");
  assert.equal(moduleChildren[moduleChildren.length - 1]!.description, "loading the tasks after it…");
  assert.equal(new TaskTreeModel([graphOf(diamond())]).children(new TaskTreeModel([graphOf(diamond())]).roots()[0]!).some((n) => n.id.endsWith("#barrier")), false);
});
