// How status fields read to people (CLI, lenses, hovers and the tree share these).
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, formatSize, shortName } from "jug/protocol";

test("durations: ms below 0.1 s, one decimal below 10 s, then whole units without a '60 s'", () => {
  assert.equal(formatDuration(0.012), "12 ms");
  assert.equal(formatDuration(0.042), "42 ms");
  assert.equal(formatDuration(0.4213), "0.4 s");
  assert.equal(formatDuration(1.234), "1.2 s");
  assert.equal(formatDuration(12.4), "12 s");
  assert.equal(formatDuration(119.6), "2 min 0 s");
  assert.equal(formatDuration(185), "3 min 5 s");
  assert.equal(formatDuration(7440), "2 h 4 min");
});

test("sizes in binary units, names without their jugfile prefix", () => {
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(2048), "2.0 KiB");
  assert.equal(formatSize(34_500_000), "33 MiB");
  assert.equal(shortName("jugfile.computeFeatures"), "computeFeatures");
  assert.equal(shortName("double"), "double");
});
