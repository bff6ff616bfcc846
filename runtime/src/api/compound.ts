/**
 * CompoundTask / CompoundTaskGenerator (jug/compound.py): a function that builds a graph of tasks
 * at load time, cached as one task. The first time, `fn(...args)` runs while the jugfile loads
 * and its tasks join the jugfile; a task named `jug.compound.<fn name>` stores the graph's final
 * value under the hash of the call `fn(...args)`. Once that is stored, later loads return the
 * stored task at once and never build the inner graph.
 */
import { hashTask } from "../hash";
import { currentCompletionCheck } from "./barrier";
import { TaskGenerator, TaskLike, taskWithHash, type Task } from "./task";
import type { Wrapped } from "./wrappers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function may build a graph
type AnyFunction = (...args: any[]) => unknown;

/** The value a task receives for an input of type X (tasks replaced by their results). */
export type ValueOf<X> =
  X extends TaskLike<infer T> ? T : X extends Wrapped<infer T> ? T : X extends readonly unknown[] ? { -readonly [K in keyof X]: ValueOf<X[K]> } : X;

/** One generator per graph-building function name (all share compoundResult's source, so names never collide). */
const executors = new Map<string, (inner: unknown) => Task<unknown>>();

function executorFor(shortName: string): (inner: unknown) => Task<unknown> {
  let executor = executors.get(shortName);
  if (!executor) {
    executor = TaskGenerator(function compoundResult(inner: unknown) {
      return inner;
    }, { name: `jug.compound.${shortName}` });
    executors.set(shortName, executor);
  }
  return executor;
}

/**
 * The task of `fn(...args)` when stored; otherwise builds the graph `fn(...args)` returns (now, at
 * load time) and returns a task giving its final value, stored under the same hash. Async (it
 * asks the store): `const model = await CompoundTask(trainAll, data)`.
 */
export async function CompoundTask<F extends AnyFunction>(fn: F, ...args: Parameters<F>): Promise<Task<ValueOf<Awaited<ReturnType<F>>>>> {
  const generator = TaskGenerator(fn);
  const hash = hashTask(generator.taskName, args);
  if (await currentCompletionCheck()(hash)) return generator(...(args as unknown as never[])) as Task<ValueOf<Awaited<ReturnType<F>>>>;
  const inner: unknown = await fn(...args); // a builder may be async (e.g. it lists files first)
  return taskWithHash(executorFor(generator.name) as (...a: never[]) => Task<unknown>, [inner], hash) as Task<ValueOf<Awaited<ReturnType<F>>>>;
}

/** `fn` made a generator of CompoundTasks: `(...args) => CompoundTask(fn, ...args)`. */
export function CompoundTaskGenerator<F extends AnyFunction>(fn: F): (...args: Parameters<F>) => Promise<Task<ValueOf<Awaited<ReturnType<F>>>>> {
  return (...args) => CompoundTask(fn, ...args);
}
