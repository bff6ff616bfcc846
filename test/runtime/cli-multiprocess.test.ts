// Multi-process proofs through the real CLI: many workers run each task exactly once; a task that
// blocks the event loop past the stale window runs once; a SIGKILLed worker's task is finished by
// another at once; a waiting worker wakes within ~100 ms; SIGTERM stops cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { StatusDocument } from "jug/protocol";
import { finished, fixtureProject, jug, logLines, spawnJug, waitFor } from "./cli-helpers";

const SHORT_STALE = { JUG_LOCK_STALE_MS: "1000" };

async function statusDoc(project: string): Promise<StatusDocument> {
  const run = await jug(["status", "--json"], project);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as StatusDocument;
}

function assertExactlyOnce(lines: readonly string[], expected: readonly string[]): void {
  const seen = new Map<string, number>();
  for (const l of lines) seen.set(l, (seen.get(l) ?? 0) + 1);
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([l]) => l);
  const missing = expected.filter((e) => !seen.has(e));
  assert.deepEqual(duplicates, [], "tasks that ran more than once");
  assert.deepEqual(missing, [], "tasks that never ran");
  assert.equal(seen.size, expected.length);
}

test("8 workers (execute -j 8) on 2,000 tasks: every task runs exactly once", async () => {
  const project = fixtureProject("exactly-once");
  const run = await jug(["execute", "-j", "8"], project, { ...SHORT_STALE, JUGTEST_N: "2000" });
  assert.equal(run.code, 0, run.stderr);
  const lines = logLines(project);
  assertExactlyOnce(
    lines.map((l) => l.line),
    [...Array.from({ length: 2000 }, (_, i) => String(i)), "count"],
  );
  const workers = new Set(lines.map((l) => l.pid));
  assert.ok(workers.size >= 2, `work was shared (${workers.size} processes ran tasks)`);
  assert.match(run.stdout, /Total\s*│\s*2001\s*│\s*0\s*│\s*0/);
  const doc = await statusDoc(project);
  assert.equal(doc.counts.complete, 2001);
});

test("workers started separately, at different times, cooperate through the store", async () => {
  const project = fixtureProject("exactly-once");
  const env = { ...SHORT_STALE, JUGTEST_N: "600" };
  const first = finished(spawnJug(["execute"], project, env));
  await waitFor("the first worker to start", () => logLines(project).length > 20);
  const others = [finished(spawnJug(["execute"], project, env)), finished(spawnJug(["execute", "-j", "2"], project, env))];
  const runs = await Promise.all([first, ...others]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  assertExactlyOnce(
    logLines(project).map((l) => l.line),
    [...Array.from({ length: 600 }, (_, i) => String(i)), "count"],
  );
});

test("a task that blocks the event loop longer than the stale window still runs once", async () => {
  const project = fixtureProject("blocking");
  const env = { JUG_LOCK_STALE_MS: "1000", JUGTEST_BLOCK_MS: "3000" };
  const a = finished(spawnJug(["execute"], project, env));
  await waitFor("the lock", () => fs.existsSync(path.join(project, "jugfile.jugdata")) && hasLock(project));
  // A second worker arrives while the first is blocked, and keeps trying past the stale window.
  const b = finished(spawnJug(["execute"], project, env));
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  assert.deepEqual(
    logLines(project).map((l) => l.line),
    ["blocker"],
  );
});

test("a worker SIGKILLed mid-task: another worker on the same host finishes the task at once", async () => {
  const project = fixtureProject("killed");
  // A long stale window: only the dead-owner detection can free the lock quickly.
  const env = { JUG_LOCK_STALE_MS: "60000" };
  const victim = spawnJug(["execute"], project, env);
  const victimDone = finished(victim);
  await waitFor("the task to start", () => fs.readdirSync(path.join(project, "log")).some((f) => f.startsWith("started-")));
  const running = await statusDoc(project);
  assert.equal(running.tasks[0]!.state, "running");
  assert.equal(running.tasks[0]!.worker?.endsWith(`:${victim.pid}`), true);
  victim.kill("SIGKILL");
  await victimDone;

  const started = Date.now();
  const rescue = await jug(["execute"], project, env);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(rescue.code, 0, rescue.stderr);
  assert.ok(seconds < 15, `took ${seconds} s; the stale window is 60 s`);
  const doc = await statusDoc(project);
  assert.deepEqual(doc.counts, { waiting: 0, ready: 0, running: 0, complete: 2, failed: 0 });
  assert.equal(doc.tasks[1]!.preview, "20");
});

/** One run of the wake-up fixture: ms from "first" returning in worker A to worker B starting its next task. */
async function wakeUpLatency(): Promise<number> {
  const project = fixtureProject("wakeup");
  const log = path.join(project, "log");
  const a = finished(spawnJug(["execute"], project));
  await waitFor("worker A to start first", () => fs.existsSync(path.join(log, "first-started")));
  const b = finished(spawnJug(["execute"], project));
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const end = Number(fs.readFileSync(path.join(log, "first-end"), "utf8"));
  const workerB = fs.readFileSync(path.join(log, "b-ready"), "utf8");
  assert.notEqual(workerB, fs.readFileSync(path.join(log, "first-started"), "utf8"), "probe ran in the second worker");
  const startsInB = fs
    .readFileSync(path.join(log, "starts"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split(" "))
    .filter(([, , pid]) => pid === workerB)
    .map(([, start]) => Number(start));
  assert.equal(startsInB.length, 1, "the waiting worker ran one of the two tasks that needed first");
  return startsInB[0]! - end;
}

test("a worker waiting for another worker's task starts within ~100 ms of it finishing", async () => {
  // The latency includes A storing the result. On a loaded machine one run can be delayed by the
  // scheduler, so up to three runs are made and the best must be under 100 ms (a 12 s sleep, or
  // any fixed poll of 100 ms or more, fails every run).
  const latencies: number[] = [];
  while (latencies.length < 3 && !latencies.some((ms) => ms < 100)) latencies.push(await wakeUpLatency());
  assert.ok(Math.min(...latencies) < 100, `wake-up latencies ${latencies.join(", ")} ms`);
});

test("SIGTERM stops a worker cleanly: exit non-zero, lock released, finished results kept", async () => {
  const project = fixtureProject("exactly-once");
  const env = { ...SHORT_STALE, JUGTEST_N: "20000" };
  const worker = spawnJug(["execute"], project, env);
  const done = finished(worker);
  await waitFor("some tasks to finish", () => logLines(project).length > 200);
  worker.kill("SIGTERM");
  const run = await done;
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /SIGTERM: stopping/);
  const ran = logLines(project).length;
  assert.equal(hasLock(project), false, "no lock left behind");
  const complete = (await jug(["status", "--short"], project, env)).stdout;
  const completed = Number(/(\d+) complete/.exec(complete)?.[1]);
  assert.equal(completed, ran, "every task that ran has its result stored");
});

test("Ctrl-C on execute -j 2 (SIGINT to the process group): every worker stops cleanly, nothing finished is lost", async () => {
  const project = fixtureProject("exactly-once");
  const env = { ...SHORT_STALE, JUGTEST_N: "20000" };
  const parent = spawnJug(["execute", "-j", "2"], project, env, true);
  const done = finished(parent);
  await waitFor("both workers to run tasks", () => new Set(logLines(project).map((l) => l.pid)).size === 2 && logLines(project).length > 200);
  process.kill(-parent.pid!, "SIGINT");
  const run = await done;
  assert.equal(run.code, 130, run.stderr);
  assert.doesNotMatch(run.stderr, /internal error/);
  assert.equal(hasLock(project), false, "no lock left behind");
  const ran = logLines(project).length;
  const status = (await jug(["status", "--short"], project, env)).stdout;
  assert.equal(Number(/(\d+) complete/.exec(status)?.[1]), ran, "every task that ran has its result stored");
});

function hasLock(project: string): boolean {
  const locks = path.join(project, "jugfile.jugdata", "locks");
  return fs.existsSync(locks) && fs.readdirSync(locks).some((f) => f.endsWith(".lock"));
}

test("execute -j 2 hands its workers the store by environment (JUG_JUGDIR): no command line shows it, which matters for a Redis URL with a password", async () => {
  const project = fixtureProject("blocking");
  const store = path.join(project, "store-with-secret-name");
  const run = spawnJug(["execute", "-j", "2", "--jugdir", store], project, { JUGTEST_BLOCK_MS: "1500" });
  const done = finished(run);
  // The worker processes: ours whose command line has the jugfile and --child.
  const children = await waitFor("two worker processes", () => {
    const found = fs.readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).flatMap((pid) => {
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        return args.includes("--child") && args.some((a) => a.startsWith(project)) ? [{ pid, args }] : [];
      } catch {
        return []; // ended meanwhile
      }
    });
    return found.length === 2 ? found : undefined;
  });
  for (const { pid, args } of children) {
    assert.ok(!args.some((a) => a.includes("secret")), `worker ${pid}'s command line shows the store: ${args.join(" ")}`);
    const env = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    assert.ok(env.includes(`JUG_JUGDIR=${store}`), `worker ${pid} gets the store from its environment`);
  }
  assert.equal((await done).code, 0);
  // The CLI reads JUG_JUGDIR as --jugdir: status finds the results there.
  const status = await jug(["status", "--short"], project, { JUG_JUGDIR: store });
  assert.match(status.stdout, /All tasks complete \(2 tasks\)/);
});
