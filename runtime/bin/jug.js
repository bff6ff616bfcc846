#!/usr/bin/env node
"use strict";
// Before anything allocates (see heap-settings.ts).
require("../dist/heap-settings.js").applyHeapSettings();
// Thin launcher: the CLI lives in dist/cli/main.js (compiled from runtime/src/cli), also bundled into
// one file that loads faster (runtime/scripts/bundle-cli.mjs, part of `npm run build`), run with a V8
// code cache. The bundle is used unless a `tsc -b` ran after it (tsconfig.tsbuildinfo is newer; a
// published package has none).
const fs = require("node:fs");
const path = require("node:path");
function loadCli() {
  const bundle = path.join(__dirname, "..", "dist", "cli", "bundle.js");
  const bundled = fs.statSync(bundle, { throwIfNoEntry: false });
  const built = fs.statSync(path.join(__dirname, "..", "tsconfig.tsbuildinfo"), { throwIfNoEntry: false });
  if (!bundled || (built && built.mtimeMs > bundled.mtimeMs)) return { cli: require("../dist/cli/main.js"), done: () => {} };
  const { CacheDir, defaultCacheDir } = require("../dist/loader/transpiled-cache.js");
  const loaded = require("../dist/loader/code-cache.js").requireWithCodeCache(bundle, new CacheDir(defaultCacheDir()));
  return { cli: loaded.exports, done: () => loaded.saveCodeCache() };
}
// A closed pipe (`jug status --json | head`) ends the output, not the program with a stack trace.
process.stdout.on("error", (err) => {
  if (err && err.code === "EPIPE") process.exit(process.exitCode || 0);
  throw err;
});
const { cli, done } = loadCli();
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; done(); },
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 1; }
);
