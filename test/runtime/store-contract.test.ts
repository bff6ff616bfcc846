// One contract, every store. A new store (e.g. Redis) is one more line in STORES.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { MissingResultError, openStore, type LockOwner, type ResultMeta, type Store } from "jug/store";
import { startRedisServer, type RedisServer } from "./redis-server";

interface StoreUnderTest {
  store: Store;
  /** A second handle on the same store, as another process would open it (absent for single-process stores). */
  reopen?: () => Promise<Store>;
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "jug-store-contract-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let dirs = 0;
/** One redis-server for the file, started by the first Redis test; each store gets its own key prefix. */
let redisServer: Promise<RedisServer> | undefined;
after(async () => (await redisServer)?.stop());

const STORES: Array<[string, () => Promise<StoreUnderTest>]> = [
  ["memory", async () => ({ store: await openStore("memory:") })],
  [
    "file",
    async () => {
      const dir = path.join(tmpRoot, `s${dirs++}.jugdata`);
      return { store: await openStore(dir), reopen: () => openStore(dir) };
    },
  ],
  [
    "redis",
    async () => {
      const url = (await (redisServer ??= startRedisServer())).url(`contract${dirs++}`);
      return { store: await openStore(url), reopen: () => openStore(url) };
    },
  ],
];

const meta = (over: Partial<ResultMeta> = {}): ResultMeta => ({
  name: "jugfile.double",
  duration: 0.25,
  size: 0,
  worker: "host:1",
  time: "2026-11-25T12:00:00.000Z",
  preview: "42",
  codeHash: "c0de",
  ...over,
});
const owner: LockOwner = { worker: `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid, since: new Date().toISOString() };
const bytes = (...b: number[]) => Buffer.from(b);
/** Stores may return any Uint8Array (a Buffer, say): compare contents. */
const contents = async (p: Promise<Uint8Array>) => Buffer.from(await p);
const failure = { name: "jugfile.boom", message: "boom", stack: "Error: boom\n    at jugfile.ts:3:9", worker: "host:1", time: "2026-11-25T12:00:00.000Z" };

function nextChange(store: Store, timeoutMs = 2000): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watcher.dispose();
      reject(new Error(`no change notification within ${timeoutMs} ms`));
    }, timeoutMs);
    const watcher = store.watch(() => {
      clearTimeout(timer);
      watcher.dispose();
      resolve(Date.now() - started);
    });
  });
}

for (const [kind, make] of STORES) {
  describe(`store contract: ${kind}`, () => {
    test("a written result can be checked, read and described; a missing one cannot", async () => {
      const { store } = await make();
      assert.equal(await store.has("a1"), false);
      assert.equal(await store.meta("a1"), undefined);
      await assert.rejects(store.read("a1"), MissingResultError);
      await store.write("a1", bytes(1, 2, 3), meta());
      assert.equal(await store.has("a1"), true);
      assert.deepEqual(await contents(store.read("a1")), bytes(1, 2, 3));
      assert.deepEqual(await store.meta("a1"), meta({ size: 3 }));
      await store.write("a1", bytes(9), meta({ preview: "9" }));
      assert.deepEqual(await contents(store.read("a1")), bytes(9), "a rewrite replaces the result");
      await store.close();
    });

    test("large results round-trip", async () => {
      const { store } = await make();
      const big = Buffer.from(new Uint8Array(3_000_000).map((_, i) => i % 251));
      await store.write("big", big, meta());
      assert.ok(big.equals(await contents(store.read("big"))));
      assert.equal((await store.meta("big"))?.size, big.byteLength);
      await store.close();
    });

    test("remove drops results and their failure markers, and counts what existed", async () => {
      const { store } = await make();
      await store.write("r1", bytes(1), meta());
      await store.write("r2", new Uint8Array(200_000), meta());
      await store.markFailed("r3", failure);
      assert.equal(await store.remove(["r1", "r2", "r3", "nope"]), 2);
      assert.equal(await store.has("r1"), false);
      assert.equal(await store.has("r2"), false);
      const snap = await store.snapshot();
      assert.equal(snap.failures.has("r3"), false);
      await store.write("r1", bytes(2), meta());
      assert.deepEqual(await contents(store.read("r1")), bytes(2), "a removed result can be computed again");
      await store.close();
    });

    test("a snapshot lists every result with its metadata, as it was when taken", async () => {
      const { store } = await make();
      await store.write("s1", bytes(1), meta({ name: "jugfile.one", preview: "1" }));
      await store.write("s2", bytes(2, 2), meta({ name: "jugfile.two", duration: 2.5 }));
      const before = await store.snapshot();
      await store.write("s3", bytes(3), meta());
      await store.remove(["s1"]);
      const after = await store.snapshot();
      assert.deepEqual([...before.results.keys()].sort(), ["s1", "s2"], "later writes and removals do not change an earlier snapshot");
      assert.deepEqual(before.results.get("s1"), meta({ name: "jugfile.one", preview: "1", size: 1 }));
      assert.deepEqual(
        [...before.results].sort(([a], [b]) => a.localeCompare(b)).map(([h, m]) => [h, m.name, m.size, m.duration]),
        [["s1", "jugfile.one", 1, 0.25], ["s2", "jugfile.two", 2, 2.5]],
      );
      assert.deepEqual([...after.results.keys()].sort(), ["s2", "s3"]);
      assert.equal(after.results.size, 2);
      assert.equal(after.results.get("s1"), undefined);
      await store.close();
    });

    test("a lock is exclusive until released; release is idempotent", async () => {
      const { store } = await make();
      const held = await store.lock("k1", owner);
      assert.ok(held);
      assert.equal(held.hash, "k1");
      assert.equal(await store.lock("k1", owner), null);
      const other = await store.lock("k2", owner);
      assert.ok(other, "locks of different tasks are independent");
      assert.deepEqual((await store.snapshot()).locks.get("k1"), owner);
      await held.release();
      await held.release();
      assert.equal((await store.snapshot()).locks.has("k1"), false);
      const again = await store.lock("k1", owner);
      assert.ok(again, "a released lock can be taken again");
      await again.release();
      await other.release();
      await store.close();
    });

    test("failure markers are set, listed and cleared; a result clears them too", async () => {
      const { store } = await make();
      await store.markFailed("f1", failure);
      await store.markFailed("f2", { ...failure, kept: true });
      let snap = await store.snapshot();
      assert.deepEqual(snap.failures.get("f1"), failure);
      assert.equal(snap.failures.get("f2")?.kept, true);
      await store.clearFailed("f1");
      await store.write("f2", bytes(1), meta());
      snap = await store.snapshot();
      assert.equal(snap.failures.size, 0);
      assert.deepEqual([...snap.results.keys()], ["f2"]);
      await store.close();
    });

    test("snapshot lists results with metadata, locks with owners, failures", async () => {
      const { store } = await make();
      await store.write("s1", bytes(1, 2), meta({ preview: "[1, 2]" }));
      await store.markFailed("s2", failure);
      const lock = await store.lock("s3", owner);
      const snap = await store.snapshot();
      assert.deepEqual(snap.results.get("s1"), meta({ size: 2, preview: "[1, 2]" }));
      assert.deepEqual([...snap.locks.keys()], ["s3"]);
      assert.deepEqual([...snap.failures.keys()], ["s2"]);
      assert.deepEqual(snap.problems ?? [], []);
      await lock?.release();
      await store.close();
    });

    test("watch calls back after a write, a failure and a release; dispose stops it", async () => {
      const { store } = await make();
      let change = nextChange(store);
      await store.write("w1", bytes(1), meta());
      assert.ok((await change) < 500, "soon (in-process; the cross-process wake-up is timed below)");
      change = nextChange(store);
      await store.markFailed("w2", failure);
      await change;
      const lock = await store.lock("w3", owner);
      change = nextChange(store);
      await lock?.release();
      await change;
      let calls = 0;
      store.watch(() => calls++).dispose();
      await store.write("w4", bytes(1), meta());
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(calls, 0);
      await store.close();
    });

    test("cleanup removes locks, failure markers and results, except those kept", async () => {
      const { store } = await make();
      await store.write("c1", bytes(1), meta());
      await store.write("c2", bytes(2), meta());
      await store.markFailed("c3", failure);
      await store.markFailed("c4", failure);
      const l1 = await store.lock("c5", owner);
      const l2 = await store.lock("c6", owner);
      assert.ok(l1 && l2);
      const keep = new Set(["c2", "c4", "c6"]);
      assert.deepEqual(await store.cleanup({ locks: true, failed: true, results: true, keep }), { locks: 1, failed: 1, results: 1 });
      const snap = await store.snapshot();
      assert.deepEqual([...snap.results.keys()], ["c2"]);
      assert.deepEqual([...snap.failures.keys()], ["c4"]);
      assert.deepEqual([...snap.locks.keys()], ["c6"]);
      await l2.release();
      await l1.release();
      await store.close();
    });

    test("a second handle (another process) sees results, failures and locks, and is woken by them", async (t) => {
      const { store, reopen } = await make();
      if (!reopen) return t.skip(`${kind} stores live in one process`);
      await store.write("x1", bytes(1), meta());
      const other = await reopen();
      assert.deepEqual(await contents(other.read("x1")), bytes(1));
      const change = nextChange(other);
      await store.write("x2", bytes(2), meta());
      const latency = await change;
      assert.ok(latency < 150, `woken within ~100 ms (took ${latency} ms)`);
      assert.equal(await other.has("x2"), true, "has() is current after the watch callback");
      const lock = await store.lock("x3", owner);
      assert.equal(await other.lock("x3", owner), null, "the lock excludes other handles");
      await lock?.release();
      const mine = await other.lock("x3", owner);
      assert.ok(mine);
      await mine.release();
      assert.equal(await other.remove(["x1"]), 1);
      assert.equal((await store.snapshot()).results.has("x1"), false, "a removal by another process is seen");
      await other.close();
      await store.close();
    });
  });
}
