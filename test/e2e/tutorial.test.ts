// The tutorial example in real VS Code (code-server + Chromium), as a user sees it: lenses above
// the task calls, the task tree, Start Workers from the palette with 2 workers, everything turning
// to done, a hover with the cached value, and View Result (text, and a plot for a number array).
// Screenshots: test-results/e2e/tutorial/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inVsCode, repoRoot } from "./harness";

const TASKS = 241; // TUTORIAL_SMALL=1: 60 images, features of each, k = 2..7 x 10 restarts, BIC of each, 1 answer

test("tutorial: lenses, tree, 2 workers from the palette, done, hover and View Result", { timeout: 600_000 }, async (t) => {
  await inVsCode(t, { name: "tutorial", example: join(repoRoot, "examples", "tutorial"), trusted: true, env: { TUTORIAL_SMALL: "1" } }, async (session, wb) => {
    const page = session.page;
    const workspace = session.options.workspace;
    await wb.waitReady("jugfile.ts");
    await wb.openFile("jugfile.ts");
    // The task calls are at the end of the file: bring them into view.
    const source = readFileSync(join(workspace, "jugfile.ts"), "utf8").split("\n");
    const finalCallLine = source.findIndex((l) => l.includes("nrClusters(bics)")) + 1;
    await wb.goToLine(finalCallLine);

    // Lenses above every task call, with the runtime's counts once `jug status` has run.
    await wb.waitForLens(/60 tasks: 60 ready/, 180_000);
    const lenses = await wb.lensTexts();
    assert.ok(lenses.every((l) => l.startsWith("▶ Run")), `every lens offers Run: ${JSON.stringify(lenses)}`);
    assert.ok(lenses.some((l) => /60 tasks: 60 waiting/.test(l)), JSON.stringify(lenses));
    await session.shot("lenses");

    // The tree: one group per task function, with progress.
    await wb.openJugSidebar();
    await wb.treeRows().filter({ hasText: "computeFeatures" }).first().waitFor();
    const tree = await wb.treeTexts();
    for (const group of ["renderImage | 0/60 done", "computeFeatures | 0/60 done", "kmeans | 0/60 done", "computeBic | 0/60 done", "nrClusters | 0/1 done"]) {
      assert.ok(tree.includes(group), `tree has "${group}": ${JSON.stringify(tree)}`);
    }
    assert.match(await wb.statusItem().innerText(), new RegExp(`Jug 0/${TASKS}`));
    await session.shot("tree");

    // Start Workers from the palette: the input box says how many cores there are; ask for 2.
    await wb.command("Jug: Start Workers");
    const input = wb.quickInput().locator("input").first();
    await input.waitFor();
    assert.match(await wb.quickInput().innerText(), /How many workers\? This machine has \d+ CPU cores?\./);
    await input.fill("2");
    await session.shot("start-workers");
    await page.keyboard.press("Enter");

    // The status bar shows the workers, then everything turns to done: lenses, tree, status bar.
    await wb.statusItem().filter({ hasText: /2 workers/ }).waitFor({ timeout: 60_000 });
    // Live progress while they run (not asserted: on a fast machine the run may end first).
    await wb.statusItem().filter({ hasText: new RegExp(`Jug [1-9]\\d*/${TASKS} · 2 workers`) }).waitFor({ timeout: 30_000 }).catch(() => undefined);
    await session.shot("running");
    await wb.statusItem().filter({ hasText: new RegExp(`Jug ${TASKS}/${TASKS}`) }).waitFor({ timeout: 300_000 });
    await wb.waitForLens(/60 tasks: 60 done/, 60_000);
    await wb.waitForLens(/View result/, 60_000);
    await wb.treeRows().filter({ hasText: "computeFeatures" }).filter({ hasText: "60/60 done" }).first().waitFor();
    const doneLenses = await wb.lensTexts();
    assert.ok(doneLenses.filter((l) => /60 tasks: 60 done/.test(l)).length >= 4, JSON.stringify(doneLenses));
    await session.shot("done");

    // Hover on the final call: Jug's part shows the cached value; TypeScript's part shows the
    // type from the extension's bundled declarations (the workspace has no jug package).
    const hover = await wb.hover("nrClusters(bics)", "nrClusters", /Task<number>/);
    assert.match(hover, /✓ done/);
    assert.match(hover, /const nrClusters: \(bics: Input<number\[\]>\) => Task<number>/);
    await session.shot("hover");
    await wb.closeHover();

    // Show Status from the palette: a jug status table in a read-only tab.
    await wb.command("Jug: Show Status");
    await page.locator(".tabs-container .tab.active", { hasText: "Jug Status.txt" }).first().waitFor();
    const report = await page.locator(".monaco-editor .view-lines", { hasText: "Task name" }).first().innerText();
    assert.match(report.replace(/\s+/g, " "), /computeFeatures 0 0 0 60 0/);
    await session.shot("show-status");

    // View Result from the lens: a read-only tab with the value.
    // Clicking a task in the tree goes to its call: the jugfile opens at the nrClusters line.
    await wb.treeRows().filter({ hasText: "nrClusters" }).first().click();
    await wb.treeRows().filter({ hasText: "nrClusters #1" }).first().click();
    await page.locator(".tabs-container .tab.active", { hasText: "jugfile.ts" }).first().waitFor();
    await page.waitForFunction(
      (line) => document.querySelector(".statusbar")?.textContent?.includes(`Ln ${line},`) ?? false,
      finalCallLine,
      { timeout: 10_000 },
    );
    await page.locator(".monaco-editor .codelens-decoration a", { hasText: "View result" }).first().click();
    await page.locator(".tabs-container .tab", { hasText: /nrClusters-[0-9a-f]{8}\.txt/ }).first().waitFor();
    await page.locator(".monaco-editor .view-lines", { hasText: "jugfile.nrClusters" }).first().waitFor();
    await session.shot("view-result");

    // A number array from the tree: its row's inline action opens the text and a plot beside it.
    const group = wb.treeRows().filter({ hasText: "computeFeatures" }).first();
    await group.click();
    const row = wb.treeRows().filter({ hasText: "computeFeatures #1" }).first();
    await row.waitFor();
    await row.hover();
    await row.locator('.action-label[aria-label="View Result"]').first().click();
    await page.locator(".tabs-container .tab", { hasText: "computeFeatures (picture)" }).first().waitFor();
    await page.locator(".tabs-container .tab", { hasText: /computeFeatures-[0-9a-f]{8}\.txt/ }).first().waitFor();
    await page.waitForTimeout(1000); // the webview paints its SVG
    await session.shot("result-plot");

    // jug.codeLens.enabled switches the lenses off and on again without a reload.
    await group.click(); // collapse computeFeatures' 60 rows again
    await wb.treeRows().filter({ hasText: "nrClusters #1" }).first().click();
    await page.locator(".tabs-container .tab.active", { hasText: "jugfile.ts" }).first().waitFor();
    await wb.waitForLens(/View result/, 30_000);
    mkdirSync(join(workspace, ".vscode"), { recursive: true });
    writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify({ "jug.codeLens.enabled": false }));
    await page.waitForFunction(() => document.querySelectorAll(".monaco-editor .codelens-decoration").length === 0, null, { timeout: 30_000 });
    writeFileSync(join(workspace, ".vscode", "settings.json"), JSON.stringify({ "jug.codeLens.enabled": true }));
    await wb.waitForLens(/View result/, 30_000);
  });
});
