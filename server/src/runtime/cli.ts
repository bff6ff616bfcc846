/**
 * Runs one runtime CLI command (no shell) with a timeout. The process gets its own process group
 * so a hanging jugfile (and anything it spawned) is killed as a whole.
 */
import { spawn } from "node:child_process";
import { killGroup } from "../workers/processes";

export interface CliCall {
  node: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Cap on captured output per stream. */
  maxOutput?: number;
}

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started at all. */
  spawnError: string | null;
}

export function runCli(call: CliCall): Promise<CliOutcome> {
  const max = call.maxOutput ?? 64 * 1024 * 1024;
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const finish = (outcome: Omit<CliOutcome, "stdout" | "stderr" | "timedOut">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, stdout, stderr, timedOut });
    };
    const child = spawn(call.node, call.args, {
      cwd: call.cwd,
      env: call.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: process.platform !== "win32",
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) killGroup(child.pid, "SIGKILL");
    }, call.timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < max) stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < max) stderr += chunk;
    });
    child.on("error", (error) => finish({ code: null, signal: null, spawnError: `cannot start ${call.node}: ${error.message}` }));
    child.on("close", (code, signal) => finish({ code, signal, spawnError: null }));
  });
}
