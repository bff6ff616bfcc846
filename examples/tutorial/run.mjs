#!/usr/bin/env node
// `npm run example`: runs the tutorial pipeline with 2 workers, then prints the answer and the
// status table. Both come from jug itself: the answer is the stored result of the final task
// (nrClusters), read from `jug status --json`, which carries a preview of each result.
// Extra arguments (e.g. --jugdir DIR) go to every jug command.
import { spawnSync } from "node:child_process";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const jug = join(root, "runtime", "bin", "jug.js");
const jugfile = relative(root, join(here, "jugfile.ts"));
const extra = process.argv.slice(2);

function runJug(args, capture) {
  const r = spawnSync(process.execPath, [jug, ...args], { cwd: root, stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return r;
}

console.log(`$ jug execute ${jugfile} -j 2 ${extra.join(" ")}`.trimEnd());
const started = Date.now();
const execute = runJug(["execute", jugfile, "-j", "2", ...extra], false);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (execute.status !== 0) {
  console.error(`jug execute failed (exit code ${execute.status}) after ${seconds} s`);
  process.exit(execute.status ?? 1);
}

const status = runJug(["status", jugfile, "--json", ...extra], true);
if (status.status !== 0) {
  console.error(`jug status --json failed (exit code ${status.status})`);
  process.exit(status.status ?? 1);
}
const answer = JSON.parse(status.stdout).tasks.find((t) => t.name.endsWith(".nrClusters"));
if (!answer || answer.state !== "complete") {
  console.error(`the final task (nrClusters) is ${answer ? answer.state : "missing"}`);
  process.exit(1);
}
console.log(`\nBest number of clusters: ${answer.preview}   (pipeline ran in ${seconds} s)\n`);
console.log(`$ jug status ${jugfile}`);
process.exit(runJug(["status", jugfile, ...extra], false).status ?? 1);
