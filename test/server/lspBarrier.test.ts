/**
 * A jugfile that stops at a blocking barrier, over a real LSP connection with the real runtime
 * (the runtime's own barrier fixture): the barrier line and the calls after it say so, and once
 * a worker got past it the tasks after it show up and the barrier lens goes away.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { BarrierInfo, JugfileGraph, StatusChangedParams } from "../../server/src/protocol";
import { inProcessServer } from "./lspHarness";

const REAL_CLI = require.resolve("jug/package.json").replace(/package\.json$/, "bin/jug.js");
/** test/dist/server -> test/runtime/fixtures/barrier (used by test/runtime/cli-barrier.test.ts too). */
const BARRIER_FIXTURE = path.resolve(__dirname, "../../runtime/fixtures/barrier/jugfile.ts");

test("stopped at a barrier: lenses name it and what waits behind it; a run gets past it and the later tasks appear; invalidated, it stops there again", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-lsp-barrier-"));
  const jugfile = path.join(dir, "jugfile.ts");
  fs.copyFileSync(BARRIER_FIXTURE, jugfile);
  const client = inProcessServer({ fastPollMs: 100, slowPollMs: 300, refreshIntervalMs: 50 });
  try {
    await client.initialize(dir, { trusted: true, runtimeCli: REAL_CLI, env: { JUG_LOCK_STALE_MS: "3000" } });
    const uri = await client.open(jugfile);
    const titles = async (): Promise<string[]> => (await client.lenses(uri)).map((l) => `${l.line + 1}: ${l.title}`);
    const blocked = [
      "12: ▶ Run",
      "12: ready",
      "14: ▶ Run all",
      "14: ‖ Barrier: waiting for 1 of 1 task before it · tasks after it not known yet",
      "16: ‖ after the barrier (line 14): not known yet",
    ];
    await client.waitFor("lenses of a jugfile stopped at its barrier", async () => JSON.stringify(await titles()) === JSON.stringify(blocked), 60_000);

    const lastStatus = (): StatusChangedParams | undefined =>
      client.notifications.filter((n) => n.method === "jug/statusChanged").map((n) => n.params as StatusChangedParams).pop();
    const live = (): BarrierInfo | null | undefined => lastStatus()?.barrier;
    await client.waitFor("jug/statusChanged names the barrier", () => live()?.pending === 1);
    assert.deepEqual(live(), { uri, line: 13, character: 11, tasksBefore: 1, pending: 1, failed: 0 });
    const graph = (await client.connection.sendRequest("jug/graph", { uri })) as { jugfiles: JugfileGraph[] };
    assert.equal(graph.jugfiles[0]!.barrier?.line, 13);
    const hover = await client.hover(uri, 15, 62); // on `square` in `square(i)`
    assert.match((hover ?? "").replace(/\\(.)/g, "$1"), /stops at the barrier \(line 14\) until the tasks before it are complete/);

    // The "▶ Run all" lens: one worker runs `count`, loads the jugfile again, passes the barrier and runs the squares.
    const runAll = (await client.lenses(uri)).find((l) => l.title === "▶ Run all")!;
    const run = (await client.connection.sendRequest("jug/run", runAll.arguments[0])) as { started: boolean; message: string };
    assert.deepEqual(run, { started: true, message: "running all tasks" });
    const passed = ["12: ▶ Run again", "12: ✓ done", "12: View result", "16: ▶ Run", "16: 3 tasks: 3 done"];
    await client.waitFor(
      "the barrier lens gone and the squares listed as done",
      async () => JSON.stringify((await titles()).map((t) => t.replace(/✓ done .*/, "✓ done"))) === JSON.stringify(passed),
      90_000,
    );
    await client.waitFor("jug/statusChanged without a barrier", () => live() === null);

    // Invalidating the task before the barrier makes the jugfile stop there again; the next run passes it again.
    const count = (await client.lenses(uri)).find((l) => l.title === "▶ Run again")!.arguments[0] as { hash: string };
    await client.waitFor("the worker finished", () => lastStatus()?.workers === 0);
    await client.connection.sendRequest("jug/invalidate", { uri, hash: count.hash });
    await client.waitFor("stopped at the barrier again", async () => JSON.stringify(await titles()) === JSON.stringify(blocked), 30_000);
    assert.equal(((await client.connection.sendRequest("jug/run", { uri })) as { started: boolean }).started, true);
    await client.waitFor(
      "past the barrier again",
      async () => JSON.stringify((await titles()).map((t) => t.replace(/✓ done .*/, "✓ done"))) === JSON.stringify(passed),
      90_000,
    );
  } finally {
    await client.shutdown();
  }
});
