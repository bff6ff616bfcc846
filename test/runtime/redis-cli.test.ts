// The CLI with --jugdir redis://...: workers in separate processes share one Redis (as workers on
// several machines would), a SIGKILLed worker's task is taken over, and a Redis that is not there,
// or goes away mid-run, gives a clear message and a non-zero exit.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Redis from "ioredis";
import type { StatusDocument } from "jug/protocol";
import { finished, fixtureProject, jug, logLines, REPO, spawnJug, waitFor } from "./cli-helpers";
import { startRedisServer, type RedisServer } from "./redis-server";

const TRIVIAL = path.join(REPO, "examples", "trivial", "jugfile.ts");
let server: RedisServer;
let prefixes = 0;
const jugdir = () => server.url(`cli${prefixes++}`);
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "jug-redis-cli-"));

before(async () => (server = await startRedisServer()));
after(async () => {
  await server.stop();
  fs.rmSync(cwd, { recursive: true, force: true });
});

async function statusDoc(args: readonly string[], dir = cwd, env: NodeJS.ProcessEnv = {}): Promise<StatusDocument> {
  const run = await jug(["status", ...args, "--json"], dir, env);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as StatusDocument;
}

/** The Executed count of the Total row of `jug execute`'s table. */
function executedTotal(stdout: string): number {
  const total = /Total\s*│\s*(\d+)/.exec(stdout);
  assert.ok(total, stdout);
  return Number(total[1]);
}

test("two jug execute processes on one Redis compute every task of the trivial example exactly once", async () => {
  const store = jugdir();
  const env = { JUGBENCH_N: "3000", JUG_LOCK_STALE_MS: "2000" };
  const workers = [finished(spawnJug(["execute", TRIVIAL, "--jugdir", store], cwd, env)), finished(spawnJug(["execute", TRIVIAL, "--jugdir", store], cwd, env))];
  const runs = await Promise.all(workers);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  const executed = runs.map((r) => executedTotal(r.stdout));
  assert.equal(executed[0]! + executed[1]!, 3001, `each task once in all (executed ${executed.join(" + ")})`);

  const doc = await statusDoc([TRIVIAL, "--jugdir", store], cwd, env);
  assert.equal(doc.store, store, "status --json names the store");
  assert.deepEqual(doc.counts, { waiting: 0, ready: 0, running: 0, complete: 3001, failed: 0 });
  const sum = doc.tasks.find((t) => t.name === "jugfile.addAll");
  assert.equal(sum?.preview, String(2999 * 3000), "the reduce saw every result");
  const byWorker = new Set(doc.tasks.map((t) => t.worker));
  assert.equal(byWorker.size, 2, `both processes computed tasks (${[...byWorker].join(", ")})`);
});

test("execute -j 2 and status on a Redis store; a second execute has nothing left to do", async () => {
  const store = jugdir();
  const env = { JUGBENCH_N: "300" };
  const run = await jug(["execute", TRIVIAL, "--jugdir", store, "-j", "2"], cwd, env);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(executedTotal(run.stdout), 301);
  const again = await jug(["execute", TRIVIAL, "--jugdir", store], cwd, env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(executedTotal(again.stdout), 0);
  const status = await jug(["status", TRIVIAL, "--jugdir", store, "--short"], cwd, env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /All tasks complete \(301 tasks\)/);
});

test("a worker SIGKILLed mid-task: another worker on the same host takes its task over at once", async () => {
  const project = fixtureProject("killed");
  const store = jugdir();
  const env = { JUG_LOCK_STALE_MS: "60000" }; // only the dead-owner check can free the lock quickly
  const victim = spawnJug(["execute", "--jugdir", store], project, env);
  const victimDone = finished(victim);
  await waitFor("the task to start", () => fs.readdirSync(path.join(project, "log")).some((f) => f.startsWith("started-")));
  const running = await statusDoc(["--jugdir", store], project);
  assert.equal(running.tasks[0]!.state, "running");
  assert.equal(running.tasks[0]!.worker?.endsWith(`:${victim.pid}`), true);
  victim.kill("SIGKILL");
  await victimDone;

  const started = Date.now();
  const rescue = await jug(["execute", "--jugdir", store], project, env);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(rescue.code, 0, rescue.stderr);
  assert.ok(seconds < 15, `took ${seconds} s; the stale window is 60 s`);
  const doc = await statusDoc(["--jugdir", store], project);
  assert.deepEqual(doc.counts, { waiting: 0, ready: 0, running: 0, complete: 2, failed: 0 });
  assert.equal(doc.tasks[1]!.preview, "20");
});

test("a task that blocks its worker's event loop for 3x the stale window still runs once", async () => {
  const project = fixtureProject("blocking");
  const store = jugdir();
  const env = { JUG_LOCK_STALE_MS: "2000", JUGTEST_BLOCK_MS: "6000" };
  const a = finished(spawnJug(["execute", "--jugdir", store], project, env));
  const redis = new Redis(server.port, { lazyConnect: true });
  await redis.connect();
  const prefix = new URL(store).searchParams.get("prefix")!;
  while ((await redis.scard(`${prefix}:v1:locks`)) === 0) await new Promise((r) => setTimeout(r, 20));
  redis.disconnect();
  // A second worker arrives while the first is blocked, and keeps trying past the stale window.
  const b = finished(spawnJug(["execute", "--jugdir", store], project, env));
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  assert.deepEqual(
    logLines(project).map((l) => l.line),
    ["blocker"],
  );
});

test("no Redis at the URL: execute and status say so, without the password, and exit 2", async () => {
  const gone = await startRedisServer();
  const port = gone.port;
  await gone.stop();
  for (const command of ["execute", "status"]) {
    const run = await jug([command, TRIVIAL, "--jugdir", `redis://jug:hunter2@127.0.0.1:${port}/1`], cwd, { JUGBENCH_N: "10" });
    assert.equal(run.code, 2, `${command}: ${run.stderr}`);
    assert.equal(
      run.stderr,
      `jug: Redis store redis://jug@127.0.0.1:${port}/1 is not reachable (connect ECONNREFUSED 127.0.0.1:${port}): is redis-server running there?\n`,
    );
  }
});

test("Redis goes away mid-run: the worker stops with a clear message and exit 2", async () => {
  const lonely = await startRedisServer();
  const worker = spawnJug(["execute", TRIVIAL, "--jugdir", lonely.url()], cwd, { JUGBENCH_N: "200000", JUG_LOCK_STALE_MS: "2000" });
  const done = finished(worker);
  const watcher = new Redis(lonely.port, { lazyConnect: true });
  await watcher.connect();
  for (let stored = 0; stored < 100; stored = await watcher.hlen("jug:v1:meta")) await new Promise((r) => setTimeout(r, 50));
  watcher.disconnect();
  await lonely.stop();
  const run = await done;
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /^jug: Redis store redis:\/\/127\.0\.0\.1:\d+\/0 cannot [a-z ]+: connection lost \(.*ECONNREFUSED.*\) and not back within 5\.5 s; the task in progress was not stored, and the locks of this process expire within 2 s\n$/,
  );
});
