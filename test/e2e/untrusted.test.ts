// An untrusted folder (workspace trust on, folder not trusted): Jug shows static lenses and the
// Restricted Mode view, offers no Run, and runs nothing: no `jug` process for the workspace, no
// store, no images written by the jugfile. Screenshots: test-results/e2e/untrusted/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { inVsCode, repoRoot } from "./harness";

/** Command lines of live processes that mention `text`. */
function processesMentioning(text: string): string[] {
  return execFileSync("ps", ["-eo", "args="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(text) && /jug\.js|runtime\/bin\/jug/.test(line));
}

test("untrusted workspace: static lenses, Restricted Mode view, nothing runs", { timeout: 300_000 }, async (t) => {
  await inVsCode(t, { name: "untrusted", example: join(repoRoot, "examples", "tutorial"), workspaceName: "untrusted-tutorial", trusted: false, env: { TUTORIAL_SMALL: "1" } }, async (session, wb) => {
    const page = session.page;
    const workspace = session.options.workspace;
    await wb.waitReady("jugfile.ts");
    await wb.openFile("jugfile.ts");
    const source = readFileSync(join(workspace, "jugfile.ts"), "utf8").split("\n");
    await wb.goToLine(source.findIndex((l) => l.includes("nrClusters(bics)")) + 1);
    await wb.waitForLens(/restricted mode/, 180_000);
    const lenses = await wb.lensTexts();
    assert.ok(lenses.length >= 5, JSON.stringify(lenses));
    assert.ok(lenses.every((l) => !l.includes("▶ Run")), `no Run lens in Restricted Mode: ${JSON.stringify(lenses)}`);
    await session.shot("static-lenses");

    await wb.openJugSidebar();
    // The tree lists the call sites found statically (nothing was run to find tasks).
    await wb.treeRows().filter({ hasText: "nrClusters" }).first().waitFor({ timeout: 120_000 });
    const tree = await wb.treeTexts();
    assert.ok(tree.includes("jugfile.ts | restricted"), JSON.stringify(tree));
    assert.ok(tree.includes("computeFeatures | 1 call site (in loops)"), JSON.stringify(tree));
    await page.locator(".part.sidebar", { hasText: "This workspace is in Restricted Mode" }).first().waitFor();
    await page.locator(".part.sidebar .monaco-button", { hasText: "Manage Workspace Trust" }).first().waitFor();
    assert.equal((await wb.statusItem().innerText()).trim(), "Jug · restricted");
    await session.shot("restricted-view");

    // The palette offers no way to start workers: the command is disabled while untrusted.
    await page.keyboard.press("F1");
    await page.keyboard.type("Jug: Start Workers");
    await page.waitForTimeout(1000);
    const rows = await page.locator(".quick-input-list .monaco-list-row").evaluateAll((els) => els.map((e) => e.textContent ?? ""));
    assert.ok(!rows.some((r) => r.includes("Start Workers")), `Start Workers offered: ${JSON.stringify(rows)}`);
    await session.shot("palette-no-start-workers");
    await page.keyboard.press("Escape");

    // Give anything that would run time to show up, then check that nothing did.
    await page.waitForTimeout(5000);
    assert.deepEqual(processesMentioning(workspace), []);
    assert.equal(existsSync(join(workspace, "jugfile.jugdata")), false, "no store was created");
    assert.equal(existsSync(join(workspace, "images")), false, "the jugfile never ran");
  });
});
