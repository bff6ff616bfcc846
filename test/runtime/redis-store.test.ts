// What only the Redis store has: its URL, connection and password errors, the layout marker, lock
// expiry and refresh, pub/sub wake-ups, and a Redis that goes away. The common contract is in
// store-contract.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import Redis from "ioredis";
import { openStore, parseRedisUrl, StoreAccessError, StoreLayoutError, type LockOwner, type ResultMeta, type Store } from "jug/store";
import { startRedisServer, type RedisServer } from "./redis-server";

const meta: ResultMeta = { name: "jugfile.f", duration: 0.1, size: 1, worker: "host:1", time: "2026-11-25T12:00:00.000Z", preview: "1", codeHash: "c" };
const me: LockOwner = { worker: `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid, since: new Date().toISOString() };

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  assert.ok(child.pid);
  return child.pid;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  for (const until = Date.now() + timeoutMs; !check() && Date.now() < until; ) await sleep(20);
}

describe("Redis URL", () => {
  test("host, port, database, prefix and credentials; the shown URL has no password", () => {
    const loc = parseRedisUrl("redis://bob:s%40cret@example.org:7000/3?prefix=proj-1");
    assert.deepEqual(
      { ...loc },
      { host: "example.org", port: 7000, db: 3, username: "bob", password: "s@cret", prefix: "proj-1", display: "redis://bob@example.org:7000/3?prefix=proj-1" },
    );
    const plain = parseRedisUrl("redis://10.0.0.5");
    assert.equal(plain.port, 6379);
    assert.equal(plain.db, 0);
    assert.equal(plain.prefix, "jug");
    assert.equal(plain.display, "redis://10.0.0.5/0");
    assert.equal(parseRedisUrl("redis://:pw@h:1").password, "pw");
  });

  test("a wrong URL says what is wrong, without the password", () => {
    for (const [url, message] of [
      ["redis://u:pw@h:1/x", /redis:\/\/u:\*\*\*@h:1\/x names database "x"/],
      ["redis://h:1/0?prefx=a", /unknown option prefx/],
      ["redis://h:1/0?prefix=a:b", /prefix "a:b"/],
      ["rediss://u:pw@h:1", /only redis:\/\//],
    ] as const) {
      assert.throws(() => parseRedisUrl(url), (e: Error) => e instanceof StoreAccessError && message.test(e.message) && !e.message.includes("pw@"), url);
    }
  });
});

describe("Redis store", () => {
  let server: RedisServer;
  let prefixes = 0;
  const url = () => server.url(`t${prefixes++}`);
  before(async () => (server = await startRedisServer()));
  after(() => server.stop());

  test("a Redis that is not there: a clear error naming the URL, without the password", async () => {
    const gone = await startRedisServer();
    const port = gone.port;
    await gone.stop();
    await assert.rejects(openStore(`redis://me:hunter2@127.0.0.1:${port}/2`), (e: Error) => {
      assert.ok(e instanceof StoreAccessError);
      assert.equal(e.message, `Redis store redis://me@127.0.0.1:${port}/2 is not reachable (connect ECONNREFUSED 127.0.0.1:${port}): is redis-server running there?`);
      return true;
    });
  });

  test("a password-protected Redis: no password, a wrong one, the right one", async () => {
    const guarded = await startRedisServer(["--requirepass", "s3cret"]);
    try {
      await assert.rejects(openStore(guarded.url()), (e: Error) => e instanceof StoreAccessError && /requires a password/.test(e.message));
      const wrong = `redis://:nope@127.0.0.1:${guarded.port}/0`;
      await assert.rejects(openStore(wrong), (e: Error) => /refused the user name or password/.test(e.message) && !e.message.includes("nope"));
      const store = await openStore(`redis://:s3cret@127.0.0.1:${guarded.port}/0`);
      assert.equal(store.location, `redis://127.0.0.1:${guarded.port}/0`);
      await store.write("a", Buffer.from([1]), meta);
      assert.equal(await store.has("a"), true);
      await store.close();
    } finally {
      await guarded.stop();
    }
  });

  test("keys under another prefix or layout version are not touched or used", async () => {
    const u = url();
    const store = await openStore(u);
    await store.write("a", Buffer.from([1]), meta);
    const other = await openStore(url());
    assert.equal(await other.has("a"), false, "prefixes keep stores apart");
    await other.close();
    await store.close();
    const raw = new Redis(server.port, { lazyConnect: true });
    await raw.connect();
    const prefix = new URL(u).searchParams.get("prefix")!;
    assert.deepEqual(JSON.parse((await raw.get(`${prefix}:layout`))!), { format: "jug-store", layout: 1 });
    await raw.set(`${prefix}:layout`, JSON.stringify({ format: "jug-store", layout: 2 }));
    await raw.quit();
    await assert.rejects(openStore(u), (e: Error) => {
      assert.ok(e instanceof StoreLayoutError);
      assert.match(e.message, /it was written with store layout 2, and this jug reads layout 1/);
      return true;
    });
  });

  test("opening creates nothing; a result is stored with its metadata and checksum", async () => {
    const u = url();
    const store = await openStore(u);
    const prefix = new URL(u).searchParams.get("prefix")!;
    const raw = new Redis(server.port, { lazyConnect: true });
    await raw.connect();
    assert.deepEqual(await raw.keys(`${prefix}:*`), []);
    await store.write("h1", Buffer.from("abc"), meta);
    assert.deepEqual((await raw.keys(`${prefix}:*`)).sort(), [`${prefix}:layout`, `${prefix}:v1:changes`, `${prefix}:v1:meta`, `${prefix}:v1:result:h1`]);
    // Bytes altered behind the store's back are reported, not returned.
    await raw.set(`${prefix}:v1:result:h1`, "abd");
    await assert.rejects(store.read("h1"), /corrupt result for task h1 at redis:\/\/127\.0\.0\.1:\d+\/0\?prefix=t\d+ key t\d+:v1:result:h1: checksum mismatch/);
    await raw.quit();
    await store.close();
  });

  test("a lock whose owner died on this host is taken over at once; one held elsewhere waits for the stale window", async () => {
    const store = await openStore(url(), { lockStaleMs: 2000 });
    const dead = await store.lock("k1", { ...me, pid: deadPid(), worker: `${os.hostname()}:1` });
    assert.ok(dead);
    assert.equal((await store.snapshot()).locks.has("k1"), false, "a dead owner's lock is not listed as running");
    const mine = await store.lock("k1", me);
    assert.ok(mine, "taken over at once");
    await mine.release();

    const remote: LockOwner = { worker: "far-away:42", host: "far-away", pid: 42, since: new Date().toISOString() };
    const theirs = await store.lock("k2", remote);
    assert.ok(theirs);
    const stopRefreshing = store.close(); // the holder stops refreshing, as if its machine died
    await stopRefreshing;
    const other = await openStore(new URL(store.location).href, { lockStaleMs: 2000 });
    assert.equal(await other.lock("k2", me), null, "a live remote owner's lock holds");
    const started = Date.now();
    let taken = null;
    while (!taken) {
      await sleep(100);
      taken = await other.lock("k2", me);
    }
    const waited = Date.now() - started;
    // Its last refresh was at most 200 ms before close(); opening `other` took some of the rest.
    assert.ok(waited > 1000 && waited < 4000, `expired after the 2 s stale window (took ${waited} ms)`);
    await taken.release();
    await other.close();
  });

  test("a holder whose event loop is blocked for 3x the stale window keeps its lock (refreshed from another thread)", async () => {
    const u = url();
    const holder = await openStore(u, { lockStaleMs: 2000 });
    const other = await openStore(u, { lockStaleMs: 2000 });
    const lock = await holder.lock("b1", me);
    assert.ok(lock);
    block(6000);
    assert.equal(await other.lock("b1", me), null, "still held after a 6 s block");
    await lock.release();
    const after = await other.lock("b1", me);
    assert.ok(after, "free once released");
    await after.release();
    await holder.close();
    await other.close();
  });

  test("many locks held at once are all refreshed; released ones are not", async () => {
    const u = url();
    const holder = await openStore(u, { lockStaleMs: 2000 });
    const other = await openStore(u, { lockStaleMs: 2000 });
    const locks = await Promise.all(Array.from({ length: 150 }, (_, i) => holder.lock(`m${i}`, me)));
    assert.ok(locks.every((l) => l !== null));
    for (const l of locks.slice(100)) await l!.release();
    await sleep(2500); // past the stale window: only refreshed locks are still there
    const attempts = await Promise.all(Array.from({ length: 150 }, (_, i) => other.lock(`m${i}`, me)));
    assert.equal(attempts.slice(0, 100).filter((l) => l !== null).length, 0, "held locks were refreshed");
    assert.equal(attempts.slice(100).filter((l) => l !== null).length, 50, "released locks are free");
    await Promise.all([...locks, ...attempts].map((l) => l?.release()));
    await holder.close();
    await other.close();
  });

  test("a lock removed from under its holder (jug cleanup) is reported lost; its release leaves the next holder's lock alone", async () => {
    const problems: string[] = [];
    const u = url();
    const holder = await openStore(u, { lockStaleMs: 2000, onProblem: (m) => problems.push(m) });
    const other = await openStore(u, { lockStaleMs: 2000 });
    const lock = await holder.lock("c1", me);
    assert.ok(lock);
    assert.deepEqual(await other.cleanup({ locks: true, failed: false, results: false }), { locks: 1, failed: 0, results: 0 });
    const taken = await other.lock("c1", me);
    assert.ok(taken);
    await waitUntil(() => problems.length > 0, 2000);
    assert.equal(problems.length, 1, problems.join("\n"));
    assert.match(problems[0]!, /the lock of task c1 in redis:\/\/.* was lost \(removed by `jug cleanup`/);
    await lock.release();
    assert.equal(await holder.lock("c1", me), null, "the other handle's lock is still there");
    await taken.release();
    await holder.close();
    await other.close();
  });

  test("watchers on another connection are woken by pub/sub within milliseconds", async () => {
    const u = url();
    const writer = await openStore(u);
    const watcher = await openStore(u);
    await new Promise<void>((resolve) => {
      const w = watcher.watch(() => (w.dispose(), resolve())); // the first call comes when subscribed
    });
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const woken = new Promise<number>((resolve) => {
        const w = watcher.watch(() => (w.dispose(), resolve(Date.now())));
      });
      await sleep(30);
      const start = Date.now();
      await writer.write(`w${i}`, Buffer.from([i]), meta);
      latencies.push((await woken) - start);
    }
    // Pub/sub takes a few ms; the poll fallback (every 250 ms) alone would be under 50 ms in 4 of 5 rounds less than 1% of the time.
    assert.ok(latencies.filter((ms) => ms < 50).length >= 4, `latencies ${latencies.join(", ")} ms`);
    await writer.close();
    await watcher.close();
  });

  test("a Redis that goes away: commands fail with a clear error, release does not throw; it works again when Redis is back", async () => {
    const lonely = await startRedisServer();
    const store = await openStore(lonely.url(), { lockStaleMs: 2000 });
    await new Promise<void>((resolve) => {
      const w = store.watch(() => (w.dispose(), resolve())); // subscribed before the outage
    });
    await store.write("a", Buffer.from([1]), meta);
    const lock = await store.lock("b", me);
    await lonely.stop();
    const started = Date.now();
    await assert.rejects(store.has("a"), (e: Error) => {
      assert.ok(e instanceof StoreAccessError);
      assert.match(e.message, /^Redis store redis:\/\/127\.0\.0\.1:\d+\/0 cannot check a result: connection lost \(.*ECONNREFUSED.*\) and not back within 5\.5 s/);
      return true;
    });
    assert.ok(Date.now() - started < 8000);
    await lock?.release();
    // A reader that outlives the outage (the editor's status view) works again once Redis is back.
    const back = await startRedisServer([], lonely.port);
    await store.write("c", Buffer.from([1]), meta);
    assert.equal(await store.has("c"), true);
    const other = await openStore(lonely.url());
    const woken = new Promise<void>((resolve) => {
      const w = store.watch(() => (w.dispose(), resolve()));
    });
    await other.write("d", Buffer.from([1]), meta);
    await woken;
    await other.close();
    await store.close();
    await back.stop();
  });

  test("a snapshot of 5,000 results lists each once, with its metadata", async () => {
    const store: Store = await openStore(url());
    const n = 5_000;
    await Promise.all(Array.from({ length: n }, (_, i) => store.write(`r${i}`, Buffer.from([i % 256]), { ...meta, preview: String(i) })));
    const snap = await store.snapshot();
    assert.equal(snap.results.size, n);
    assert.equal(new Set(snap.results.keys()).size, n);
    assert.equal(snap.results.get("r4321")?.preview, "4321");
    assert.equal([...snap.results.values()].filter((m) => m.name === meta.name).length, n);
    assert.throws(() => snap.results.set("x", meta), /read-only/);
    await store.close();
  });
});

/** Blocks the event loop, as a CPU-bound task does. */
function block(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}
