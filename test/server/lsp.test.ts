/**
 * The server over a real LSP connection (in this process, stream pair), with a stand-in runtime
 * CLI (fixtures/fake-runtime) so lens joins, trust, load errors and hangs are checked precisely.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixture } from "./fixtures";
import { inProcessServer, type TestClient } from "./lspHarness";

const FAKE_CLI = fixture("fake-runtime", "bin", "jug.js");
const REAL_CLI = require.resolve("jug/package.json").replace(/package\.json$/, "bin/jug.js");

function workspace(): { dir: string; jugfile: string; marker: string; statusFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-lsp-"));
  const jugfile = path.join(dir, "jugfile.ts");
  fs.copyFileSync(fixture("lsp", "jugfile.ts"), jugfile);
  fs.copyFileSync(fixture("lsp", "notajugfile.ts"), path.join(dir, "notajugfile.ts"));
  return { dir, jugfile, marker: path.join(dir, "cli-calls.txt"), statusFile: path.join(dir, "status.json") };
}

function task(hash: string, name: string, line: number, column: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hash, name, state: "waiting", deps: [], site: { file: "", line, column }, duration: null, size: null, stale: false,
    worker: null, preview: null, time: null, error: null, ...extra,
  };
}

/** Markdown as a reader sees it, roughly: backslash escapes removed. */
function rendered(markdown: string): string {
  return markdown.replace(/\\(.)/g, "$1");
}

function writeStatus(statusFile: string, tasks: Record<string, unknown>[]): void {
  const counts = { waiting: 0, ready: 0, running: 0, complete: 0, failed: 0 } as Record<string, number>;
  for (const t of tasks) counts[t["state"] as string]!++;
  fs.writeFileSync(statusFile, JSON.stringify({ version: 1, jugfile: "jugfile.ts", store: "/nonexistent/store", counts, tasks }));
}

async function withClient(init: Record<string, unknown>, dir: string, body: (client: TestClient) => Promise<void>, refreshSupport = true): Promise<void> {
  const client = inProcessServer({ fastPollMs: 100, slowPollMs: 200, refreshIntervalMs: 50 });
  try {
    await client.initialize(dir, init, refreshSupport);
    await body(client);
  } finally {
    await client.shutdown();
  }
}

test("untrusted: static lenses only, nothing is ever spawned, run requests are refused with a reason", async () => {
  const ws = workspace();
  await withClient({ trusted: false, runtimeCli: FAKE_CLI, env: { FAKE_JUG_MARKER: ws.marker } }, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    const lenses = await client.lenses(uri);
    assert.deepEqual(
      lenses.map((l) => `${l.line + 1}: ${l.title}`),
      [
        "8: restricted mode: not run",
        "9: restricted mode: not run",
        "10: restricted mode: not run",
      ],
    );
    assert.ok(lenses.every((l) => l.command === "jug.showStatus"));
    await assert.rejects(client.connection.sendRequest("jug/run", { uri }), /not trusted/);
    await assert.rejects(client.connection.sendRequest("jug/startWorkers", { uri, count: 2 }), /not trusted/);
    const diagnostics = await client.waitFor("diagnostics", () => client.diagnostics(uri));
    assert.deepEqual(diagnostics.map((d) => `${d.range.start.line + 1}:${d.code}`), ["11:anonymous-task-function"]);
    const graph = (await client.connection.sendRequest("jug/graph", { uri })) as { jugfiles: { trusted: boolean; status: unknown; sites: unknown[] }[] };
    assert.equal(graph.jugfiles[0]!.trusted, false);
    assert.equal(graph.jugfiles[0]!.status, null);
    assert.equal(graph.jugfiles[0]!.sites.length, 3);
  });
  assert.equal(fs.existsSync(ws.marker), false, "the runtime CLI must never run in an untrusted workspace");
});

test("trusted: lenses join runtime tasks by line and order; loop calls aggregate; failures become diagnostics", async () => {
  const ws = workspace();
  writeStatus(ws.statusFile, [
    task("aaaa1111", "jugfile.double", 8, 20, { state: "complete", duration: 1.23, size: 8, worker: "host:1", preview: "2" }),
    task("bbbb2222", "jugfile.double", 9, 40, { state: "complete", duration: 0.5, preview: "2" }),
    task("cccc3333", "jugfile.double", 9, 40, { state: "running", worker: "host:2" }),
    task("dddd4444", "jugfile.double", 9, 40, { state: "failed", error: "RangeError: too big\n  at double" }),
    task("eeee5555", "jugfile.describe", 10, 17, {
      state: "complete", duration: 0.01, preview: "[click me](command:jug.evil) <img src=x> ```\nbreak out", worker: "host:1",
    }),
  ]);
  // The stand-in runtime takes 300 ms, so the first lenses come before the status.
  const env = { FAKE_JUG_STATUS: ws.statusFile, FAKE_JUG_MARKER: ws.marker, FAKE_JUG_SLOW_MS: "300" };
  await withClient({ trusted: true, runtimeCli: FAKE_CLI, env }, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    const first = await client.lenses(uri);
    assert.ok(first.some((l) => l.title === "status: loading…"));
    await client.waitFor("a codeLens refresh request", () => client.refreshes >= 1);
    const lenses = await client.lenses(uri);
    assert.deepEqual(
      lenses.map((l) => `${l.line + 1}: ${l.title}`),
      [
        "8: ▶ Run again",
        "8: ✓ done 1.2 s",
        "8: View result",
        "9: ▶ Run",
        "9: 3 tasks: 1 done, 1 running, 1 failed",
        "10: ▶ Run again",
        "10: ✓ done 10 ms",
        "10: View result",
      ],
    );
    assert.deepEqual(lenses[0]!.arguments, [{ uri, hash: "aaaa1111", target: "double" }]);
    assert.deepEqual(lenses[2]!.arguments, [{ uri, hash: "aaaa1111", name: "jugfile.double" }]);

    const diagnostics = await client.waitFor("failure diagnostic", () => client.diagnostics(uri)?.find((d) => d.code === "task-failed"));
    assert.equal(diagnostics.range.start.line + 1, 9);
    assert.match(diagnostics.message, /1 of 3 tasks of jugfile\.double failed; first: RangeError: too big/);

    // Hover on a single task: state, duration, worker, short hash; the preview is fenced, never markup.
    const hover = await client.hover(uri, 9, 16);
    assert.ok(hover);
    assert.match(rendered(hover), /✓ done · in 10 ms · worker host:1 · hash eeee5555/);
    const fence = /(`{4,})text\n([\s\S]*?)\n\1/.exec(hover);
    assert.ok(fence, "the preview sits in a code block whose fence outlasts the backticks inside");
    assert.match(fence[2]!, /\[click me\]\(command:jug\.evil\)/);
    assert.equal(hover.replace(fence[0], "").includes("command:"), false);
    // Hover on the loop call: counts and a sample.
    const loopHover = await client.hover(uri, 8, 35);
    assert.match(rendered(loopHover ?? ""), /3 tasks: 1 done, 1 running, 1 failed/);
    assert.match(loopHover ?? "", /dddd4444 {2}✗ failed {2}RangeError: too big/);
    // Hover on the generator declaration: every task of that function.
    assert.match(rendered((await client.hover(uri, 4, 7)) ?? ""), /generator doubleT \(function double\)[\s\S]*4 tasks/);

    // Unsaved edit above the calls: lenses follow their lines and say the buffer differs from disk.
    const text = fs.readFileSync(ws.jugfile, "utf8").replace("const one", "// a new comment\nconst one");
    await client.change(uri, 2, text);
    const dirty = await client.lenses(uri);
    assert.deepEqual(dirty.filter((l) => l.title.startsWith("✓")).map((l) => `${l.line + 1}: ${l.title}`), [
      "9: ✓ done 1.2 s (unsaved changes)",
      "11: ✓ done 10 ms (unsaved changes)",
    ]);
    // A syntax error while typing: the lenses stay.
    await client.change(uri, 3, text.replace("const text = describeT(one);", "const text = describeT(one;\nfor ("));
    const during = await client.lenses(uri);
    assert.equal(during.length, dirty.length);
  });
});

test("unsaved edits: every call site that had tasks keeps them on its new line, even when edited; only a new call site has none", async () => {
  const ws = workspace();
  writeStatus(ws.statusFile, [
    task("aaaa1111", "jugfile.double", 8, 20, { state: "complete", duration: 1 }),
    task("bbbb2222", "jugfile.double", 9, 40, { state: "complete", duration: 1 }),
    task("eeee5555", "jugfile.describe", 10, 17, { state: "complete", duration: 1 }),
  ]);
  await withClient({ trusted: true, runtimeCli: FAKE_CLI, env: { FAKE_JUG_STATUS: ws.statusFile } }, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    await client.waitFor("runtime lenses", async () => (await client.lenses(uri)).some((l) => l.title.startsWith("✓")));
    const statusLenses = async (): Promise<string[]> =>
      (await client.lenses(uri)).filter((l) => l.command === "jug.showStatus").map((l) => `${l.line + 1}: ${l.title}`);
    // Lines inserted above a call site that is itself edited, and a new call site above another edited one.
    const original = fs.readFileSync(ws.jugfile, "utf8");
    await client.change(uri, 2, original
      .replace("const one = doubleT(1);", "\n// inputs\nconst one = doubleT(7);")
      .replace("const text = describeT(one);", "const two = doubleT(2);\nconst text = describeT(one, 2);"));
    assert.deepEqual(await statusLenses(), [
      "10: ✓ done 1.0 s (unsaved changes)",
      "11: 1 task: 1 done (unsaved changes)",
      "12: no tasks created here (unsaved changes)",
      "13: ✓ done 1.0 s (unsaved changes)",
    ]);
  });
});

test("a jugfile that fails to load: the runtime's message at its line; lenses say so", async () => {
  const ws = workspace();
  const init = { trusted: true, runtimeCli: FAKE_CLI, env: { FAKE_JUG_MODE: "fail" } };
  await withClient(init, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    const failed = await client.waitFor("load failure", () => client.diagnostics(uri)?.find((d) => d.code === "load-failed"));
    assert.equal(failed.range.start.line, 4);
    assert.match(failed.message, /Loading the jugfile failed:\nError: cannot load jugfile/);
    const lenses = await client.lenses(uri);
    assert.ok(lenses.some((l) => l.title === "✗ jugfile failed to load (see problems)"));
  });
});

test("real runtime: a save that breaks the jugfile turns every lens to the load failure; saving it fixed recovers", { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-lsp-load-"));
  const jugfile = path.join(dir, "jugfile.ts");
  const good = [
    'import { TaskGenerator } from "jug";',
    "const double = TaskGenerator(function double(x: number): number { return 2 * x; });",
    'const inputs = JSON.parse("[1, 2]") as number[];',
    "export const doubled = inputs.map((x) => double(x));",
    "export const four = double(4);",
    "",
  ].join("\n");
  const broken = good.replace('"[1, 2]"', '"[1, 2,"');
  fs.writeFileSync(jugfile, good);
  await withClient({ trusted: true, runtimeCli: REAL_CLI }, dir, async (client) => {
    const uri = await client.open(jugfile);
    const statusTitles = async (): Promise<string[]> =>
      (await client.lenses(uri)).filter((l) => l.command === "jug.showStatus").map((l) => `${l.line + 1}: ${l.title}`);
    const ready = ["4: 2 tasks: 2 ready", "5: ready"];
    await client.waitFor("runtime lenses", async () => JSON.stringify(await statusTitles()) === JSON.stringify(ready), 30_000);

    const save = async (version: number, text: string): Promise<void> => {
      fs.writeFileSync(jugfile, text);
      await client.change(uri, version, text);
      await client.connection.sendNotification("textDocument/didSave", { textDocument: { uri } });
    };
    await save(2, broken);
    const failed = await client.waitFor("load failure", () => client.diagnostics(uri)?.find((d) => d.code === "load-failed"), 30_000);
    assert.equal(failed.range.start.line, 2);
    assert.deepEqual(await statusTitles(), ["4: ✗ jugfile failed to load (see problems)", "5: ✗ jugfile failed to load (see problems)"]);

    await save(3, good);
    await client.waitFor("lenses recover", async () => JSON.stringify(await statusTitles()) === JSON.stringify(ready), 30_000);
    await client.waitFor("the load error leaves Problems", () => client.diagnostics(uri)?.every((d) => d.code !== "load-failed"));
  });
});

test("a runtime that hangs is killed after the timeout and reported; the server keeps answering", async () => {
  const ws = workspace();
  const init = { trusted: true, runtimeCli: FAKE_CLI, cliTimeoutMs: 800, env: { FAKE_JUG_MODE: "hang" } };
  await withClient(init, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    const failed = await client.waitFor("timeout", () => client.diagnostics(uri)?.find((d) => d.code === "load-failed"));
    assert.match(failed.message, /did not finish within 1 s/);
    assert.ok((await client.lenses(uri)).length > 0);
  });
});

test("files that are not jugfiles get nothing; a client without refresh support is never asked to refresh", async () => {
  const ws = workspace();
  writeStatus(ws.statusFile, [task("aaaa1111", "jugfile.double", 8, 20, { state: "complete", duration: 1 })]);
  const init = { trusted: true, runtimeCli: FAKE_CLI, env: { FAKE_JUG_STATUS: ws.statusFile } };
  await withClient(
    init,
    ws.dir,
    async (client) => {
      const other = await client.open(path.join(ws.dir, "notajugfile.ts"));
      assert.deepEqual(await client.lenses(other), []);
      assert.equal(await client.hover(other, 0, 14), null);
      const uri = await client.open(ws.jugfile);
      await client.waitFor("done lens", async () => (await client.lenses(uri)).some((l) => l.title.startsWith("✓")));
      assert.equal(client.refreshes, 0);
    },
    false,
  );
});

test("a store written by another layout version is reported in words, and lenses stay", async () => {
  const ws = workspace();
  const store = path.join(ws.dir, "jugfile.jugdata");
  fs.mkdirSync(store);
  fs.writeFileSync(path.join(store, "jug-store.json"), JSON.stringify({ format: "jug-store", layout: 99 }));
  await withClient({ trusted: false, runtimeCli: REAL_CLI }, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    const problem = await client.waitFor("store diagnostic", () => client.diagnostics(uri)?.find((d) => d.code === "store"));
    assert.match(problem.message, /cannot read the store .*jugfile\.jugdata: .*layout 99/);
    assert.equal((await client.lenses(uri)).length, 3);
  });
});

test("50 jugfiles in a workspace: the graph lists them all; at most two load at once; the server stays responsive", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-many-"));
  const marker = path.join(dir, "cli-calls.txt");
  const statusFile = path.join(dir, "status.json");
  writeStatus(statusFile, []);
  for (let i = 0; i < 50; i++) {
    fs.mkdirSync(path.join(dir, `p${i}`));
    fs.copyFileSync(fixture("lsp", "jugfile.ts"), path.join(dir, `p${i}`, "jugfile.ts"));
  }
  fs.mkdirSync(path.join(dir, "node_modules", "dep"), { recursive: true });
  fs.copyFileSync(fixture("lsp", "jugfile.ts"), path.join(dir, "node_modules", "dep", "jugfile.ts"));
  const trace = path.join(dir, "trace.txt");
  const init = { trusted: true, runtimeCli: FAKE_CLI, env: { FAKE_JUG_STATUS: statusFile, FAKE_JUG_MARKER: marker, FAKE_JUG_TRACE: trace, FAKE_JUG_SLOW_MS: "100" } };
  await withClient(init, dir, async (client) => {
    const graph = (await client.connection.sendRequest("jug/graph", {})) as { jugfiles: { uri: string; sites: unknown[] }[] };
    assert.equal(graph.jugfiles.length, 50, "node_modules is not searched");
    assert.ok(graph.jugfiles.every((j) => j.sites.length === 3));
    const started = Date.now();
    const uri = await client.open(path.join(dir, "p7", "jugfile.ts"));
    assert.equal((await client.lenses(uri)).length, 3 * 2);
    assert.ok(Date.now() - started < 5000, "lenses answered while 50 status loads queue");
    await client.waitFor("every jugfile's status loaded", () => fs.existsSync(trace) && fs.readFileSync(trace, "utf8").split("-").length - 1 >= 50, 100_000);
  });
  let running = 0;
  let most = 0;
  for (const mark of fs.readFileSync(trace, "utf8").trim().split("\n")) {
    running += mark === "+" ? 1 : -1;
    most = Math.max(most, running);
  }
  assert.equal(most, 2, "jug status runs the user's jugfile: at most two at once");
});

test("trust granted later (jug/trustChanged): the runtime status loads and Run lenses appear", async () => {
  const ws = workspace();
  writeStatus(ws.statusFile, [task("aaaa1111", "jugfile.double", 8, 20, { state: "complete", duration: 2 })]);
  const init = { trusted: false, runtimeCli: FAKE_CLI, env: { FAKE_JUG_STATUS: ws.statusFile, FAKE_JUG_MARKER: ws.marker } };
  await withClient(init, ws.dir, async (client) => {
    const uri = await client.open(ws.jugfile);
    assert.ok((await client.lenses(uri)).every((l) => l.command !== "jug.runTask"));
    assert.equal(fs.existsSync(ws.marker), false);
    await client.connection.sendNotification("jug/trustChanged", { trusted: true });
    const lenses = await client.waitFor("trusted lenses", async () => {
      const l = await client.lenses(uri);
      return l.some((x) => x.title === "✓ done 2.0 s") ? l : undefined;
    });
    assert.equal(lenses.filter((l) => l.command === "jug.runTask").length, 3);
  });
});
