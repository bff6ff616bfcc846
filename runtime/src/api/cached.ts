/**
 * CachedFunction (jug.task.CachedFunction): a task run while the jugfile loads, when its result is
 * not stored yet, whose value the jugfile gets at once. Async (it reads or runs through the store):
 * `const files = await CachedFunction(listInputs, dir)`.
 */
import { Task, type Inputs } from "./task";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function may become a task
type AnyFunction = (...args: any[]) => unknown;

/** Runs a task whose dependencies are complete (under its lock, storing its result) and returns its value; set by the CLI. */
export type TaskRunner = (task: Task<unknown>) => Promise<unknown>;

let runner: TaskRunner | null = null;

export function setTaskRunner(run: TaskRunner | null): void {
  runner = run;
}

/**
 * The value of `fn(...args)`: loaded from the store when stored, otherwise computed now (once
 * across workers: under the task's lock) and stored. The task is part of the jugfile (status
 * lists it, cleanup keeps it). Its arguments may hold tasks only when those are complete.
 * `fn` may be a TaskGenerator (its task is used) or a plain named function.
 */
export async function CachedFunction<F extends AnyFunction>(fn: F, ...args: Inputs<ParamsOf<F>>): Promise<ResultOf<F>> {
  const generator = fn as { taskName?: unknown };
  const task = (typeof generator.taskName === "string" ? fn(...args) : new (Task as new (f: AnyFunction, ...a: unknown[]) => Task<unknown>)(fn, ...args)) as Task<unknown>;
  if (!runner) throw new Error(`CachedFunction(${task.name}) reads and writes the store, which is only possible inside the jug CLI`);
  return (await runner(task)) as ResultOf<F>;
}

/** A generator's wrapped function, or the function itself. */
type FnOf<F> = F extends { readonly fn: infer G } ? G : F;
type ParamsOf<F> = FnOf<F> extends (...args: infer A) => unknown ? A : never;
type ResultOf<F> = FnOf<F> extends (...args: never[]) => infer R ? Awaited<R> : never;
