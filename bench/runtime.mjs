#!/usr/bin/env node
// Runtime benchmarks (issue 2, part 10): per-task overhead, status and no-op re-execute time,
// wake-up latency between workers, disk per result, worker peak memory. Prints a Markdown
// table (pasted into docs/performance.md) and writes the raw numbers to bench/results/.
//
//   node bench/runtime.mjs                 full run (20,000 and 100,000 tasks; 5-15 minutes)
//   node bench/runtime.mjs --quick         2,000 and 10,000 tasks, one repetition (about a minute)
//   node bench/runtime.mjs --only=wakeup   only some parts: overhead, small, large, floor, wakeup
//   node bench/runtime.mjs --python=DIR    also run Python jug (its source tree in DIR, e.g. an
//                                          unpacked luispedro/jug), interleaved with ours
//
// Method (as for Python jug, docs/performance.md): the trivial jugfile examples/trivial/jugfile.ts
// (N tasks `double(i)` + one `addAll`), run through the real CLI. Per-task overhead is
// (wall time of execute with N tasks - wall time with N = 0) / N, so process start and jugfile
// load are not counted. Times are medians over the repetitions, wall clock of the whole command.
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(root, "bench", "results");
// A private copy of the built runtime: a rebuild of runtime/dist during the run (tsc -b, another
// checkout step) must not change what is measured halfway through.
const runtimeCopy = join(resultsDir, `runtime-${process.pid}`);
// The copy has no tsconfig.tsbuildinfo, so its bin always loads the CLI bundle: make that from the dist copied.
spawnSync(process.execPath, [join(root, "runtime", "scripts", "bundle-cli.mjs")], { stdio: "inherit" });
for (const part of ["bin", "dist", "package.json"]) cpSync(join(root, "runtime", part), join(runtimeCopy, part), { recursive: true });
process.on("exit", () => rmSync(runtimeCopy, { recursive: true, force: true }));
const jug = join(runtimeCopy, "bin", "jug.js");
const trivial = join(root, "examples", "trivial", "jugfile.ts");
const wakeup = join(root, "bench", "wakeup", "jugfile.ts");

const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes("--quick");
const only = option("only")?.split(",");
const wanted = (part) => !only || only.includes(part);
const pythonJugSource = option("python") && resolve(option("python"));
const N_SMALL = quick ? 2_000 : 20_000;
const N_LARGE = quick ? 10_000 : 100_000;
const REPS = quick ? 1 : 3;
const WAKE_ROUNDS = quick ? 2 : 5;

const diskBase = join(resultsDir, "stores");
const tmpfsBase = "/dev/shm";
mkdirSync(diskBase, { recursive: true });

// ---- the implementations measured -------------------------------------------------------------

/** Ours: the CLI in runtime/. A complete run is checked through `status --json`. */
const typescript = {
  name: "jug for TypeScript",
  execute: (store, workers) => [process.execPath, [jug, "execute", trivial, "-j", String(workers), "--jugdir", store]],
  status: (store) => [process.execPath, [jug, "status", trivial, "--jugdir", store]],
  noop: (store) => [process.execPath, [jug, "execute", trivial, "--jugdir", store]],
  bare: () => [process.execPath, ["-e", "0"]],
  completed(n, store) {
    const r = run(process.execPath, [jug, "status", trivial, "--json", "--jugdir", store], { env: { JUGBENCH_N: String(n) } });
    return JSON.parse(r.stdout).counts.complete;
  },
};

/** Python jug from its source tree, on the same benchmark jugfile (jug-semantics.md 4.1). Several workers = concurrent processes. */
function pythonJug(source) {
  const jugfile = join(resultsDir, "python", "jugfile.py");
  mkdirSync(dirname(jugfile), { recursive: true });
  writeFileSync(
    jugfile,
    [
      "import os",
      "from jug import TaskGenerator",
      "N = int(os.environ.get('JUGBENCH_N', '2000'))",
      "@TaskGenerator",
      "def double(x):",
      "    return 2 * x",
      "@TaskGenerator",
      "def add_all(xs):",
      "    return sum(xs)",
      "doubled = [double(i) for i in range(N)]",
      "total = add_all(doubled)",
      "",
    ].join("\n"),
  );
  const python = ["python3", ["-c", "import sys; sys.path.insert(0, sys.argv.pop(1)); from jug.jug import main; sys.exit(main())", source]];
  const command = (args) => [python[0], [...python[1], ...args, "--will-cite", jugfile]];
  const shellQuote = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  return {
    name: "Python jug (same run)",
    execute(store, workers) {
      const one = command(["execute", "--jugdir", store]);
      if (workers === 1) return one;
      const line = [one[0], ...one[1]].map(shellQuote).join(" ");
      return ["sh", ["-c", `${Array(workers).fill(`${line} >/dev/null 2>&1 &`).join(" ")} wait`]];
    },
    // Python's status exits with (number complete) mod 256: not an error.
    status: (store) => [...command(["status", "--jugdir", store]), { allowFailure: true }],
    noop: (store) => command(["execute", "--jugdir", store]),
    bare: () => [python[0], ["-c", "0"]],
    completed: null,
  };
}

const implementations = [typescript, ...(pythonJugSource ? [pythonJug(pythonJugSource)] : [])];

/**
 * Runs a command; returns wall seconds, CPU seconds (user + system, all its processes), exit code,
 * output, and peak RSS (KiB) of its largest process, via GNU time. CPU time is reported beside
 * wall time because it is less disturbed by other load on the machine.
 */
function run(command, args, options = {}, extra = {}) {
  const { env = {}, allowFailure = false } = { ...options, ...extra };
  const rssFile = join(resultsDir, `.rss-${process.pid}`);
  const started = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", "-o", rssFile, command, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0 && !allowFailure) throw new Error(`${command} ${args.join(" ")} exited with ${r.status}\n${r.stderr.slice(-2000)}`);
  const [peakKiB, user, system] = readFileSync(rssFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
  rmSync(rssFile, { force: true });
  return { seconds, cpu: user + system, status: r.status, stdout: r.stdout, stderr: r.stderr, peakKiB };
}

/** Runs `impl`'s command for `what` with JUGBENCH_N = n. */
function runFor(impl, what, n, ...args) {
  const [command, argv, options] = impl[what](...args);
  return run(command, argv, options, { env: { JUGBENCH_N: String(n) } });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
const count = (n) => n.toLocaleString("en");

function storePath(base, label, impl) {
  return join(base, `jugbench-${label}-${implementations.indexOf(impl)}-${process.pid}`);
}

/** execute on an empty store; checks (where the implementation can tell) that every task completed. */
function executeFresh(impl, n, store, workers) {
  rmSync(store, { recursive: true, force: true });
  const r = runFor(impl, "execute", n, store, workers);
  const complete = impl.completed?.(n, store);
  if (complete !== undefined && complete !== n + 1) throw new Error(`${impl.name}: after execute of ${n + 1} tasks only ${complete} are complete`);
  return r;
}

/** Bytes allocated on disk (du), bytes of file contents, and number of files under `dir`. */
function diskUsage(dir) {
  const allocated = Number(spawnSync("du", ["-s", "--block-size=1", dir], { encoding: "utf8" }).stdout.split(/\s/)[0]);
  const find = spawnSync("sh", ["-c", `find "$1" -type f -printf '%s\\n' | awk '{s+=$1; n++} END {print s+0, n+0}'`, "sh", dir], { encoding: "utf8" });
  const [apparent, files] = find.stdout.trim().split(" ").map(Number);
  return { allocated, apparent, files };
}

/** 1-minute load average: benchmarks on a busy machine are not comparable. */
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
    python: pythonJugSource ? sh("python3 --version") : undefined,
    kernel: sh("uname -r"),
  };
}

// ---- the report -------------------------------------------------------------------------------

const raw = {
  date: new Date().toISOString(),
  commit: spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim(),
  quick,
  machine: machine(),
  load: loadAverage(),
  results: {},
};
const rows = [];
/** One table row: `values` has one cell per implementation; `reference` is Python's published figure. */
function report(name, values, reference = "", target = "") {
  rows.push({ name, values, reference, target });
  console.error(`  ${name}: ${values.join(" | ")}`);
}
/** "wall s [min-max], CPU s" of repeated runs. */
function timing(runs) {
  const wall = runs.map((r) => r.seconds);
  return `**${median(wall).toFixed(2)} s** [${range(wall)}], CPU ${median(runs.map((r) => r.cpu)).toFixed(2)} s`;
}
/** `measure(impl)` for each implementation, REPS times, interleaved (so slow phases of the disk or of other load hit all). */
function interleaved(measure) {
  const runs = implementations.map(() => []);
  for (let i = 0; i < REPS; i++) implementations.forEach((impl, k) => runs[k].push(measure(impl)));
  return runs;
}

console.error(`jug runtime benchmark (${quick ? "quick" : "full"}): N=${N_SMALL} and ${N_LARGE}, ${REPS} repetition(s); ${implementations.map((i) => i.name).join(", ")}`);

// ---- per-task overhead ------------------------------------------------------------------------

function overhead(label, base, workers, reference) {
  const runs = interleaved((impl) => {
    const store = storePath(base, label, impl);
    const result = { empty: executeFresh(impl, 0, store, workers), full: executeFresh(impl, N_SMALL, store, workers) };
    rmSync(store, { recursive: true, force: true });
    return result;
  });
  const cells = runs.map((rs) => {
    const perTask = (key) => ((median(rs.map((r) => r.full[key])) - median(rs.map((r) => r.empty[key]))) / N_SMALL) * 1000;
    return `**${perTask("seconds").toFixed(3)} ms/task** wall, ${perTask("cpu").toFixed(3)} ms/task CPU (${timing(rs.map((r) => r.full))}; N=0: ${median(rs.map((r) => r.empty.seconds)).toFixed(2)} s)`;
  });
  raw.results[`overhead-${label}`] = runs;
  report(
    `execute ${count(N_SMALL)} trivial tasks, ${workers} worker${workers > 1 ? "s" : ""}, store on ${base === tmpfsBase ? "tmpfs" : "disk"}`,
    cells,
    reference,
    reference ? `< ${(parseFloat(reference) / 10).toFixed(3)} ms/task` : "",
  );
}

if (wanted("overhead")) {
  overhead("disk-1", diskBase, 1, "1.30 ms/task");
  overhead("disk-2", diskBase, 2, "0.86 ms/task");
  overhead("tmpfs-1", tmpfsBase, 1, "0.26 ms/task");
  overhead("tmpfs-2", tmpfsBase, 2, "");
}

// ---- status, no-op re-execute and disk use on a complete store ---------------------------------

function completeStore(label, base, n, references) {
  const stores = implementations.map((impl) => storePath(base, label, impl));
  const executes = implementations.map((impl, k) => executeFresh(impl, n, stores[k], 1));
  const where = base === tmpfsBase ? "tmpfs" : "disk";
  if (n === N_LARGE) {
    report(`execute ${count(n)} trivial tasks, 1 worker (${where})`, executes.map((r) => `${r.seconds.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s`), references.execute);
    report(`worker peak memory over ${count(n)} tasks (1 worker, max RSS)`, executes.map((r) => `**${(r.peakKiB / 1024).toFixed(0)} MB**`), references.memory, "< 120 MB");
  }
  const status = interleaved((impl) => runFor(impl, "status", n, stores[implementations.indexOf(impl)]));
  report(
    `status, ${count(n)} complete tasks (${where})`,
    status.map((rs) => `${timing(rs)}; peak RSS ${(Math.max(...rs.map((r) => r.peakKiB)) / 1024).toFixed(0)} MB`),
    references.status,
    n === N_LARGE ? "< 0.3 s" : "",
  );
  const noop = interleaved((impl) => runFor(impl, "noop", n, stores[implementations.indexOf(impl)]));
  report(`no-op re-execute, ${count(n)} complete tasks (${where})`, noop.map(timing), references.noop, n === N_LARGE ? "< 0.5 s" : "");
  const use = stores.map(diskUsage);
  report(
    `disk per trivial result (${count(n + 1)} results, ${where === "disk" ? raw.machine.disk.split(/\s+/)[0] : "tmpfs"}, du)`,
    use.map((u) => `**${(u.allocated / (n + 1) / 1024).toFixed(3)} KiB** (${(u.allocated / 2 ** 20).toFixed(1)} MiB in ${u.files} files; ${(u.apparent / (n + 1)).toFixed(0)} B/result of content)`),
    references.disk,
    "< 0.5 KiB",
  );
  raw.results[`complete-${label}`] = { executes, status, noop, use };
  stores.forEach((s) => rmSync(s, { recursive: true, force: true }));
}

const isFull = (n, full) => (n === full ? undefined : "");
if (wanted("small")) {
  completeStore("small", diskBase, N_SMALL, { status: isFull(N_SMALL, 20_000) ?? "0.44 s", noop: isFull(N_SMALL, 20_000) ?? "0.48 s", disk: "4.2 KiB" });
}
if (wanted("large")) {
  const full = (text) => isFull(N_LARGE, 100_000) ?? text;
  completeStore("large", tmpfsBase, N_LARGE, {
    execute: full("25.3 s"),
    memory: full("147 MB"),
    status: full("1.35-1.46 s"),
    noop: full("1.76 s"),
    disk: full("about 4 KiB (391 MB)"),
  });
}

// ---- fixed cost of a command (what no per-task work can go below) -----------------------------

if (wanted("floor")) {
  const bare = interleaved((impl) => run(...impl.bare()));
  report("the language's own start (`node -e 0`; `python3 -c 0`), for scale", bare.map(timing));
  const stores = implementations.map((impl) => storePath(tmpfsBase, "floor", impl));
  const empty = interleaved((impl) => runFor(impl, "status", 0, stores[implementations.indexOf(impl)]));
  report("status, 0 tasks, empty store (process start + CLI + jugfile load)", empty.map(timing));
  stores.forEach((s) => rmSync(s, { recursive: true, force: true }));
  for (const base of [diskBase, tmpfsBase]) {
    const micros = syscallFloor(base);
    report(
      `file-system calls a task needs (symlink + unlink of its lock entry, one append, one stat), in a loop, on ${base === tmpfsBase ? "tmpfs" : "disk"}`,
      [`**${micros.toFixed(1)} µs/task**`, ...(pythonJugSource ? [""] : [])],
    );
  }
}

/** Microseconds per task of the four system calls the file store makes for each task (no jug code), median of 3 x 20,000. */
function syscallFloor(base) {
  const dir = mkdtempSync(join(base, "jugbench-floor-"));
  const log = openSync(join(dir, "log"), "a");
  const record = Buffer.alloc(224);
  const rounds = [0, 1, 2].map(() => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) {
      const entry = join(dir, `${i}.lock`);
      symlinkSync("owner", entry);
      statSync(dir);
      writeSync(log, record);
      unlinkSync(entry);
    }
    return Number(process.hrtime.bigint() - started) / 1e3 / 20_000;
  });
  closeSync(log);
  rmSync(dir, { recursive: true, force: true });
  return median(rounds);
}

// ---- wake-up latency (ours only: Python jug polls with a fixed sleep) ---------------------------

if (wanted("wakeup")) {
  const cross = [];
  const own = [];
  const records = mkdtempSync(join(tmpfsBase, "jugbench-wake-"));
  const store = storePath(diskBase, "wake", typescript);
  for (let round = 0; round < WAKE_ROUNDS; round++) {
    rmSync(store, { recursive: true, force: true });
    for (const f of readdirSync(records)) rmSync(join(records, f));
    run(process.execPath, [jug, "execute", wakeup, "-j", "2", "--jugdir", store], { env: { BENCH_WAKE_DIR: records, BENCH_WAKE_ROUND: String(round) } });
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
    [
      cross.length
        ? `**${median(cross).toFixed(1)} ms** median [${range(cross)} ms] over ${cross.length} rounds; same worker: ${own.length ? median(own).toFixed(1) : "n/a"} ms`
        : `no round had the other worker waiting and taking a dependent (same worker: ${median(own).toFixed(1)} ms)`,
      ...(pythonJugSource ? ["(not measured)"] : []),
    ],
    "up to 12,000 ms (polling sleep)",
    "< 100 ms",
  );
}

// ---- output -----------------------------------------------------------------------------------

const m = raw.machine;
console.log(
  `\nMachine: ${m.cpus} CPUs (${m.cpu}), ${m.memoryGiB} GiB RAM, store disk ${m.disk}, tmpfs /dev/shm; Node ${m.node}` +
    `${m.python ? `, ${m.python}` : ""}; commit ${raw.commit}; ${raw.date}${quick ? " (quick mode)" : ""}; ` +
    `load average ${raw.load} at start, ${loadAverage()} at end\n`,
);
const columns = ["measurement", ...implementations.map((i) => i.name), "Python jug (jug-semantics.md 4, idle machine)", "target"];
console.log(`| ${columns.join(" | ")} |`);
console.log(`|${columns.map(() => " --- |").join("")}`);
for (const r of rows) console.log(`| ${[r.name, ...r.values, r.reference, r.target].join(" | ")} |`);
const out = join(resultsDir, `runtime-${raw.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(out, JSON.stringify(raw, null, 2));
console.log(`\nraw numbers: ${out}`);
