import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load";

const settings = load<typeof import("../../client/src/settings")>("settings");

function from(values: Record<string, unknown>) {
  return settings.readSettings((key) => values[key]);
}

test("defaults", () => {
  assert.deepEqual(from({}), {
    workers: null,
    nodePath: null,
    storeDir: null,
    codeLensEnabled: true,
    jugfileGlob: "**/jugfile.{ts,mts,js,mjs}",
  });
});

test("valid values are taken, invalid ones fall back to the defaults", () => {
  const s = from({ workers: 3, nodePath: " /usr/bin/node ", storeDir: "redis://h:6379/0", "codeLens.enabled": false, jugfileGlob: "**/*.jug.ts" });
  assert.deepEqual(s, { workers: 3, nodePath: "/usr/bin/node", storeDir: "redis://h:6379/0", codeLensEnabled: false, jugfileGlob: "**/*.jug.ts" });
  assert.equal(from({ workers: 0 }).workers, null);
  assert.equal(from({ workers: 2.5 }).workers, null);
  assert.equal(from({ workers: "4" }).workers, null);
  assert.equal(from({ nodePath: "  " }).nodePath, null);
});

test("Start Workers proposes the setting, else the core count", () => {
  assert.equal(settings.defaultWorkerCount(from({ workers: 3 }), 8), 3);
  assert.equal(settings.defaultWorkerCount(from({}), 8), 8);
  assert.equal(settings.defaultWorkerCount(from({}), 0), 1);
});

test("worker count input is validated with a message", () => {
  assert.deepEqual(settings.parseWorkerCount(" 2 "), { count: 2 });
  assert.deepEqual(settings.parseWorkerCount("0"), { error: "Start at least 1 worker." });
  assert.deepEqual(settings.parseWorkerCount("two"), { error: "Enter a whole number of workers, e.g. 2." });
  assert.deepEqual(settings.parseWorkerCount("-1"), { error: "Enter a whole number of workers, e.g. 2." });
  assert.deepEqual(settings.parseWorkerCount("1000"), { error: "At most 256 workers." });
});

test("only server-visible settings restart the language server", () => {
  const a = from({});
  assert.equal(settings.needsRestart(a, from({ "codeLens.enabled": false })), false);
  assert.equal(settings.needsRestart(a, from({ workers: 4 })), false);
  assert.equal(settings.needsRestart(a, from({ nodePath: "/opt/node" })), true);
  assert.equal(settings.needsRestart(a, from({ jugfileGlob: "x/**" })), true);
});
