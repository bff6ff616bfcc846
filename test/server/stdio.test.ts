/**
 * The compiled server as its own process over stdio, with the real runtime: start two workers
 * on a fixture jugfile and watch the lens titles turn to done; stopping leaves no process behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fixture } from "./fixtures";
import { stdioServer } from "./lspHarness";

const RUNTIME_CLI = require.resolve("jug/package.json").replace(/package\.json$/, "bin/jug.js");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("stdio server: two workers run the jugfile; lenses and status turn to done; no worker survives shutdown", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-stdio-"));
  const jugfile = path.join(dir, "jugfile.ts");
  fs.copyFileSync(fixture("workers", "jugfile.ts"), jugfile);
  const client = stdioServer({ JUG_LOCK_STALE_MS: "3000" });
  const pids = new Set<number>();
  try {
    await client.initialize(dir, { trusted: true, runtimeCli: RUNTIME_CLI, cliTimeoutMs: 60_000 });
    const uri = await client.open(jugfile);
    const before = await client.waitFor("runtime status lenses", async () => {
      const lenses = await client.lenses(uri);
      return lenses.some((l) => l.title.startsWith("6 tasks")) ? lenses : undefined;
    }, 60_000);
    assert.deepEqual(
      before.map((l) => `${l.line + 1}: ${l.title}`),
      ["13: ▶ Run", "13: 6 tasks: 6 ready", "14: ▶ Run", "14: waiting"],
    );

    const refreshesBefore = client.refreshes;
    const started = (await client.connection.sendRequest("jug/startWorkers", { uri, count: 2 })) as { running: number };
    assert.equal(started.running, 2);
    const status = await client.waitFor("workers reported", () =>
      client.notifications.find((n) => n.method === "jug/statusChanged" && (n.params as { workers: number }).workers === 2),
    );
    for (const pid of (status.params as { workerPids: number[] }).workerPids) pids.add(pid);
    assert.equal(pids.size, 2);

    // Ask for lenses only when the server asks for a refresh, as an editor does: if a title
    // change were not announced, this would time out.
    let refreshesSeen = refreshesBefore;
    const done = await client.waitFor("lenses turn to done, announced by refresh requests", async () => {
      if (client.refreshes === refreshesSeen) return undefined;
      refreshesSeen = client.refreshes;
      const lenses = await client.lenses(uri);
      return lenses.some((l) => l.title === "6 tasks: 6 done") && lenses.some((l) => l.title.startsWith("✓ done")) ? lenses : undefined;
    }, 90_000);
    assert.deepEqual(
      done.map((l) => `${l.line + 1}: ${l.title.replace(/✓ done .*/, "✓ done")}`),
      ["13: ▶ Run", "13: 6 tasks: 6 done", "14: ▶ Run again", "14: ✓ done", "14: View result"],
    );
    assert.ok(client.progressCreated >= 1, "work-done progress was created for the running workers");
    const logs = client.notifications.filter((n) => n.method === "jug/log").map((n) => (n.params as { text: string }).text);
    assert.ok(logs.some((l) => l.startsWith("starting worker 1")), logs.join("\n"));

    // The result of the total, through the result viewer request.
    const viewArgs = done[4]!.arguments[0] as { hash: string };
    const page = (await client.connection.sendRequest("jug/result", { uri, hash: viewArgs.hash })) as { text: string; name: string };
    assert.equal(page.text, "91");
    assert.equal(page.name, "jugfile.total");

    // Invalidate the total, then run just it again from its lens.
    await client.waitFor("workers finished", () =>
      client.notifications.some((n) => n.method === "jug/statusChanged" && (n.params as { workers: number }).workers === 0),
    );
    const invalidated = (await client.connection.sendRequest("jug/invalidate", { uri, hash: viewArgs.hash })) as { removed: number };
    assert.equal(invalidated.removed, 1);
    const afterInvalidate = await client.lenses(uri);
    assert.equal(afterInvalidate.find((l) => l.line === 13 && l.command === "jug.showStatus")?.title, "ready");
    const runArgs = afterInvalidate.find((l) => l.line === 13 && l.command === "jug.runTask")!.arguments[0] as { hash: string };
    const run = (await client.connection.sendRequest("jug/run", { uri, hash: runArgs.hash })) as { started: boolean; message: string };
    assert.deepEqual(run, { started: true, message: `running jugfile.total (${runArgs.hash.slice(0, 8)}) and what it needs` });
    await client.waitFor("the total is done again", async () =>
      (await client.lenses(uri)).some((l) => l.line === 13 && l.title.startsWith("✓ done")),
    60_000);
  } finally {
    await client.shutdown();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} survived the server`);
});

test("workers die with the server even when it is killed with SIGKILL (no orphans)", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-orphan-"));
  const jugfile = path.join(dir, "jugfile.ts");
  fs.copyFileSync(fixture("workers", "long", "jugfile.ts"), jugfile);
  const client = stdioServer({ JUG_LOCK_STALE_MS: "3000" });
  await client.initialize(dir, { trusted: true, runtimeCli: RUNTIME_CLI });
  const uri = await client.open(jugfile);
  await client.connection.sendRequest("jug/startWorkers", { uri, count: 2 });
  const status = await client.waitFor("two workers", () =>
    client.notifications.find((n) => n.method === "jug/statusChanged" && (n.params as { workers: number }).workers === 2),
  );
  const pids = (status.params as { workerPids: number[] }).workerPids;
  // Let the workers load the jugfile and start napping.
  await client.waitFor("a task running", async () => (await client.lenses(uri)).some((l) => / running/.test(l.title)), 60_000);
  client.child!.kill("SIGKILL");
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.deepEqual(pids.filter(alive), [], "workers outlived a SIGKILLed server");
  client.connection.dispose();
});

test("untrusted over stdio: stored results are shown read-only by function name; the server starts no process", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-untrusted-"));
  const jugfile = path.join(dir, "jugfile.ts");
  fs.copyFileSync(fixture("workers", "jugfile.ts"), jugfile);
  const run = spawnSync(process.execPath, [RUNTIME_CLI, "execute", jugfile], { cwd: dir, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const client = stdioServer();
  try {
    await client.initialize(dir, { trusted: false, runtimeCli: RUNTIME_CLI });
    const uri = await client.open(jugfile);
    const lenses = await client.waitFor("read-only lenses", async () => {
      const l = await client.lenses(uri);
      return l.some((x) => x.title.includes("stored")) ? l : undefined;
    });
    assert.deepEqual(lenses.map((l) => `${l.line + 1}: ${l.title}`), [
      "13: 6 tasks: 6 done stored (restricted mode)",
      "14: 1 task: 1 done stored (restricted mode)",
      "14: View result", // reading a stored value runs no user code
    ]);
    const hover = await client.hover(uri, 13, 14);
    assert.match(hover ?? "", /```text\n91\n```/);
    const children = spawnSync("ps", ["-o", "pid=", "--ppid", String(client.child!.pid)], { encoding: "utf8" }).stdout.trim();
    assert.equal(children, "", "an untrusted server must not spawn anything");
  } finally {
    await client.shutdown();
  }
});
