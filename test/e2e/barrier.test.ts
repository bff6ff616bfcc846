// A jugfile that stops at a blocking barrier, in real VS Code: the barrier's lens and the lens of a
// call after it say why nothing more is known, the status bar and the tree say where it stops;
// "▶ Run all" runs past it and the later tasks appear. Screenshots: test-results/e2e/barrier/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { inVsCode, repoRoot } from "./harness";

test("barrier: the editor shows where the jugfile stops, and Run all gets past it", { timeout: 400_000 }, async (t) => {
  await inVsCode(t, { name: "barrier", example: join(repoRoot, "test", "runtime", "fixtures", "barrier"), trusted: true }, async (session, wb) => {
    const page = session.page;
    await wb.waitReady("jugfile.ts");
    await wb.openFile("jugfile.ts");
    await wb.waitForLens(/Barrier: waiting for 1 of 1 task before it/, 180_000);
    await wb.waitForLens(/after the barrier \(line 14\): not known yet/);
    await wb.statusItem().filter({ hasText: /barrier/ }).waitFor({ timeout: 30_000 });
    await wb.openJugSidebar();
    await wb.treeRows().filter({ hasText: "Stops at the barrier at line 14" }).first().waitFor({ timeout: 60_000 });
    await session.shot("blocked");

    await page.locator(".monaco-editor .codelens-decoration a", { hasText: "▶ Run all" }).first().click();
    await wb.waitForLens(/3 tasks: 3 done/, 180_000);
    await wb.statusItem().filter({ hasText: /Jug 4\/4/ }).waitFor({ timeout: 60_000 });
    await wb.treeRows().filter({ hasText: "square" }).first().waitFor({ timeout: 60_000 });
    assert.ok(!(await wb.lensTexts()).some((l) => /Barrier|after the barrier/.test(l)), "no barrier lens once it is passed");
    await session.shot("passed");
  });
});
