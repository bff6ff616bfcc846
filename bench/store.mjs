#!/usr/bin/env node
// File store micro-benchmark: the store alone, in-process, through the compiled runtime
// (`jug/store` from runtime/dist). Prints a Markdown table, tmpfs beside disk.
//
//   node bench/store.mjs                       20,000 and 100,000 results, 3 repetitions
//   node bench/store.mjs --quick               2,000 and 10,000 results, 1 repetition
//   node bench/store.mjs --runtime=DIR         measure another build (DIR holds dist/ and package.json,
//                                              e.g. a copy of runtime/ taken before a change)
//   node bench/store.mjs --fs=tmpfs            only one file system (tmpfs or disk)
//
// Every measurement runs in a fresh child process (`--expose-gc`), so a cold open is really cold and
// one measurement's garbage does not bill the next. CPU is user + system (process.cpuUsage), the
// number to compare on a shared machine; wall is given beside it. Heap and external are deltas after
// a full GC (external counts ArrayBuffers: the index's typed arrays and kept bytes). Values are
// medians over the repetitions.
//
// Results are trivial ones, as the trivial jugfile writes them: a 64-hex hash, 6 bytes of data,
// metadata of ~140 bytes (name, 64-hex code hash, worker, ISO time, short preview).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const option = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const hashOf = (i) => createHash("sha256").update(`task ${i}`).digest("hex");
const CODE_HASH = hashOf(-1);

function loadStore(runtimeDir) {
  return createRequire(join(runtimeDir, "package.json"))(join(runtimeDir, "dist", "store", "index.js"));
}

function measure(fn) {
  global.gc();
  const heap0 = process.memoryUsage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return Promise.resolve(fn()).then((value) => {
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    global.gc();
    const heap1 = process.memoryUsage();
    return {
      value,
      wallMs: wall,
      cpuMs: (cpu.user + cpu.system) / 1000,
      heapMB: (heap1.heapUsed - heap0.heapUsed) / 1e6,
      externalMB: (heap1.external - heap0.external) / 1e6,
      rssMB: heap1.rss / 1e6,
    };
  });
}

// ---- child: one measurement, printed as JSON --------------------------------------------------

async function child([what, runtimeDir, dir, nText]) {
  const { openStore } = loadStore(runtimeDir);
  const n = Number(nText);
  const worker = `${hostname()}:${process.pid}`;
  const metaOf = (i) => ({ name: "jugfile.double", duration: 1e-5, size: 6, worker, time: new Date().toISOString(), preview: String(2 * i), codeHash: CODE_HASH });
  const data = Buffer.from([0x4a, 1, 0xff, 0x0f, 0x49, 4]);
  const hashes = Array.from({ length: n }, (_, i) => hashOf(i));
  const out = {};
  const owner = { worker, host: hostname(), pid: process.pid, since: new Date().toISOString() };
  if (what === "build") {
    const store = await openStore(dir);
    out.write = await measure(async () => {
      for (let i = 0; i < n; i++) await store.write(hashes[i], data, metaOf(i));
      await store.close();
    });
  } else if (what === "open") {
    let store;
    out.open = await measure(async () => {
      store = await openStore(dir);
      return (await store.snapshot()).results.has(hashes[0]);
    });
    const size = (await store.snapshot()).results.size; // not measured: counted on demand, and nothing on a hot path asks
    if (!out.open.value || size !== n) throw new Error(`${dir}: ${size} results, ${n} expected`);
    out.has = await measure(async () => {
      let found = 0;
      for (const h of hashes) if (await store.has(h)) found++;
      return found;
    });
    out.meta = await measure(async () => {
      const results = (await store.snapshot()).results;
      let bytes = 0;
      for (const h of hashes) bytes += results.get(h).preview.length;
      return bytes;
    });
    await store.close();
  } else if (what === "lock") {
    const store = await openStore(dir);
    out.lock = await measure(async () => {
      for (const h of hashes) await (await store.lock(h, owner)).release();
      await store.close();
    });
  } else if (what === "cycle") {
    // What a worker asks of the store per task: has -> lock -> has -> write -> release.
    const store = await openStore(dir);
    out.cycle = await measure(async () => {
      for (let i = 0; i < n; i++) {
        const h = hashes[i];
        if (await store.has(h)) continue;
        const lock = await store.lock(h, owner);
        if (!(await store.has(h))) await store.write(h, data, metaOf(i));
        await lock.release();
      }
      await store.close();
    });
  }
  process.stdout.write(JSON.stringify(out));
}

// ---- parent ------------------------------------------------------------------------------------

function runChild(args) {
  const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--child", ...args], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench child ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function summary(samples) {
  const pick = (k) => median(samples.map((s) => s[k]));
  return { wallMs: pick("wallMs"), cpuMs: pick("cpuMs"), heapMB: pick("heapMB"), externalMB: pick("externalMB"), rssMB: pick("rssMB") };
}

async function main() {
  const quick = process.argv.includes("--quick");
  const runtimeDir = resolve(option("runtime") ?? join(root, "runtime"));
  const small = quick ? 2_000 : 20_000;
  const large = quick ? 10_000 : 100_000;
  const reps = quick ? 1 : 3;
  const base = join(root, "bench", "results", `store-bench-${process.pid}`);
  // A private copy of the build: a rebuild during the run must not change what is measured.
  const copy = join(base, "runtime");
  for (const part of ["dist", "package.json"]) cpSync(join(runtimeDir, part), join(copy, part), { recursive: true });
  const fileSystems = { tmpfs: `/dev/shm/jug-store-bench-${process.pid}`, disk: join(base, "stores") };
  const wanted = option("fs")?.split(",") ?? Object.keys(fileSystems);
  const rows = new Map();
  const add = (row, fsName, s, perItem) => {
    if (!rows.has(row)) rows.set(row, {});
    rows.get(row)[fsName] = { ...s, perItem };
  };
  try {
    for (const fsName of wanted) {
      const dir = fileSystems[fsName];
      for (const n of [small, large]) {
        const store = join(dir, `s${n}.jugdata`);
        rmSync(store, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        const built = runChild(["build", copy, store, String(n)]);
        if (n === small) add(`write() ${n.toLocaleString("en")} results (fresh store, incl. close)`, fsName, built.write, n);
        const opens = Array.from({ length: reps }, () => runChild(["open", copy, store, String(n)]));
        add(`cold open: openStore + snapshot(), ${n.toLocaleString("en")} results`, fsName, summary(opens.map((o) => o.open)));
        if (n === large) {
          add(`has() x ${n.toLocaleString("en")} (after the open)`, fsName, summary(opens.map((o) => o.has)), n);
          add(`snapshot().results.get() x ${n.toLocaleString("en")} (metadata, status --json)`, fsName, summary(opens.map((o) => o.meta)), n);
        }
      }
      const locks = Array.from({ length: reps }, (_, i) => runChild(["lock", copy, join(dir, `lock${i}.jugdata`), String(small)]));
      add(`lock() + release() x ${small.toLocaleString("en")}`, fsName, summary(locks.map((o) => o.lock)), small);
      const cycles = Array.from({ length: reps }, (_, i) => runChild(["cycle", copy, join(dir, `cycle${i}.jugdata`), String(small)]));
      add(`per task: has, lock, has, write, release x ${small.toLocaleString("en")}`, fsName, summary(cycles.map((o) => o.cycle)), small);
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
    rmSync(fileSystems.tmpfs, { recursive: true, force: true });
  }
  const cell = (s) => {
    if (!s) return "";
    const per = s.perItem ? ` (${((s.cpuMs * 1000) / s.perItem).toFixed(1)} µs/item)` : "";
    return `${s.cpuMs.toFixed(0)} ms CPU${per}, ${s.wallMs.toFixed(0)} ms wall; heap ${s.heapMB.toFixed(1)} MB, ext ${s.externalMB.toFixed(1)} MB`;
  };
  const lines = [`| | ${wanted.join(" | ")} |`, `| --- |${wanted.map(() => " --- |").join("")}`];
  for (const [row, byFs] of rows) lines.push(`| ${row} | ${wanted.map((f) => cell(byFs[f])).join(" | ")} |`);
  process.stdout.write(`${lines.join("\n")}\n`);
  process.stdout.write(`\nnode ${process.version}, ${reps} repetition(s), runtime ${runtimeDir}; heap/ext: deltas after GC\n`);
}

if (process.argv[2] === "--child") await child(process.argv.slice(3));
else await main();
