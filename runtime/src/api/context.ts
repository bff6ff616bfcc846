/**
 * Process-wide facts a jugfile may ask about: whether the jug CLI runs it, and where to load
 * results from for `value()`. Set by the CLI; a plain script that imports "jug" sees the defaults.
 */
import type { Task } from "./task";

export type ResultLoader = (task: Task<unknown>) => Promise<unknown>;

let jugRunning = false;
let resultLoader: ResultLoader | null = null;

/** True inside a process started by the jug CLI (execute, status, shell, ...). */
export function isJugRunning(): boolean {
  return jugRunning;
}

export function setJugRunning(running: boolean): void {
  jugRunning = running;
}

export function setResultLoader(loader: ResultLoader | null): void {
  resultLoader = loader;
}

export function currentResultLoader(): ResultLoader | null {
  return resultLoader;
}
