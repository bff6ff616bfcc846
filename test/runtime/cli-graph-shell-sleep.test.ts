// jug graph (--json, --dot, text), jug shell (driven through stdin) and jug sleep-until, through the real CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { finished, fixtureProject, jug, JUG_BIN, spawnJug } from "./cli-helpers";

interface Graph {
  version: number;
  barrier: string | null;
  nodes: Array<{ name: string; total: number; counts: Record<string, number> }>;
  edges: Array<{ from: string; to: string; count: number }>;
}

test("graph: nodes per task name with state counts, name -> name edges; --dot and text views", async () => {
  const project = fixtureProject("basic");
  await jug(["execute"], project);
  const run = await jug(["graph", "--json"], project);
  assert.equal(run.code, 0, run.stderr);
  const graph = JSON.parse(run.stdout) as Graph;
  assert.equal(graph.version, 1);
  assert.deepEqual(
    graph.nodes.map((n) => [n.name, n.total, n.counts.complete]),
    [
      ["jugfile.double", 4, 4],
      ["jugfile.total", 1, 1],
    ],
  );
  assert.deepEqual(graph.edges, [
    { from: "jugfile.double", to: "jugfile.total", count: 3 },
    { from: "jugfile.total", to: "jugfile.double", count: 1 },
  ]);
  const dot = await jug(["graph", "--dot"], project);
  assert.match(dot.stdout, /^digraph jug \{/);
  assert.match(dot.stdout, /"jugfile\.double" \[label="jugfile\.double\\nC:4"\];/);
  assert.match(dot.stdout, /"jugfile\.double" -> "jugfile\.total" \[label="3"\];/);
  const text = await jug(["graph"], project);
  assert.match(text.stdout, /jugfile\.total: 1 task \(1 complete\)\n {2}needs: jugfile\.double/);
});

test("graph of a jugfile stopped at a barrier says so", async () => {
  const project = fixtureProject("barrier");
  const graph = JSON.parse((await jug(["graph", "--json"], project)).stdout) as Graph;
  assert.match(graph.barrier ?? "", /^jugfile\.ts:\d+:\d+$/);
  assert.deepEqual(graph.nodes.map((n) => n.name), ["jugfile.count"]);
});

/** Runs `jug shell` and sends each line after the previous one's prompt (an await must finish before the next line). */
async function shell(project: string, lines: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [JUG_BIN, "shell"], { cwd: project, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let sent = 0;
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    const prompts = out.split("jug> ").length - 1;
    if (prompts > sent) {
      if (sent < lines.length) child.stdin.write(`${lines[sent]}\n`);
      else child.stdin.end();
      sent++;
    }
  });
  const run = await finished(child);
  return { code: run.code, out };
}

test("shell: the jugfile's exports, value(), loadAll() and invalidate() (downstream too) in a REPL", async () => {
  const project = fixtureProject("basic");
  await jug(["execute"], project);
  const { code, out } = await shell(project, [
    "await value(final)",
    "tasks.length",
    "(await loadAll()).size",
    "await invalidate(tasks[0])",
    "(await loadAll()).size",
  ]);
  assert.equal(code, 0, out);
  assert.match(out, /in scope: tasks, value\(x\), loadAll\(\), invalidate\(task\), final/);
  const answers = out.split("jug> ").slice(1, 6).map((s) => s.trim());
  // final = double(total of [2, 4, 6]) = 24; 5 tasks; invalidating double(1) removes it, total and final.
  assert.deepEqual(answers, ["24", "5", "5", "3", "2"]);
  const status = await jug(["status", "--short"], project);
  assert.match(status.stdout, /2 complete \(5 tasks\)/);
});

test("sleep-until returns once another process completed every task, past a barrier", async () => {
  const project = fixtureProject("barrier");
  const sleeper = finished(spawnJug(["sleep-until"], project));
  await new Promise((r) => setTimeout(r, 300));
  const run = await jug(["execute"], project);
  assert.equal(run.code, 0, run.stderr);
  const slept = await sleeper;
  assert.equal(slept.code, 0, slept.stderr);
  assert.match(slept.stdout, /All tasks complete \(4 tasks\)/);
  assert.match(slept.stderr, /tasks before the barrier at jugfile\.ts:\d+:\d+ are complete/);
});

test("sleep-until exits 1 naming a task that failed", async () => {
  const project = fixtureProject("task-throws");
  const run = await jug(["execute", "--keep-going"], project);
  assert.equal(run.code, 1);
  const slept = await jug(["sleep-until"], project);
  assert.equal(slept.code, 1);
  assert.match(slept.stderr, /task jugfile\.parse \(hash [0-9a-f]{12}\) failed: not a number: three/);
});
