// The second load of an unchanged jugfile runs jiti's output kept from the first (without jiti):
// it must behave exactly like the first -- imports, exports, call sites and error positions.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { StatusDocument } from "jug/protocol";
import { jug, positionOf } from "./cli-helpers";

const FILES: Record<string, string> = {
  "jugfile.ts": `import * as jug from "jug";
import { TaskGenerator } from "jug";
import pathModule from "node:path";
import { scale, twice } from "./lib/helpers.js";
import label from "./lib/label";

const double = TaskGenerator(function double(x: number): number {
  return scale * x;
});
export const base = pathModule.basename("/a/b.txt") + label;
const settled: number = await Promise.resolve(2);
export const doubled = [double(1), twice(settled)];
export const namespaced = typeof jug.TaskGenerator;
if (process.env["JUGTEST_THROW"]) twice(Number.NaN);
`,
  "lib/helpers.ts": `import { TaskGenerator } from "jug";
import { cycleName } from "./cycle";
export const scale = 2;
const triple = TaskGenerator(function triple(x: number): number {
  return 3 * x;
});
export function twice(x: number) {
  if (Number.isNaN(x)) throw new Error("not a number in " + cycleName());
  return triple(x);
}
`,
  "lib/cycle.ts": `import { scale } from "./helpers";
export function cycleName(): string {
  return "cycle" + scale;
}
`,
  "lib/label.ts": `const label: string = "!";
export default label;
`,
};

function project(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-loader-cache-"));
  for (const [name, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  fs.mkdirSync(path.join(dir, "log"));
  return { dir, env: { JUG_TRANSPILED_CACHE: path.join(dir, "transpiled") } };
}

async function status(dir: string, env: NodeJS.ProcessEnv): Promise<StatusDocument> {
  const run = await jug(["status", "--json"], dir, env);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as StatusDocument;
}

test("the second load (from the kept output) gives the same tasks, call sites and results", async () => {
  const { dir, env } = project();
  const first = await status(dir, env);
  const transpiled = fs.readdirSync(env["JUG_TRANSPILED_CACHE"]!).filter((name) => name.endsWith(".js"));
  assert.equal(transpiled.length, 4, "one entry per transformed module");
  const second = await status(dir, env);
  assert.deepEqual(second, first);
  const sites = new Map(first.tasks.map((t) => [t.name, t.site]));
  const created = positionOf(path.join(dir, "lib", "helpers.ts"), "triple(x)", "return triple");
  assert.deepEqual(sites.get("helpers.triple"), { file: path.join(dir, "lib", "helpers.ts"), ...created });
  assert.equal(first.tasks.length, 2);

  const run = await jug(["execute"], dir, env);
  assert.equal(run.code, 0, run.stderr);
  const shell = await jug(["shell"], dir, env);
  assert.equal(shell.code, 0, shell.stderr);
  assert.deepEqual((await status(dir, env)).counts.complete, 2);
});

test("an error thrown in an imported module: the same file:line both times", async () => {
  const { dir, env } = project();
  const throwing = { ...env, JUGTEST_THROW: "1" };
  const at = positionOf(path.join(dir, "lib", "helpers.ts"), "new Error");
  for (const attempt of ["first", "second"]) {
    const run = await jug(["status"], dir, throwing);
    assert.equal(run.code, 2, attempt);
    assert.match(run.stderr, new RegExp(`helpers\\.ts:${at.line}:${at.column}: error while building tasks: not a number in cycle2`), attempt);
    assert.doesNotMatch(run.stderr, /runtime[/\\]dist|node_modules[/\\]jiti/, "only the user's frames");
  }
});

test("a changed module is loaded as it is now, not as it was", async () => {
  const { dir, env } = project();
  assert.equal((await status(dir, env)).tasks.length, 2);
  fs.appendFileSync(path.join(dir, "jugfile.ts"), "double(7);\n");
  assert.equal((await status(dir, env)).tasks.length, 3);
  fs.appendFileSync(path.join(dir, "jugfile.ts"), "double(8 +;\n");
  const broken = await jug(["status"], dir, env);
  assert.equal(broken.code, 2);
  const at = positionOf(path.join(dir, "jugfile.ts"), "double(8 +");
  assert.match(broken.stderr, new RegExp(`jugfile\\.ts:${at.line}:\\d+: syntax error`));
});
