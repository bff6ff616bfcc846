#!/usr/bin/env node
// Language server benchmark (issue 3, item 7): the compiled server (server/dist/server.js) over stdio,
// driven like an editor with vscode-jsonrpc. Measures
//   - first lenses: process spawn -> initialize -> didOpen -> codeLens answered (cold start),
//   - lenses after an edit (warm): didChange of a 2,000-line jugfile -> codeLens answered,
//   - memory over 1,000 edits: server RSS after 100 and after 1,000 edits,
//   - a 20,000-line file: didOpen -> codeLens answered.
// Usage: node bench/server.mjs [--edits N] [--json]   (build first: npx tsc -b server)
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = require("vscode-jsonrpc/node");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const serverJs = path.join(root, "server", "dist", "server.js");
const args = process.argv.slice(2);
const edits = Number(args[args.indexOf("--edits") + 1]) || 1000;

/** A jugfile of `lines` lines: generators, plain calls, loops, map callbacks, nested calls. */
export function syntheticJugfile(lines) {
  const out = ['import { TaskGenerator, mapreduce } from "jug";', ""];
  for (let g = 0; g < 20; g++) {
    out.push(`function step${g}(x: number, y: number = 0): number { return x * ${g} + y; }`);
    out.push(`const step${g}T = TaskGenerator(step${g});`);
  }
  let i = 0;
  while (out.length < lines - 1) {
    const g = i % 20;
    switch (i % 5) {
      case 0: out.push(`const v${i} = step${g}T(${i});`); break;
      case 1: out.push(`const w${i} = [1, 2, 3].map((k) => step${g}T(k, ${i}));`); break;
      case 2: out.push(`for (let k = 0; k < 3; k++) step${g}T(k, step${(g + 1) % 20}T(${i}));`); break;
      case 3: out.push(`// plain code between tasks ${i}: const notATask = Math.max(${i}, 2);`); break;
      default: out.push(`const m${i} = mapreduce.map(step${g}, [${i}, ${i + 1}]);`);
    }
    i++;
  }
  out.push("export {};");
  return out.join("\n");
}

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function startServer(dir) {
  const started = performance.now();
  const child = spawn(process.execPath, [serverJs, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  connection.onRequest("workspace/codeLens/refresh", () => null);
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.listen();
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: pathToFileURL(dir).toString(),
    capabilities: { workspace: { codeLens: { refreshSupport: true } }, textDocument: { codeLens: {} } },
    initializationOptions: { trusted: false },
  });
  await connection.sendNotification("initialized", {});
  return { child, connection, started };
}

async function stopServer({ child, connection }) {
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  await new Promise((resolve) => child.on("exit", resolve));
  connection.dispose();
}

/** The server's own work per edit, in this process: analysis of the edited text + building the lenses. */
function inProcessEditMs(text, count) {
  const { Analyzer } = require(path.join(root, "server", "dist", "analysis", "analyzer.js"));
  const { siteLenses } = require(path.join(root, "server", "dist", "features", "lenses.js"));
  const analyzer = new Analyzer(() => undefined);
  analyzer.analyze("/bench/jugfile.ts", text, 0);
  const ctx = { uri: "file:///bench/jugfile.ts", trusted: true, dirty: false, source: "none", loadFailed: false };
  const times = [];
  for (let n = 1; n <= count; n++) {
    const t = performance.now();
    const analysis = analyzer.analyze("/bench/jugfile.ts", text.replace("step1T(1)", `step1T(${n})`), n);
    JSON.stringify(analysis.sites.flatMap((site) => siteLenses(site, [], ctx)));
    times.push(performance.now() - t);
  }
  return times;
}

async function main() {
  const loadavgBefore = os.loadavg()[0];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-bench-server-"));
  const file = path.join(dir, "jugfile.ts");
  const text = syntheticJugfile(2000);
  fs.writeFileSync(file, text);
  const uri = pathToFileURL(file).toString();

  // Cold: spawn to first lenses.
  const server = await startServer(dir);
  await server.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "typescript", version: 1, text } });
  const firstLenses = await server.connection.sendRequest("textDocument/codeLens", { textDocument: { uri } });
  const firstMs = performance.now() - server.started;

  // Warm: edit a number in the middle of the file, then ask for lenses (what an editor does after each keystroke).
  const lines = text.split("\n");
  const middle = Math.floor(lines.length / 2);
  const times = [];
  let rssAfter100 = 0;
  for (let n = 1; n <= edits; n++) {
    const edited = [...lines];
    edited[middle] = `const edit${n} = step1T(${n});`;
    const t = performance.now();
    await server.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: n + 1 },
      contentChanges: [{ text: edited.join("\n") }],
    });
    const lenses = await server.connection.sendRequest("textDocument/codeLens", { textDocument: { uri } });
    times.push(performance.now() - t);
    if (lenses.length === 0) throw new Error("no lenses after an edit");
    if (n === 100) rssAfter100 = rssKiB(server.child.pid);
  }
  const rssAfterAll = rssKiB(server.child.pid);

  // A 20,000-line file in the same server.
  const bigFile = path.join(dir, "big", "jugfile.ts");
  fs.mkdirSync(path.dirname(bigFile));
  const bigText = syntheticJugfile(20_000);
  fs.writeFileSync(bigFile, bigText);
  const bigUri = pathToFileURL(bigFile).toString();
  const tb = performance.now();
  await server.connection.sendNotification("textDocument/didOpen", { textDocument: { uri: bigUri, languageId: "typescript", version: 1, text: bigText } });
  const bigLenses = await server.connection.sendRequest("textDocument/codeLens", { textDocument: { uri: bigUri } });
  const bigMs = performance.now() - tb;
  await stopServer(server);

  const own = inProcessEditMs(text, 200);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadavgBefore,
    loadavg: os.loadavg()[0],
    lines: 2000,
    lenses: firstLenses.length,
    firstLensesMs: Math.round(firstMs),
    edits,
    editMedianMs: Number(median(times).toFixed(1)),
    editP95Ms: Number(percentile(times, 95).toFixed(1)),
    ownEditMedianMs: Number(median(own).toFixed(1)),
    ownEditP95Ms: Number(percentile(own, 95).toFixed(1)),
    rssAfter100EditsMiB: Math.round(rssAfter100 / 1024),
    rssAfterAllEditsMiB: Math.round(rssAfterAll / 1024),
    bigFileLines: 20_000,
    bigFileLenses: bigLenses.length,
    bigFileMs: Math.round(bigMs),
  };
  if (args.includes("--json")) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`| measure | target | result |`);
  console.log(`|---|---|---|`);
  console.log(`| first lenses after start (spawn → lenses, ${result.lines}-line jugfile, ${result.lenses} lenses) | < 1.5 s | ${result.firstLensesMs} ms |`);
  console.log(`| lenses after an edit, warm (didChange → codeLens, median / p95 of ${edits}) | < 50 ms | ${result.editMedianMs} / ${result.editP95Ms} ms |`);
  console.log(`| the server's own work per edit (analysis + lenses, in process, median / p95 of 200) | | ${result.ownEditMedianMs} / ${result.ownEditP95Ms} ms |`);
  console.log(`| server RSS after 100 / ${edits} edits | flat | ${result.rssAfter100EditsMiB} / ${result.rssAfterAllEditsMiB} MiB |`);
  console.log(`| 20,000-line jugfile: open → lenses (${result.bigFileLenses} lenses) | stays up | ${result.bigFileMs} ms |`);
  console.log(`(node ${result.node}, ${result.cpus} cores, load average ${result.loadavgBefore.toFixed(1)} before / ${result.loadavg.toFixed(1)} after)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
