import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load";

const { summarize } = load<typeof import("../../client/src/statusSummary")>("statusSummary");
type JugfileSummary = import("../../client/src/statusSummary").JugfileSummary;

const base: JugfileSummary & { counts: NonNullable<JugfileSummary["counts"]> } = {
  uri: "file:///w/jugfile.ts",
  counts: { waiting: 20, ready: 6, running: 2, complete: 12, failed: 0 },
  workers: 2,
  crashedWorkers: 0,
  loadError: null,
  trusted: true,
  barrier: null,
};

test("shows done/total and running workers", () => {
  const view = summarize([base]);
  assert.equal(view.text, "$(sync~spin) Jug 12/40 · 2 workers");
  assert.equal(view.severity, "normal");
  assert.equal(view.action, "openTree");
});

test("sums over jugfiles and marks a finished run", () => {
  const done = { ...base, workers: 0, counts: { waiting: 0, ready: 0, running: 0, complete: 5, failed: 0 } };
  assert.equal(summarize([done, { ...done, uri: "file:///w/b/jugfile.ts" }]).text, "$(check-all) Jug 10/10");
});

test("failures get the error background", () => {
  const view = summarize([{ ...base, counts: { ...base.counts, failed: 3 } }]);
  assert.match(view.text, /\$\(error\) 3 failed/);
  assert.equal(view.severity, "error");
});

test("dead workers are reported and the click opens the log", () => {
  const view = summarize([{ ...base, workers: 1, crashedWorkers: 1 }]);
  assert.match(view.text, /1 worker died/);
  assert.match(view.tooltip, /open the log/);
  assert.equal(view.action, "showOutput");
  assert.equal(view.severity, "error");
});

test("restricted mode is read-only and says so", () => {
  const view = summarize([{ ...base, workers: 0, trusted: false }]);
  assert.equal(view.text, "$(shield) Jug 12/40 · restricted");
  assert.match(view.tooltip, /trust the workspace/);
});

test("a jugfile that does not load is an error", () => {
  const view = summarize([{ ...base, counts: null, workers: 0, loadError: "SyntaxError" }]);
  assert.equal(view.text, "$(beaker) Jug · $(error) jugfile error");
  assert.equal(view.severity, "error");
});

test("no known task reads as no count, not 0/0", () => {
  const zero = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 };
  assert.equal(summarize([{ ...base, workers: 0, counts: zero, trusted: false }]).text, "$(shield) Jug · restricted");
});

test("nothing loaded yet", () => {
  assert.equal(summarize([]).text, "$(beaker) Jug");
});

test("a jugfile stopped at a barrier: not 'all done' while its later tasks are unknown; the tooltip says why", () => {
  const barrier = { uri: "file:///w/jugfile.ts", line: 13, character: 10, tasksBefore: 3, pending: 1, failed: 1 };
  const view = summarize([{ ...base, workers: 0, counts: { waiting: 0, ready: 0, running: 0, complete: 2, failed: 1 }, barrier }]);
  assert.equal(view.text, "$(beaker) Jug 2/3 · $(debug-pause) barrier · $(error) 1 failed");
  assert.match(view.tooltip, /stops at the barrier at jugfile\.ts:14 until the tasks before it are complete \(1 of 3 not done, 1 failed\); the tasks after it are not known yet/);
  const passed = { ...barrier, pending: 0, failed: 0 };
  const done = summarize([{ ...base, workers: 0, counts: { waiting: 0, ready: 0, running: 0, complete: 3, failed: 0 }, barrier: passed }]);
  assert.equal(done.text, "$(beaker) Jug 3/3 · $(debug-pause) barrier", "the check mark waits for the tasks after the barrier");
  assert.match(done.tooltip, /loading the tasks after it/);
});
