// What lenses and hovers say while a jugfile stops at a blocking barrier (pure modules).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { StatusDocument, TaskState, TaskStatus } from "jug/protocol";
import type * as BarrierModule from "../../server/src/features/barrier";
import type * as LensesModule from "../../server/src/features/lenses";
import type * as HoverModule from "../../server/src/features/hover";
import type { TaskSite } from "../../server/src/analysis/types";
import { serverModule } from "./fixtures";

const { barrierInfo, reloadForBarrier, placeBarrier, barrierLenses } = serverModule<typeof BarrierModule>("features/barrier");
const { siteLenses } = serverModule<typeof LensesModule>("features/lenses");
const { tasksHover } = serverModule<typeof HoverModule>("features/hover");
type LensContext = LensesModule.LensContext;

const JUGFILE = "/w/jugfile.ts";
const URI = "file:///w/jugfile.ts";

function task(hash: string, state: TaskState, line: number): TaskStatus {
  return {
    hash, name: "jugfile.count", state, deps: [], site: { file: JUGFILE, line, column: 11 }, duration: null, size: null,
    stale: false, worker: null, preview: null, time: null, error: state === "failed" ? "boom" : null,
  };
}

function doc(tasks: TaskStatus[], barrier: StatusDocument["barrier"] = { file: JUGFILE, line: 14, column: 12 }): StatusDocument {
  const counts = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
  for (const t of tasks) counts[t.state]++;
  return { version: 1, jugfile: JUGFILE, store: "/w/jugfile.jugdata", counts, tasks, barrier };
}

function site(line: number, name = "square", repeated = false): TaskSite {
  const span = { line, character: 4, endLine: line, endCharacter: 20 };
  return { span, calleeSpan: span, name, kind: "generator", repeated };
}

function ctx(extra: Partial<LensContext> = {}): LensContext {
  return { uri: URI, trusted: true, dirty: false, source: "runtime", loadFailed: false, barrier: null, ...extra };
}

test("the barrier of a status document: position (0-based), distinct tasks before it, pending and failed ones", () => {
  assert.equal(barrierInfo(null), null);
  assert.equal(barrierInfo(doc([task("a", "ready", 12)], null)), null);
  const older: StatusDocument = doc([task("a", "ready", 12)]);
  delete older.barrier;
  assert.equal(barrierInfo(older), null, "documents of older runtimes have no barrier field");
  const tasks = [task("a", "complete", 5), task("a", "complete", 6), task("b", "failed", 7), task("c", "waiting", 8)];
  assert.deepEqual(barrierInfo(doc(tasks)), { uri: URI, line: 13, character: 11, tasksBefore: 3, pending: 2, failed: 1 });
});

test("the status is loaded again once per pass of a barrier (all tasks before it complete), never in a loop", () => {
  assert.deepEqual(reloadForBarrier(doc([task("a", "running", 12)]), null), { reload: false, key: null }, "still blocking");
  assert.deepEqual(reloadForBarrier(doc([task("a", "complete", 12)], null), null), { reload: false, key: null }, "no barrier");
  const passed = reloadForBarrier(doc([task("a", "complete", 12)]), null);
  assert.equal(passed.reload, true);
  assert.ok(passed.key);
  assert.deepEqual(reloadForBarrier(doc([task("a", "complete", 12)]), passed.key), { reload: false, key: passed.key }, "the runtime still stops there: no second load");
  const next = reloadForBarrier(doc([task("a", "complete", 12), task("b", "complete", 20)], { file: JUGFILE, line: 22, column: 7 }), passed.key);
  assert.equal(next.reload, true, "the next barrier, passed too");
  // Invalidated: the barrier blocks again (the key is forgotten), and its next pass loads again.
  const blocking = reloadForBarrier(doc([task("a", "ready", 12)]), passed.key);
  assert.deepEqual(blocking, { reload: false, key: null });
  assert.equal(reloadForBarrier(doc([task("a", "complete", 12)]), blocking.key).reload, true);
});

test("placed in the buffer through the line mapping; a barrier in an imported module is named by file", () => {
  const info = barrierInfo(doc([task("a", "ready", 12)]))!;
  assert.deepEqual(placeBarrier(info, JUGFILE), { info, line: 13, character: 11, label: "line 14" });
  assert.equal(placeBarrier(info, JUGFILE, (l) => l + 2).label, "line 16", "unsaved lines above it move it");
  const elsewhere = barrierInfo({ ...doc([task("a", "ready", 12)]), barrier: { file: "/w/lib/stages.ts", line: 3, column: 1 } })!;
  assert.deepEqual(placeBarrier(elsewhere, JUGFILE), { info: elsewhere, line: null, character: 0, label: "stages.ts:3" });
});

test("the barrier lens says what it waits for and runs everything; it says when it is passed; none after a load failure", () => {
  const blocking = placeBarrier(barrierInfo(doc([task("a", "complete", 5), task("b", "failed", 6), task("c", "ready", 7)]))!, JUGFILE);
  const lenses = barrierLenses(blocking, ctx(), ["b", "c"]);
  assert.deepEqual(
    lenses.map((l) => `${l.span.line + 1}: ${l.title} -> ${l.command}`),
    [
      "14: ▶ Run all -> jug.runTask",
      "14: ‖ Barrier: waiting for 2 of 3 tasks before it (1 failed) · tasks after it not known yet -> jug.showStatus",
    ],
  );
  assert.deepEqual(lenses[0]!.args, [{ uri: URI }], "no target: the worker runs up to the barrier and on past it");
  assert.deepEqual(lenses[1]!.args, [{ uri: URI, line: 13, hashes: ["b", "c"] }]);
  assert.deepEqual(barrierLenses(blocking, ctx({ trusted: false }), []).map((l) => l.command), ["jug.showStatus"]);
  assert.match(barrierLenses(blocking, ctx({ dirty: true }), [])[1]!.title, /\(unsaved changes\)$/);
  assert.deepEqual(barrierLenses(blocking, ctx({ loadFailed: true }), []), []);

  const passed = placeBarrier(barrierInfo(doc([task("a", "complete", 5)]))!, JUGFILE);
  assert.deepEqual(barrierLenses(passed, ctx(), []).map((l) => l.title), ["‖ Barrier: the tasks before it are done; loading the tasks after it…"]);
  const elsewhere = placeBarrier(barrierInfo({ ...doc([task("a", "ready", 5)]), barrier: { file: "/w/lib.ts", line: 3, column: 1 } })!, JUGFILE);
  assert.deepEqual(barrierLenses(elsewhere, ctx(), []), [], "no lens in a file that does not hold the barrier");
});

test("call sites with no task while stopped at the barrier: after it or not, no Run, a click goes to the barrier", () => {
  const barrier = placeBarrier(barrierInfo(doc([task("a", "ready", 12)]))!, JUGFILE);
  const after = siteLenses(site(15, "square", true), [], ctx({ barrier }));
  assert.deepEqual(after.map((l) => `${l.title} -> ${l.command}`), ["‖ after the barrier (line 14): not known yet -> jug.revealTask"]);
  assert.deepEqual(after[0]!.args, [{ uri: URI, line: 13 }]);
  assert.deepEqual(
    siteLenses(site(3, "helper"), [], ctx({ barrier })).map((l) => l.title),
    ["no tasks yet: the jugfile stops at the barrier (line 14)"],
    "a site above it (e.g. in a function called after it) is not claimed to be after it",
  );
  // Sites with tasks are unchanged; without a barrier an empty site says so plainly.
  assert.deepEqual(siteLenses(site(11, "count"), [task("a", "ready", 12)], ctx({ barrier })).map((l) => l.title), ["▶ Run", "ready"]);
  assert.deepEqual(siteLenses(site(15), [], ctx()).map((l) => l.title), ["▶ Run", "no tasks created here"]);
  assert.deepEqual(siteLenses(site(15), [], ctx({ barrier, loadFailed: true })).map((l) => l.title), ["▶ Run", "✗ jugfile failed to load (see problems)"]);

  const elsewhere = placeBarrier(barrierInfo({ ...doc([task("a", "ready", 5)]), barrier: { file: "/w/lib.ts", line: 3, column: 1 } })!, JUGFILE);
  const there = siteLenses(site(15), [], ctx({ barrier: elsewhere }));
  assert.deepEqual(there.map((l) => l.title), ["no tasks yet: the jugfile stops at the barrier (lib.ts:3)"]);
  assert.deepEqual(there[0]!.args, [{ uri: "file:///w/lib.ts", line: 2 }]);
});

test("hover of a site not created yet explains the barrier", () => {
  const barrier = placeBarrier(barrierInfo(doc([task("a", "failed", 12)]))!, JUGFILE);
  const text = tasksHover("square", [], true, { dirty: false, source: "runtime", trusted: true, barrier }).replace(/\\(.)/g, "$1");
  assert.match(text, /stops at the barrier \(line 14\) until the tasks before it are complete \(1 of 1 not done, 1 failed\); the tasks after it are not known yet/);
  const plain = tasksHover("square", [], true, { dirty: false, source: "runtime", trusted: true, barrier: null }).replace(/\\(.)/g, "$1");
  assert.match(plain, /No task was created here by the last load\.$/);
});
