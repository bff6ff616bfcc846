import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { DigestTable } from "jug/internal";

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

test("DigestTable numbers distinct digests in order of arrival, finds them after growing, and gives back their hex", () => {
  const table = new DigestTable(4);
  const digests = Array.from({ length: 5000 }, (_, i) => digest(String(i)));
  digests.forEach((d, i) => assert.equal(table.intern(d, 0), i));
  assert.equal(table.size, 5000);
  // A digest seen before gets its first id again, wherever it comes from.
  const padded = Buffer.concat([Buffer.alloc(7), digests[1234]!]);
  assert.equal(table.intern(padded, 7), 1234);
  assert.equal(table.size, 5000);
  digests.forEach((d, i) => {
    assert.equal(table.find(d, 0), i);
    assert.equal(table.hexOf(i), d.toString("hex"));
    assert.equal(table.findHex(d.toString("hex")), i);
  });
  assert.equal(table.find(digest("absent"), 0), -1);
  const out = new Uint8Array(70);
  table.writeHex(42, out, 3);
  assert.equal(Buffer.from(out.subarray(3, 67)).toString("latin1"), digests[42]!.toString("hex"));
});

test("DigestTable tells apart digests that share their first 4 bytes, and rejects text that is not 64 lowercase hex digits", () => {
  const table = new DigestTable();
  const a = Buffer.from("abcdef01" + "0".repeat(56), "hex");
  const b = Buffer.from("abcdef01" + "1".repeat(56), "hex");
  assert.equal(table.intern(a, 0), 0);
  assert.equal(table.intern(b, 0), 1);
  assert.equal(table.findHex("abcdef01" + "1".repeat(56)), 1);
  assert.equal(table.findHex("abcdef01" + "2".repeat(56)), -1);
  assert.equal(table.findHex("ABCDEF01" + "0".repeat(56)), -1);
  assert.equal(table.findHex("not hex at all"), -1);
});
