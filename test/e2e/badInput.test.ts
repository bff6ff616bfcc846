// Bad input in real VS Code: a jugfile that fails to load (the error in Problems at its line, in
// the tree and the status bar; nothing crashes) and a task that kills its worker (the status bar
// says workers died and a notification offers the log). Screenshots: test-results/e2e/bad-input/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { inVsCode, repoRoot } from "./harness";

test("bad input: a jugfile that does not load, workers that die", { timeout: 400_000 }, async (t) => {
  await inVsCode(t, { name: "bad-input", example: join(repoRoot, "test", "e2e", "fixtures", "bad-input"), trusted: true }, async (session, wb) => {
    const page = session.page;
    const explorerRow = (text: string) => page.locator(".explorer-folders-view .monaco-list-row", { hasText: text });
    await wb.waitReady("broken");
    await explorerRow("broken").first().click();
    await explorerRow("jugfile.ts").first().click();

    // The load error: in Problems (with its line), the status bar and the tree.
    await page.keyboard.press("Control+Shift+M");
    const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "Unexpected end of JSON input" }).first();
    await problem.waitFor({ timeout: 180_000 });
    assert.match(await page.locator(".markers-panel").first().innerText(), /Ln 8/);
    await wb.statusItem().filter({ hasText: "jugfile error" }).waitFor();
    await wb.openJugSidebar();
    await wb.treeRows().filter({ hasText: "The jugfile could not be loaded" }).first().waitFor({ timeout: 60_000 });
    await session.shot("load-error");

    // A task that SIGKILLs its worker: the status bar says so, a notification offers the log.
    await page.locator(".part.activitybar .action-item a[aria-label^='Explorer']").first().click();
    await explorerRow("crash").first().click();
    await explorerRow("jugfile.ts").nth(1).click();
    await page.locator(".tabs-container .tab.active", { hasText: "jugfile.ts" }).first().waitFor();
    await page.locator(".monaco-editor .view-lines", { hasText: "SIGKILL" }).first().waitFor();
    await wb.waitForLens(/▶ Run/, 120_000);
    await wb.command("Jug: Start Workers");
    await wb.quickInput().locator("input").first().fill("1");
    await page.keyboard.press("Enter");
    await wb.statusItem().filter({ hasText: /worker(s)? died/ }).waitFor({ timeout: 120_000 });
    const toast = wb.notification(/exited with an error/);
    await toast.waitFor({ timeout: 30_000 });
    await session.shot("workers-died");
    await toast.locator(".monaco-button", { hasText: "Show Output" }).first().click();
    await page.locator(".part.panel .view-lines", { hasText: /crashed|SIGKILL|exit code/ }).first().waitFor({ timeout: 30_000 });
    await session.shot("worker-log");
  });
});
