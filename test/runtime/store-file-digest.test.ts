// The file store's snapshot answers hasDigest(digests, at) by the digest's bytes: it must give
// exactly what has(hex of those bytes) gives, for results in saved log indexes (segments), in logs
// read in full, in the process's own log, removed, rewritten, and in an older snapshot.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { openStore, type ResultMeta, type Store } from "jug/store";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "jug-store-digest-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
const meta: ResultMeta = { name: "jugfile.double", duration: 0.001, size: 0, worker: "h:1", time: "2026-11-25T12:00:00.000Z", preview: "2", codeHash: "c" };

type DigestView = Map<string, ResultMeta> & { hasDigest(digests: Uint8Array, at: number): boolean };
const digestOf = (i: number) => createHash("sha256").update(`task ${i}`).digest();

/** The digests of tasks 0..n-1 at start + i * stride of a view into a larger buffer (not at its start). */
function packedDigests(n: number, start: number, stride: number): Uint8Array {
  const whole = Buffer.alloc(3 + start + n * stride + 5, 0xee);
  for (let i = 0; i < n; i++) digestOf(i).copy(whole, 3 + start + i * stride);
  return new Uint8Array(whole.buffer, whole.byteOffset + 3, whole.length - 3);
}

/** Checks hasDigest against has() and the expected set, for every task 0..n-1, at two layouts of the digests. */
async function expectResults(store: Store, n: number, expected: ReadonlySet<number>, label: string): Promise<DigestView> {
  const results = (await store.snapshot()).results as DigestView;
  checkView(results, n, expected, label);
  return results;
}

function checkView(results: DigestView, n: number, expected: ReadonlySet<number>, label: string): void {
  for (const [start, stride] of [[0, 32], [7, 45]] as const) {
    const digests = packedDigests(n, start, stride);
    for (let i = 0; i < n; i++) {
      const at = start + i * stride;
      const hex = Buffer.from(digests.subarray(at, at + 32)).toString("hex");
      assert.equal(results.has(hex), expected.has(i), `${label}: has(task ${i})`);
      assert.equal(results.hasDigest(digests, at), expected.has(i), `${label}: hasDigest(task ${i}) at ${at}`);
    }
  }
}

const hashOf = (i: number) => digestOf(i).toString("hex");

test("hasDigest gives what has() gives: segments, logs read in full, own records, removals, rewrites, older snapshots", async () => {
  const dir = path.join(tmpRoot, "store.jugdata");
  const n = 800;
  const expected = new Set<number>();
  // Log 1: 500 results, closed: its saved index (a log of at least 64 KiB) makes it a segment for later readers.
  const first = await openStore(dir);
  for (let i = 0; i < 500; i++) {
    await first.write(hashOf(i), Buffer.from(String(i)), meta);
    expected.add(i);
  }
  await first.remove([hashOf(5), hashOf(6)]);
  for (const i of [5, 6]) expected.delete(i);
  await first.close();
  assert.equal(fs.readdirSync(path.join(dir, "logs")).filter((f) => f.endsWith(".idx")).length, 1, "the first log has its saved index");

  // Log 2 (kept open): new results, results of log 1 rewritten, removals in both logs, and one result written again after its removal.
  const second = await openStore(dir);
  await expectResults(second, n, expected, "second, at open");
  for (let i = 500; i < 600; i++) {
    await second.write(hashOf(i), Buffer.from(String(i)), meta);
    expected.add(i);
  }
  for (let i = 0; i < 20; i++) {
    await second.write(hashOf(i), Buffer.from("again"), meta);
    expected.add(i);
  }
  await second.remove([hashOf(30), hashOf(31), hashOf(510), hashOf(3)]);
  for (const i of [30, 31, 510, 3]) expected.delete(i);
  await second.write(hashOf(510), Buffer.from("back"), meta);
  expected.add(510);
  const before = new Set(expected);
  const older = await expectResults(second, n, expected, "second, own records");

  // A third process reads log 1 from its saved index and log 2 in full (still open: no saved index yet).
  const third = await openStore(dir);
  await expectResults(third, n, expected, "third, at open");
  for (let i = 600; i < 700; i++) {
    await third.write(hashOf(i), Buffer.from(String(i)), meta);
    expected.add(i);
  }
  await third.remove([hashOf(40), hashOf(550), hashOf(650)]);
  for (const i of [40, 550, 650]) expected.delete(i);
  await expectResults(third, n, expected, "third, after its writes");

  // The second process sees the third's log after a refresh; its older snapshot is unchanged.
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(await second.has(hashOf(799)), false); // a miss refreshes an index older than 50 ms
  await expectResults(second, n, expected, "second, after the third's writes");
  checkView(older, n, before, "second, older snapshot");
  await second.close();
  await third.close();

  // A new reader: every log has its saved index now (all segments).
  const reader = await openStore(dir);
  await expectResults(reader, n, expected, "new reader, segments only");
  await reader.close();
});

test("hasDigest is false for every digest in an empty store, and has() of a hash that is not a task hash is unaffected", async () => {
  const dir = path.join(tmpRoot, "other.jugdata");
  const store = await openStore(dir);
  await expectResults(store, 50, new Set(), "empty");
  await store.write("not-a-task-hash", Buffer.from("x"), meta);
  await store.write(hashOf(1), Buffer.from("1"), meta);
  const results = await expectResults(store, 50, new Set([1]), "one task hash");
  assert.equal(results.has("not-a-task-hash"), true);
  assert.equal(results.has(hashOf(1).toUpperCase()), false, "hashes are lowercase hex: the uppercase spelling is another hash");
  await store.close();
});
