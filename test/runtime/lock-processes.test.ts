// Locks across real processes (test/runtime/fixtures/store-worker.js), with a short stale window.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { openStore, type LockOwner } from "jug/store";

const STALE_MS = 2000; // the shortest window proper-lockfile accepts
const fixture = path.resolve(__dirname, "../../runtime/fixtures/store-worker.js");
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "jug-locks-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(tmpRoot, `s${n++}.jugdata`);
const me: LockOwner = { worker: `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid, since: new Date().toISOString() };

function startWorker(args: string[]): { child: ChildProcess; lines: string[]; waitFor(line: string): Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [fixture, ...args], { env: { ...process.env, JUG_LOCK_STALE_MS: String(STALE_MS) }, stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiters: Array<[string, () => void]> = [];
  let buffered = "";
  child.stdout!.on("data", (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const [want, resolve] of waiters) if (line === want) resolve();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push([line, resolve]);
            void exited.then(() => reject(new Error(`worker exited before printing ${line}; printed ${JSON.stringify(lines)}`)));
          }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a holder that blocks its event loop for 3x the stale window keeps its lock", async () => {
  const dir = freshDir();
  const holder = startWorker(["hold", dir, "blocked", String(3 * STALE_MS)]);
  await holder.waitFor("locked");
  const lockedAt = Date.now();
  const blockedUntil = lockedAt + 3 * STALE_MS - 300;
  const store = await openStore(dir, { lockStaleMs: STALE_MS });
  let lastTry = lockedAt;
  while (Date.now() < blockedUntil) {
    const tried = Date.now();
    const stolen = await store.lock("blocked", me);
    assert.equal(stolen, null, `took the lock of a live holder ${tried - lockedAt} ms after it was taken`);
    lastTry = tried;
    await sleep(200);
  }
  assert.ok(lastTry - lockedAt > 2 * STALE_MS, `still refused ${lastTry - lockedAt} ms in, well past the stale window`);
  await holder.waitFor("kept");
  assert.equal(await holder.exited, 0);
  const mine = await store.lock("blocked", me);
  assert.ok(mine, "free once the holder released it");
  await mine.release();
  await store.close();
});

test("a holder killed with SIGKILL: its lock is taken over at once on the same host", async () => {
  const dir = freshDir();
  const holder = startWorker(["hold", dir, "killed", "-1"]);
  await holder.waitFor("locked");
  const store = await openStore(dir, { lockStaleMs: STALE_MS });
  assert.equal(await store.lock("killed", me), null, "held while the holder lives");
  holder.child.kill("SIGKILL");
  await holder.exited;
  const started = Date.now();
  const mine = await store.lock("killed", me);
  assert.ok(mine, "a dead local owner's lock is reclaimed");
  assert.ok(Date.now() - started < STALE_MS / 2, "without waiting for the stale window");
  assert.equal((await store.snapshot()).locks.get("killed")?.pid, process.pid);
  await mine.release();
  await store.close();
});

test("a holder killed with SIGKILL on another host: its lock is taken over after the stale window", async () => {
  const dir = freshDir();
  const holder = startWorker(["hold", dir, "remote", "-1", "some-other-host"]);
  await holder.waitFor("locked");
  holder.child.kill("SIGKILL");
  await holder.exited;
  const killedAt = Date.now();
  const store = await openStore(dir, { lockStaleMs: STALE_MS });
  assert.equal((await store.snapshot()).locks.get("remote")?.host, "some-other-host", "status shows it running until stale");
  let mine = await store.lock("remote", me);
  assert.equal(mine, null, "a remote owner cannot be checked: wait for the stale window");
  while (!mine) {
    await sleep(100);
    mine = await store.lock("remote", me);
    assert.ok(Date.now() - killedAt < STALE_MS + 3000, "reclaimed soon after the stale window");
  }
  assert.ok(Date.now() - killedAt >= STALE_MS - 1000, `reclaimed after ${Date.now() - killedAt} ms, before the stale window`);
  await mine.release();
  await store.close();
});

test("4 processes racing over 300 tasks: each task is written exactly once", async () => {
  const dir = freshDir();
  const count = 300;
  const workers = Array.from({ length: 4 }, () => startWorker(["race", dir, String(count)]));
  const codes = await Promise.all(workers.map((w) => w.exited));
  assert.deepEqual(codes, [0, 0, 0, 0]);
  const wrote = workers.map((w) => Number(/^wrote (\d+)$/.exec(w.lines.at(-1) ?? "")?.[1]));
  assert.equal(wrote.reduce((a, b) => a + b, 0), count, `per worker: ${wrote.join(", ")}`);
  const store = await openStore(dir);
  const snap = await store.snapshot();
  assert.equal(snap.results.size, count);
  assert.equal(snap.locks.size, 0, "every lock released");
  await store.close();
});
