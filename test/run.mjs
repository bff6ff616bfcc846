#!/usr/bin/env node
// Runs every compiled test file (test/dist/**/*.test.js) with node's own test runner.
// Usage: node test/run.mjs [substring ...]   e.g. `node test/run.mjs runtime/ server/`
// Test files run one at a time by default: the multi-process and end-to-end tests each
// use both cores. JUG_TEST_CONCURRENCY overrides.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "dist");
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === "fixtures" ? [] : walk(p);
    return name.endsWith(".test.js") ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk(root)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files under ${root} match ${filters.join(" ") || "(all)"}; run \`npm run build\` first`);
  process.exit(1);
}
const concurrency = process.env.JUG_TEST_CONCURRENCY ?? "1";
const r = spawnSync(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files], {
  stdio: "inherit",
});
process.exit(r.status ?? 1);
