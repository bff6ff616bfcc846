/**
 * A client nobody on this project wrote: Neovim's built-in LSP client, headless, through
 * tools/lsp-probe (vendored from ../shared/tools/lsp-probe). It must see the lenses and a hover
 * with the cached value, with no VS Code involved. Needs `nvim` (installed by .ci/install-system.sh).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SERVER_DIST, fixture } from "./fixtures";

const PROBE = path.resolve(__dirname, "../../server/tools/lsp-probe");
const RUNTIME_CLI = require.resolve("jug/package.json").replace(/package\.json$/, "bin/jug.js");

test("Neovim's LSP client sees the lenses and a hover with the cached value", { timeout: 120_000 }, () => {
  assert.ok(spawnSync("nvim", ["--version"]).status === 0, "nvim is not installed: run .ci/install-system.sh (apt-get install neovim)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-nvim-"));
  const jugfile = path.join(dir, "jugfile.ts");
  fs.copyFileSync(fixture("workers", "jugfile.ts"), jugfile);
  const run = spawnSync(process.execPath, [RUNTIME_CLI, "execute", jugfile], { cwd: dir, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const out = execFileSync(
    PROBE,
    [
      "-q", "--timeout", "90", "--root", dir, "--file", jugfile,
      "--init-options", JSON.stringify({ trusted: true, runtimeCli: RUNTIME_CLI }),
      "codelens", "hover:14:13", "hover:2:1",
      "--", process.execPath, path.join(SERVER_DIST, "server.js"), "--stdio",
    ],
    { encoding: "utf8" },
  );
  const items = out.trim().split("\n").map((line) => JSON.parse(line) as { kind: string; title?: string; range?: { start: { line: number } }; markdown?: string | null });
  const lenses = items.filter((i) => i.kind === "codelens").map((i) => `${i.range!.start.line + 1}: ${i.title}`);
  assert.deepEqual(
    lenses.map((l) => l.replace(/✓ done .*/, "✓ done")),
    ["13: ▶ Run", "13: 6 tasks: 6 done", "14: ▶ Run again", "14: ✓ done", "14: View result"],
  );
  const hovers = items.filter((i) => i.kind === "hover");
  assert.match(hovers[0]!.markdown ?? "", /\*\*total\*\*[\s\S]*✓ done[\s\S]*```text\n91\n```/);
  assert.equal(hovers[1]!.markdown, null, "no hover away from task calls");
});
