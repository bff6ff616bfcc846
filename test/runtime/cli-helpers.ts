/** Runs the real CLI (`node runtime/bin/jug.js`) on fixture jugfiles copied to a temporary directory. */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..", "..");
export const JUG_BIN = path.join(REPO, "runtime", "bin", "jug.js");
export const FIXTURES = path.join(REPO, "test", "runtime", "fixtures");

export interface JugRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A fresh temporary directory holding a copy of fixture `name` (its jugfile.ts and any other files). */
export function fixtureProject(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `jug-${name}-`));
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, "log"));
  return dir;
}

/** `detached` makes the CLI a process group leader, so a test can signal the group like a terminal's Ctrl-C. */
export function spawnJug(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, detached = false): ChildProcess {
  return spawn(process.execPath, [JUG_BIN, ...args], {
    cwd,
    env: { ...process.env, JUGTEST_LOG: path.join(cwd, "log"), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached,
  });
}

/** Waits for a spawned CLI to exit and collects its output. */
export function finished(child: ChildProcess): Promise<JugRun> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

export function jug(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<JugRun> {
  return finished(spawnJug(args, cwd, env));
}

/** Lines of every per-process log file the fixture tasks wrote (<project>/log/<pid>.log). */
export function logLines(project: string): { pid: string; line: string }[] {
  const dir = path.join(project, "log");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".log"))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => ({ pid: path.basename(f, ".log"), line })),
    );
}

export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** 1-based line and column of the first occurrence of `needle` in `file` (after `after`, if given). */
export function positionOf(file: string, needle: string, after = ""): { line: number; column: number } {
  const text = fs.readFileSync(file, "utf8");
  const index = text.indexOf(needle, after ? text.indexOf(after) : 0);
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}
