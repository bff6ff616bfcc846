import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { HexTable } from "jug/internal";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

test("HexTable finds every inserted hash after growing, and only those", () => {
  const keys: string[] = [];
  const table = new HexTable((slot) => keys[slot]!);
  for (let i = 0; i < 5000; i++) {
    const h = sha(String(i));
    assert.equal(table.find(h), -1);
    table.insert(h, keys.length);
    keys.push(h);
  }
  assert.equal(table.size, 5000);
  keys.forEach((h, slot) => assert.equal(table.find(h), slot));
  assert.equal(table.find(sha("absent")), -1);
});

test("HexTable tells apart hashes that share their first 8 digits, and non-hex keys", () => {
  const keys = ["abcdef01" + "0".repeat(56), "abcdef01" + "1".repeat(56), "not hex at all", "ABCDEF01" + "0".repeat(56)];
  const table = new HexTable((slot) => keys[slot]!);
  keys.forEach((k, slot) => table.insert(k, slot));
  keys.forEach((k, slot) => assert.equal(table.find(k), slot));
  assert.equal(table.find("abcdef01" + "2".repeat(56)), -1);
});
