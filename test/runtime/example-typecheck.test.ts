// The example and benchmark jugfiles type-check against the runtime's public types, and the
// type system catches the tutorial's "abstraction leak": passing a task where a value is needed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "../../..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

function typecheck(project: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [tsc, "-p", project, "--pretty", "false"], { cwd: root, encoding: "utf8" });
  return { status: r.status, output: r.stdout + r.stderr };
}

test("examples/ and bench/ jugfiles type-check", { timeout: 60_000 }, () => {
  for (const project of ["examples/tsconfig.json", "bench/tsconfig.json"]) {
    const r = typecheck(project);
    assert.equal(r.status, 0, `${project}:\n${r.output}`);
  }
});

test("a task passed to a plain function that expects its value is a type error", { timeout: 60_000 }, () => {
  // A scratch file inside examples/ so it uses that project's settings and resolution of "jug".
  const dir = mkdtempSync(join(root, "examples", "tmp-typecheck-"));
  try {
    writeFileSync(
      join(dir, "leak.ts"),
      [
        'import { TaskGenerator } from "jug";',
        "const computeBic = TaskGenerator(function computeBic(x: number): number { return x; });",
        "function argmin(values: number[]): number { return values.indexOf(Math.min(...values)); }",
        "argmin([computeBic(1), computeBic(2)]);",
        "",
      ].join("\n"),
    );
    const r = typecheck("examples/tsconfig.json");
    assert.notEqual(r.status, 0);
    assert.match(r.output, /leak\.ts\(4,\d+\): error TS2322/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
