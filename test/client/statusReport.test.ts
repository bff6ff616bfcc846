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
