import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load";
import { diamond, graphOf } from "./fixtures";

const { statusReport } = load<typeof import("../../client/src/statusReport")>("statusReport");

test("a table per jugfile with counts per task name and totals", () => {
  const text = statusReport([graphOf(diamond(), { workers: 2 })], new Date("2026-01-02T03:04:05Z"));
  const lines = text.split("\n");
  assert.equal(lines[0], "Jug status at 2026-01-02T03:04:05.000Z");
  assert.ok(lines.includes("workers: 2"));
  const row = (name: string) => lines.find((l) => l.startsWith(name))?.trim().split(/\s+/);
  assert.deepEqual(row("features"), ["features", "0", "0", "1", "1", "0"]);
  assert.deepEqual(row("Total"), ["Total", "1", "0", "1", "2", "0"]);
});

test("restricted mode and load errors are spelled out", () => {
  const text = statusReport([graphOf(null, { trusted: false, loadError: null })], new Date(0));
  assert.match(text, /Restricted Mode: read-only/);
  assert.match(text, /Trust the workspace to load the task graph/);
  assert.match(statusReport([graphOf(null, { loadError: "jugfile.ts:3 SyntaxError" })], new Date(0)), /could not be loaded:\njugfile.ts:3 SyntaxError/);
  assert.match(statusReport([], new Date(0)), /No jugfile found/);
});

test("a barrier is named under the table", () => {
  const barrier = { uri: "file:///work/project/jugfile.ts", line: 13, character: 10, tasksBefore: 4, pending: 3, failed: 0 };
  const text = statusReport([graphOf(diamond(), { barrier })], new Date(0));
  assert.match(text, /Total.*\nThe jugfile stops at the barrier at jugfile\.ts:14 until the tasks before it are complete \(3 of 4 not done\); the tasks after it are not known yet\./);
});
