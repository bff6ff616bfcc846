/**
 * jugExecute (jug.utils.jug_execute): a task that runs a command. A non-zero exit fails the task
 * (unless checkExit is false). runAfter and returnValue only add dependencies / set the result.
 */
import { spawn } from "node:child_process";
import { TaskGenerator, type Input, type Task } from "./task";

export interface JugExecuteOptions<R> {
  /** Fail the task when the command exits non-zero (default true). */
  checkExit?: boolean;
  /** Tasks (or anything holding tasks) that must be complete before the command runs. */
  runAfter?: Input<unknown>;
  /** The task's result instead of the exit code. */
  returnValue?: Input<R>;
  /** Working directory of the command (default: the worker's). */
  cwd?: string;
}

const runCommand = TaskGenerator(
  async function jugExecute(argv: string[], checkExit: boolean, runAfter: unknown, returnValue: unknown, cwd: string | null): Promise<unknown> {
    void runAfter;
    if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string")) {
      throw new TypeError(`jugExecute needs a non-empty array of strings, got ${JSON.stringify(argv)}`);
    }
    const [command, ...args] = argv;
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(command!, args, { stdio: "inherit", cwd: cwd ?? undefined });
      child.on("error", (e) => reject(new Error(`jugExecute: cannot run ${command}: ${e.message}`)));
      child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
    });
    if (checkExit && code !== 0) throw new Error(`jugExecute: ${argv.join(" ")} exited with code ${code}`);
    return returnValue === undefined ? code : returnValue;
  },
  { name: "jug.jugExecute" },
);

/** A task that runs `argv` (no shell): its result is the exit code, or `returnValue`. */
export function jugExecute(argv: Input<string[]>, options?: JugExecuteOptions<never> & { returnValue?: undefined }): Task<number>;
export function jugExecute<R>(argv: Input<string[]>, options: JugExecuteOptions<R> & { returnValue: Input<R> }): Task<R>;
export function jugExecute<R>(argv: Input<string[]>, options: JugExecuteOptions<R> = {}): Task<number | R> {
  const { checkExit = true, runAfter = null, returnValue, cwd = null } = options;
  return runCommand(argv, checkExit, runAfter, returnValue, cwd) as Task<number | R>;
}
