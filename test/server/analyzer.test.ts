import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import type * as AnalyzerModule from "../../server/src/analysis/analyzer";
import type * as RemapModule from "../../server/src/analysis/remap";
import type { Analysis } from "../../server/src/analysis/types";
import { fixture, readDisk, serverModule } from "./fixtures";

const { Analyzer, targetMatchesAny } = serverModule<typeof AnalyzerModule>("analysis/analyzer");
const { lineShift } = serverModule<typeof RemapModule>("analysis/remap");

const analyzer = new Analyzer(readDisk);

function analyzeFixture(...parts: string[]): Analysis {
  const file = fixture(...parts);
  return analyzer.analyze(file, fs.readFileSync(file, "utf8"));
}

/** "line:name:kind" (1-based line), "*" when the site creates many tasks. */
function sites(analysis: Analysis): string[] {
  return analysis.sites.map((s) => `${s.span.line + 1}:${s.name}:${s.kind}${s.repeated ? "*" : ""}`);
}

test("named, renamed and namespace imports; generators; loops, callbacks, nesting, arrays", () => {
  const a = analyzeFixture("analyzer", "patterns.ts");
  assert.equal(a.isJugfile, true);
  assert.deepEqual(
    a.generators.map((g) => `${g.localName}=${g.name}${g.compound ? " (compound)" : ""}`),
    ["loadData=load", "total=sum", "square=square", "pipeline=pipeline (compound)"],
  );
  assert.deepEqual(sites(a), [
    "12:square:generator*", // inside the compound function body
    "15:load:generator*", // files.map((f) => loadData(f))
    "16:square:generator", // [square(1), square(2)]
    "16:square:generator",
    "18:square:generator*", // for loop
    "20:sum:generator", // total(... .concat([ident(squares)]))
    "20:identity:identity", // renamed import `identity as ident`
    "21:sum:task", // new Task(sum, ...)
    "22:load:task", // new jug.Task(...)
    "23:square:mapreduce*",
    "24:sum:mapreduce*", // jug.mapreduce.mapreduce
    "25:square:generator*", // [7, 8].map(square)
    "26:pipeline:generator",
    "27:sum:generator", // total([square(9), square(10)])
    "27:square:generator",
    "27:square:generator",
    "28:jugExecute:task",
    "29:jugExecute:task",
    "31:square:task", // await CachedFunction(square, 4)
  ]);
});

test("a target naming no generator is reported at the string; a known one is not", () => {
  const a = analyzeFixture("analyzer", "patterns.ts");
  const targets = a.diagnostics.filter((d) => d.code === "unknown-target");
  assert.equal(targets.length, 1);
  assert.equal(targets[0]!.span.line + 1, 29);
  assert.match(targets[0]!.message, /"nosuchthing" matches no task generator in patterns\.ts \(known: .*square/);
  assert.equal(targetMatchesAny("/^jugfile\\.sq/", ["jugfile.square"]), true);
  assert.equal(targetMatchesAny("jugfile.square", ["square"]), true);
});

test("anonymous task functions are errors at the function", () => {
  const a = analyzeFixture("analyzer", "anonymous.ts");
  const anonymous = a.diagnostics.filter((d) => d.code === "anonymous-task-function").map((d) => d.span.line + 1);
  assert.deepEqual(anonymous, [2, 3, 8]);
  assert.deepEqual(sites(a), ["5:null:generator", "6:null:generator", "7:named:generator", "8:null:task"]);
});

test("a file importing nothing from jug is not a jugfile and has no sites, even with a look-alike name", () => {
  const a = analyzeFixture("analyzer", "nojug.ts");
  assert.equal(a.isJugfile, false);
  assert.deepEqual(a.sites, []);
});

test("re-exports through local modules: renamed, namespace, export *, exported generators", () => {
  const a = analyzeFixture("analyzer", "reexport", "jugfile.ts");
  assert.equal(a.isJugfile, true);
  assert.deepEqual(sites(a), [
    "6:double:generator", // doubleIt exported by ./tasks.js (resolved to tasks.ts)
    "7:inc:generator", // TG = TaskGenerator re-exported under another name
    "8:double:generator", // lib.doubleIt via namespace import of the local module
    "9:inc:task", // new J.Task: `export * as J from "jug"`
    "10:inc:task", // Task from `export * from "jug"`
    "11:identity:identity", // lib.J.identity
  ]);
});

test("CommonJS jugfiles: destructured and whole-module require", () => {
  const a = analyzeFixture("analyzer", "cjs", "jugfile.js");
  assert.deepEqual(sites(a), ["6:half:generator", "7:third:generator", "7:half:generator"]);
});

test("a jugfile.* name alone makes a jugfile; a missing local module is reported", () => {
  const a = analyzer.analyze("/nowhere/jugfile.ts", 'import { x } from "./missing";\nconsole.log(x);\n');
  assert.equal(a.isJugfile, true);
  assert.deepEqual(a.sites, []);
  assert.equal(a.diagnostics[0]?.code, "unresolved-local-module");
  assert.match(a.diagnostics[0]!.message, /"\.\/missing"/);
});

test("syntax errors keep the last good sites, moved with the lines typed above them", () => {
  const local = new Analyzer(readDisk);
  const good = 'import { TaskGenerator } from "jug";\nfunction f(x: number) { return x; }\nconst t = TaskGenerator(f);\nt(1);\nt(2);\n';
  const first = local.analyze("/ws/jugfile.ts", good, 1);
  assert.deepEqual(sites(first), ["4:f:generator", "5:f:generator"]);
  // Two lines inserted above the calls, and an unfinished call that swallows the rest.
  const broken = good.replace("t(1);", "// note\n// more\nt(1);").replace("t(2);", "t(2);\nconst y = t(;\nfor (");
  const during = local.analyze("/ws/jugfile.ts", broken, 2);
  assert.ok(during.syntaxErrors.length > 0);
  assert.ok(during.sites.length >= 2, "never fewer sites than the last good version");
  assert.deepEqual(sites(during).slice(0, 2), ["6:f:generator", "7:f:generator"]);
  // Deleting the call lines while broken: the last good sites are shifted, not left on stale lines.
  const gutted = 'import { TaskGenerator } from "jug";\n\nconst t = TaskGenerator(f\n';
  const gone = local.analyze("/ws/jugfile.ts", gutted, 3);
  assert.equal(gone.fromLastGood, true);
  assert.equal(gone.sites.length, 2);
  assert.ok(gone.sites.every((s) => s.span.line <= 3));
});

test("results are cached by (path, version)", () => {
  const local = new Analyzer(readDisk);
  const text = 'import { TaskGenerator } from "jug";\nconst t = TaskGenerator(function g() {});\nt();\n';
  const a = local.analyze("/ws/a/jugfile.ts", text, 7);
  assert.equal(local.analyze("/ws/a/jugfile.ts", text, 7), a);
  assert.notEqual(local.analyze("/ws/a/jugfile.ts", text, 8), a);
});

test("lineShift keeps the prefix, shifts the suffix, clamps the changed middle", () => {
  const shift = lineShift("a\nb\nc\nd\n", "a\nX\nY\nZ\nc\nd\n");
  assert.deepEqual([0, 1, 2, 3].map(shift), [0, 1, 4, 5]);
});

test("lineShift matches moved lines inside a changed region and keeps edited lines after their neighbour", () => {
  const before = ["head", "one()", "two()", "three()", "tail"].join("\n");
  const after = ["head", "// new", "one()", "two(;", "for (", "three()", "tail"].join("\n");
  const shift = lineShift(before, after);
  assert.deepEqual([0, 1, 2, 3, 4].map(shift), [0, 2, 3, 5, 6]);
});

test("lineShift pairs an edited line with its most similar new line, not with lines inserted above it", () => {
  const before = ["head", "const one = f(1);", "tail"].join("\n");
  const after = ["head", "", "// inputs", "const two = f(2);", "const one = f(7);", "tail"].join("\n");
  assert.deepEqual([0, 1, 2].map(lineShift(before, after)), [0, 4, 5]);
});

test("a 20,000-line file: every one of its 5,000 call sites is found (timings: bench/server.mjs)", { timeout: 30_000 }, () => {
  const lines = ['import { TaskGenerator } from "jug";', "function step(x: number) { return x + 1; }", "const s = TaskGenerator(step);"];
  for (let i = 0; i < 20_000; i++) lines.push(i % 4 === 0 ? `const v${i} = s(${i});` : `// filler ${i}`);
  const local = new Analyzer(readDisk);
  local.analyze("/ws/big/jugfile.ts", "// warm up\n");
  const a = local.analyze("/ws/big/jugfile.ts", lines.join("\n"));
  assert.equal(a.sites.length, 5000);
  assert.equal(a.sites[4999]!.span.line, 3 + 19_996);
});
