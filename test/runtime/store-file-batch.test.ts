// A worker that holds several locks (a batch of fast tasks) has its results appended together at the
// first release: they are in the log before any of their locks is let go, and one write holds them all.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openStore, type ResultMeta } from "jug/store";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "jug-store-batch-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
const meta: ResultMeta = { name: "jugfile.double", duration: 0.001, size: 0, worker: "h:1", time: "2026-11-25T12:00:00.000Z", preview: "2", codeHash: "c" };
const owner = { worker: "h:1", host: "h", pid: process.pid, since: "2026-11-25T12:00:00.000Z" };
const logBytes = (dir: string): number =>
  fs.readdirSync(path.join(dir, "logs")).filter((f) => f.endsWith(".log")).reduce((sum, f) => sum + fs.statSync(path.join(dir, "logs", f)).size, 0);

test("results written under several held locks reach the log, all at once, when the first lock is released", async () => {
  const dir = path.join(tmpRoot, "a.jugdata");
  const store = await openStore(dir);
  const other = await openStore(dir); // another process's view
  const locks = await Promise.all(["b1", "b2", "b3"].map((h) => store.lock(h, owner)));
  for (const [i, h] of ["b1", "b2", "b3"].entries()) await store.write(h, Buffer.from([i]), meta);
  assert.equal(await store.has("b2"), true, "the writer sees its results at once");
  assert.equal(logBytes(dir), 0, "nothing is written while the locks are held");
  await locks[0]!.release();
  const written = logBytes(dir);
  assert.ok(written > 0);
  assert.deepEqual(
    await Promise.all(["b1", "b2", "b3"].map(async (h) => (await other.snapshot()).results.has(h))),
    [true, true, true],
    "every result is in the log once one lock is released",
  );
  await locks[1]!.release();
  await locks[2]!.release();
  assert.equal(logBytes(dir), written, "the other releases write nothing more");
  assert.deepEqual([...(await store.read("b3"))], [2]);
  await other.close();
  await store.close();
});

test("a result written under a single lock is in the log before the lock is released", async () => {
  const dir = path.join(tmpRoot, "b.jugdata");
  const store = await openStore(dir);
  const other = await openStore(dir);
  const lock = await store.lock("s1", owner);
  await store.write("s1", Buffer.from([7]), meta);
  assert.equal((await other.snapshot()).results.has("s1"), true);
  await lock!.release();
  await other.close();
  await store.close();
});
