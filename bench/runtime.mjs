#!/usr/bin/env node
// Runtime benchmarks (issue 2, part 10): per-task overhead, status and no-op re-execute time,
// wake-up latency between workers, disk per result, worker peak memory. Prints a Markdown
// table (pasted into docs/performance.md) and writes the raw numbers to bench/results/.
//
//   node bench/runtime.mjs            full run (20,000 and 100,000 tasks; about 5-10 minutes)
//   node bench/runtime.mjs --quick    2,000 and 10,000 tasks, one repetition (under a minute)
//   node bench/runtime.mjs --only=wakeup   only some parts: overhead, small, large, wakeup
//
// Method (as for Python jug, docs/performance.md): the trivial jugfile examples/trivial/jugfile.ts
// (N tasks `double(i)` + one `addAll`), run through the real CLI. Per-task overhead is
// (wall time of execute with N tasks - wall time with N = 0) / N, so process start and jugfile
// load are not counted. Times are medians over the repetitions, wall clock of the whole command.
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const jug = join(root, "runtime", "bin", "jug.js");
const trivial = join(root, "examples", "trivial", "jugfile.ts");
const wakeup = join(root, "bench", "wakeup", "jugfile.ts");
const resultsDir = join(root, "bench", "results");

const quick = process.argv.includes("--quick");
/** `--only=overhead,small,large,wakeup` runs only those parts. */
const only = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const wanted = (part) => !only || only.includes(part);
const N_SMALL = quick ? 2_000 : 20_000;
const N_LARGE = quick ? 10_000 : 100_000;
const REPS = quick ? 1 : 3;
const WAKE_ROUNDS = quick ? 2 : 5;

const diskBase = join(resultsDir, "stores");
const tmpfsBase = "/dev/shm";
mkdirSync(diskBase, { recursive: true });

/**
 * Runs the jug CLI; returns wall seconds, CPU seconds (user + system, all its processes), exit
 * code, output, and peak RSS (KiB) of its largest process, via GNU time. CPU time is reported
 * beside wall time because it is less disturbed by other load on the machine.
 */
function runJug(args, { env = {}, allowFailure = false } = {}) {
  const rssFile = join(resultsDir, `.rss-${process.pid}`);
  const command = existsSync("/usr/bin/time")
    ? ["/usr/bin/time", ["-f", "%M %U %S", "-o", rssFile, process.execPath, jug, ...args]]
    : [process.execPath, [jug, ...args]];
  const started = process.hrtime.bigint();
  const r = spawnSync(command[0], command[1], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFailure) {
    throw new Error(`jug ${args.join(" ")} exited with ${r.status}\n${r.stderr.slice(-2000)}`);
  }
  const [peakKiB, user, system] = existsSync(rssFile) ? readFileSync(rssFile, "utf8").trim().split("\n").pop().split(" ").map(Number) : [NaN, NaN, NaN];
  rmSync(rssFile, { force: true });
  return { seconds, cpu: user + system, status: r.status, stdout: r.stdout, stderr: r.stderr, peakKiB };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;

function freshStore(base, label) {
  const dir = join(base, `jugbench-${label}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** execute on an empty store; checks that every task completed. */
function executeFresh(n, store, workers) {
  rmSync(store, { recursive: true, force: true });
  const run = runJug(["execute", trivial, "-j", String(workers), "--jugdir", store], { env: { JUGBENCH_N: String(n) } });
  const counts = statusCounts(n, store);
  if (counts.complete !== n + 1) throw new Error(`after execute of ${n + 1} tasks only ${counts.complete} are complete: ${JSON.stringify(counts)}`);
  return run;
}

function statusCounts(n, store) {
  const r = runJug(["status", trivial, "--json", "--jugdir", store], { env: { JUGBENCH_N: String(n) } });
  return JSON.parse(r.stdout).counts;
}

/** Bytes allocated on disk (du), bytes of file contents, and number of files under `dir`. */
function diskUsage(dir) {
  const allocated = Number(spawnSync("du", ["-s", "--block-size=1", dir], { encoding: "utf8" }).stdout.split(/\s/)[0]);
  const find = spawnSync("sh", ["-c", `find "$1" -type f -printf '%s\\n' | awk '{s+=$1; n++} END {print s+0, n+0}'`, "sh", dir], { encoding: "utf8" });
  const [apparent, files] = find.stdout.trim().split(" ").map(Number);
  return { allocated, apparent, files };
}

const rows = [];
const raw = { date: new Date().toISOString(), quick, machine: machine(), load: loadAverage(), results: {} };
function report(name, value, python = "", target = "") {
  rows.push({ name, value, python, target });
  console.error(`  ${name}: ${value}`);
}

/** 1-minute load average before and after: benchmarks on a busy machine are not comparable. */
function loadAverage() {
  return readFileSync("/proc/loadavg", "utf8").split(" ")[0];
}

function machine() {
  const sh = (c) => spawnSync("sh", ["-c", c], { encoding: "utf8" }).stdout.trim();
  return {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    disk: sh(`findmnt -no FSTYPE,SOURCE -T '${diskBase}'`),
    node: process.version,
    kernel: sh("uname -r"),
  };
}

/** "wall s [min-max], CPU s" of repeated runs. */
function timing(runs) {
  const wall = runs.map((r) => r.seconds);
  return `**${median(wall).toFixed(2)} s** [${range(wall)}], CPU ${median(runs.map((r) => r.cpu)).toFixed(2)} s`;
}
const repeat = (f) => Array.from({ length: REPS }, f);
const count = (n) => n.toLocaleString("en");

// ---- per-task overhead ------------------------------------------------------------------------

function overhead(label, base, workers, pythonMs) {
  const store = freshStore(base, label);
  const empty = [];
  const full = [];
  for (let i = 0; i < REPS; i++) {
    // Interleaved, so slow phases of the disk (or of other load) hit both.
    empty.push(executeFresh(0, store, workers));
    full.push(executeFresh(N_SMALL, store, workers));
  }
  const perTask = (key) => ((median(full.map((r) => r[key])) - median(empty.map((r) => r[key]))) / N_SMALL) * 1000;
  raw.results[label] = { empty, full, perTaskWallMs: perTask("seconds"), perTaskCpuMs: perTask("cpu") };
  report(
    `execute ${count(N_SMALL)} trivial tasks, ${workers} worker${workers > 1 ? "s" : ""}, store on ${base === tmpfsBase ? "tmpfs" : "disk"}`,
    `**${perTask("seconds").toFixed(3)} ms/task** wall, ${perTask("cpu").toFixed(3)} ms/task CPU (${timing(full)}; N=0: ${median(empty.map((r) => r.seconds)).toFixed(2)} s)`,
    pythonMs,
    pythonMs ? `< ${(parseFloat(pythonMs) / 10).toFixed(3)} ms/task` : "",
  );
  return store;
}

raw.commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
console.error(`jug runtime benchmark (${quick ? "quick" : "full"}): N=${N_SMALL} and ${N_LARGE}, ${REPS} repetition(s)`);
if (wanted("overhead")) {
  overhead("disk-1", diskBase, 1, "1.30 ms/task");
  overhead("disk-2", diskBase, 2, "0.86 ms/task");
  overhead("tmpfs-1", tmpfsBase, 1, "0.26 ms/task");
  overhead("tmpfs-2", tmpfsBase, 2, "");
}

// ---- status, no-op, disk use at N_SMALL --------------------------------------------------------

if (wanted("small")) {
  const n = N_SMALL;
  const env = { JUGBENCH_N: String(n) };
  const diskStore = freshStore(diskBase, "small");
  executeFresh(n, diskStore, 1);
  const status = repeat(() => runJug(["status", trivial, "--jugdir", diskStore], { env }));
  report(`status, ${count(n)} complete tasks (disk)`, timing(status), n === 20_000 ? "0.44 s" : "");
  const noop = repeat(() => runJug(["execute", trivial, "--jugdir", diskStore], { env }));
  report(`no-op re-execute, ${count(n)} complete tasks (disk)`, timing(noop), n === 20_000 ? "0.48 s" : "");
  const use = diskUsage(diskStore);
  raw.results.small = { status, noop, use };
  report(
    `disk per trivial result (${count(n + 1)} results, ext4)`,
    `**${(use.allocated / (n + 1) / 1024).toFixed(3)} KiB** allocated (${(use.allocated / 2 ** 20).toFixed(1)} MiB in ${use.files} files; ${(use.apparent / (n + 1)).toFixed(0)} B/result of content)`,
    "4.2 KiB",
    "< 0.5 KiB",
  );
  rmSync(diskStore, { recursive: true, force: true });
}

// ---- 100,000 tasks (tmpfs, as Python's addendum) -----------------------------------------------

if (wanted("large")) {
  const n = N_LARGE;
  const env = { JUGBENCH_N: String(n) };
  const store = freshStore(tmpfsBase, "large");
  const run = executeFresh(n, store, 1);
  report(`execute ${count(n)} trivial tasks, 1 worker (tmpfs)`, `${run.seconds.toFixed(2)} s, CPU ${run.cpu.toFixed(2)} s`, n === 100_000 ? "25.3 s" : "");
  report(`worker peak memory over ${count(n)} tasks (1 worker, max RSS)`, `**${(run.peakKiB / 1024).toFixed(0)} MB**`, n === 100_000 ? "147 MB" : "", "< 120 MB");
  const status = repeat(() => runJug(["status", trivial, "--jugdir", store], { env }));
  report(
    `status, ${count(n)} complete tasks (tmpfs)`,
    `${timing(status)}; peak RSS ${(Math.max(...status.map((r) => r.peakKiB)) / 1024).toFixed(0)} MB`,
    n === 100_000 ? "1.35-1.46 s" : "",
    "< 0.3 s",
  );
  const noop = repeat(() => runJug(["execute", trivial, "--jugdir", store], { env }));
  report(`no-op re-execute, ${count(n)} complete tasks (tmpfs)`, timing(noop), n === 100_000 ? "1.76 s" : "", "< 0.5 s");
  const use = diskUsage(store);
  report(`store size, ${count(n + 1)} results (tmpfs)`, `${(use.allocated / 2 ** 20).toFixed(1)} MiB = ${(use.allocated / (n + 1) / 1024).toFixed(3)} KiB/result`, n === 100_000 ? "391 MB" : "");
  raw.results.large = { execute: run, status, noop, use };
  rmSync(store, { recursive: true, force: true });
}

// ---- wake-up latency --------------------------------------------------------------------------

if (wanted("wakeup")) {
  const cross = [];
  const own = [];
  const records = mkdtempSync(join(tmpfsBase, "jugbench-wake-"));
  const store = freshStore(diskBase, "wake");
  for (let round = 0; round < WAKE_ROUNDS; round++) {
    rmSync(store, { recursive: true, force: true });
    for (const f of readdirSync(records)) rmSync(join(records, f));
    runJug(["execute", wakeup, "-j", "2", "--jugdir", store], { env: { BENCH_WAKE_DIR: records, BENCH_WAKE_ROUND: String(round) } });
    const events = readdirSync(records).flatMap((f) => readFileSync(join(records, f), "utf8").trim().split("\n").map((l) => JSON.parse(l)));
    const produced = events.find((e) => e.event === "produced");
    const occupied = events.find((e) => e.event === "occupied");
    const consumed = events.filter((e) => e.event === "consumed");
    if (!produced || !occupied || consumed.length !== 2) throw new Error(`wake-up round ${round}: unexpected records ${JSON.stringify(events)}`);
    // Only rounds where the other worker was up and waiting before the dependency was produced.
    const waiting = occupied.pid !== produced.pid && occupied.time < produced.time;
    const other = waiting ? consumed.find((e) => e.pid !== produced.pid) : undefined;
    const same = consumed.find((e) => e.pid === produced.pid);
    if (other) cross.push(other.time - produced.time);
    if (same) own.push(same.time - produced.time);
  }
  rmSync(records, { recursive: true, force: true });
  rmSync(store, { recursive: true, force: true });
  raw.results.wakeup = { cross, own };
  report(
    "wake-up latency: dependency returned in worker A -> dependent started in idle worker B (disk store)",
    cross.length
      ? `**${median(cross).toFixed(1)} ms** median [${range(cross)} ms] over ${cross.length} rounds; same worker: ${own.length ? median(own).toFixed(1) : "n/a"} ms`
      : `no round had the other worker waiting and taking a dependent (same worker: ${median(own).toFixed(1)} ms)`,
    "up to 12,000 ms (polling sleep)",
    "< 100 ms",
  );
}

for (const label of ["disk-1", "disk-2", "tmpfs-1", "tmpfs-2"]) {
  rmSync(join(label.startsWith("disk") ? diskBase : tmpfsBase, `jugbench-${label}-${process.pid}`), { recursive: true, force: true });
}

const m = raw.machine;
console.log(
  `\nMachine: ${m.cpus} CPUs (${m.cpu}), ${m.memoryGiB} GiB RAM, store disk ${m.disk}, tmpfs /dev/shm; Node ${m.node}; commit ${raw.commit}; ` +
    `${raw.date}${quick ? " (quick mode)" : ""}; load average ${raw.load} at start, ${loadAverage()} at end\n`,
);
console.log("| measurement | jug for TypeScript | Python jug | target |");
console.log("| --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.name} | ${r.value} | ${r.python} | ${r.target} |`);
mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `runtime-${raw.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(out, JSON.stringify(raw, null, 2));
console.log(`\nraw numbers: ${out}`);
