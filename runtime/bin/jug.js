#!/usr/bin/env node
"use strict";
// Before anything allocates (see young-generation.ts).
require("../dist/young-generation.js").keepYoungGenerationSmall();
// Thin launcher: the CLI lives in dist/cli/main.js (compiled from runtime/src/cli).
// A closed pipe (`jug status --json | head`) ends the output, not the program with a stack trace.
process.stdout.on("error", (err) => {
  if (err && err.code === "EPIPE") process.exit(process.exitCode || 0);
  throw err;
});
require("../dist/cli/main.js").main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(err && err.stack ? err.stack : String(err)); process.exitCode = 1; }
);
