/**
 * jug.mapreduce: map and reduce over many inputs in blocks, so that a large list makes a few
 * hundred tasks instead of one per element. The block tasks are named like jug's
 * (jug.mapreduce._jug_map_reduce, _jug_reduce, _jug_map, _jug_map_curry); a mapper or reducer
 * enters their hash by its task name (a TaskGenerator) or by its name and source text.
 */
import { hashValue } from "../hash";
import { TaskGenerator, TaskLike, type Input, type Task } from "./task";
import { Wrapped } from "./wrappers";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function may be a mapper
type AnyFn = (...args: any[]) => unknown;

/** The function a mapper or reducer calls: a generator's wrapped function, or the function itself. */
type FnOf<M> = M extends { readonly fn: infer F } ? F : M;
type ArgsOf<M> = FnOf<M> extends (...args: infer A) => unknown ? A : never;
/** What a mapper or reducer gives (async functions awaited). */
type ResultOf<M> = FnOf<M> extends (...args: never[]) => infer R ? Awaited<R> : never;
/** A reducer of T values: a function or a generator of one. */
type Reducer<T> = ((a: T, b: T) => T | Promise<T>) | { readonly taskName: string; readonly fn: (a: T, b: T) => T | Promise<T> };

/** A function as a task argument: identified by its task name or its source; the task receives the plain function. */
class FunctionRef<F extends AnyFn> extends Wrapped<F> {
  readonly value: F;
  private readonly id: string;
  constructor(f: F, what: string) {
    super();
    if (typeof f !== "function") throw new TypeError(`mapreduce: the ${what} must be a function, got ${typeof f}`);
    const generator = f as { taskName?: unknown; fn?: unknown };
    if (typeof generator.taskName === "string" && typeof generator.fn === "function") {
      this.value = generator.fn as F;
      this.id = hashValue(["generator", generator.taskName]);
    } else {
      this.value = f;
      this.id = hashValue(["function", f.name, Function.prototype.toString.call(f)]);
    }
  }
  protected identity(): string {
    return this.id;
  }
}

async function mapAll(mapper: (x: unknown) => unknown, xs: readonly unknown[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const x of xs) out.push(await mapper(x));
  return out;
}

async function reduceAll(reducer: (a: unknown, b: unknown) => unknown, xs: readonly unknown[]): Promise<unknown> {
  if (xs.length === 0) throw new TypeError("mapreduce: reduce of an empty block");
  let acc = xs[0];
  for (let i = 1; i < xs.length; i++) acc = await reducer(acc, xs[i]);
  return acc;
}

const mapReduceBlock = TaskGenerator(
  async function _jug_map_reduce(reducer: (a: unknown, b: unknown) => unknown, mapper: ((x: unknown) => unknown) | null, xs: unknown[]) {
    return reduceAll(reducer, mapper ? await mapAll(mapper, xs) : xs);
  },
  { name: "jug.mapreduce._jug_map_reduce" },
);
const reduceBlock = TaskGenerator(
  function _jug_reduce(reducer: (a: unknown, b: unknown) => unknown, xs: unknown[]) {
    return reduceAll(reducer, xs);
  },
  { name: "jug.mapreduce._jug_reduce" },
);
const mapBlock = TaskGenerator(
  function _jug_map(mapper: (x: unknown) => unknown, xs: unknown[]) {
    return mapAll(mapper, xs);
  },
  { name: "jug.mapreduce._jug_map" },
);
const curryMapBlock = TaskGenerator(
  function _jug_map_curry(mapper: (...args: unknown[]) => unknown, xs: unknown[][]) {
    return mapAll((args) => mapper(...(args as unknown[])), xs);
  },
  { name: "jug.mapreduce._jug_map_curry" },
);

export interface MapOptions {
  /** Inputs per map task (default 4). */
  mapStep?: number;
}
export interface ReduceOptions {
  /** Inputs per reduce task: the fan-in of the reduction tree (default 8). */
  reduceStep?: number;
}

function stepOf(n: number | undefined, fallback: number, what: string): number {
  const step = n ?? fallback;
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`mapreduce: ${what} must be a whole number of at least 1, got ${String(n)}`);
  return step;
}

function blocks<T>(xs: readonly T[], step: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += step) out.push(xs.slice(i, i + step));
  return out;
}

/** Reduces block tasks in a tree of fan-in `step` down to one task. */
function reduceTree(reducer: FunctionRef<AnyFn>, level: TaskLike<unknown>[], step: number): TaskLike<unknown> {
  while (level.length > 1) level = blocks(level, step).map((b) => reduceBlock(reducer as never, b as never));
  return level[0]!;
}

function checkInputs(inputs: unknown, what: string): void {
  if (!Array.isArray(inputs)) throw new TypeError(`mapreduce.${what}: the inputs must be an array, got ${typeof inputs}`);
}

/**
 * `reducer(...reducer(reducer(mapper(x0), mapper(x1)), ...))` over `inputs`: map tasks of
 * `mapStep` inputs each reduce their block, then reduce tasks of `reduceStep` blocks each, until
 * one task is left. `reducer` must be associative. Empty `inputs` is an error (jug would return
 * identity([]), which is not a T).
 */
function mapReduce<M extends AnyFn>(
  reducer: Reducer<ResultOf<M>>,
  mapper: M,
  inputs: readonly Input<ArgsOf<M>[0]>[],
  options: MapOptions & ReduceOptions = {},
): TaskLike<ResultOf<M>> {
  checkInputs(inputs, "mapreduce");
  return mapReduceTree(reducer as AnyFn, mapper, inputs, options, "mapreduce") as TaskLike<ResultOf<M>>;
}

function mapReduceTree(reducer: AnyFn, mapper: AnyFn | null, inputs: readonly unknown[], options: MapOptions & ReduceOptions, what: string): TaskLike<unknown> {
  const mapStep = stepOf(options.mapStep, 4, "mapStep");
  const reduceStep = stepOf(options.reduceStep, 8, "reduceStep");
  if (inputs.length === 0) throw new RangeError(`mapreduce.${what}: no inputs, so there is no value to return`);
  const reducerRef = new FunctionRef(reducer, "reducer");
  const mapperRef = mapper ? new FunctionRef(mapper, "mapper") : null;
  const level = blocks(inputs, mapStep).map((b) => mapReduceBlock(reducerRef as never, mapperRef as never, b as never) as TaskLike<unknown>);
  return reduceTree(reducerRef as FunctionRef<AnyFn>, level, reduceStep);
}

/** `reducer(...reducer(reducer(x0, x1), x2) ...)` over `inputs` in a tree of tasks (jug.mapreduce.reduce). */
function reduce<R extends AnyFn>(reducer: R, inputs: readonly Input<ResultOf<R>>[], options: ReduceOptions = {}): TaskLike<ResultOf<R>> {
  checkInputs(inputs, "reduce");
  // jug: mapreduce(reducer, None, inputs, reduce_step=reduce_step) with the default map_step.
  return mapReduceTree(reducer, null, inputs, options, "reduce") as TaskLike<ResultOf<R>>;
}

/**
 * `mapper(x)` for each input, computed by tasks of `mapStep` inputs each. Returns one value per
 * input: with mapStep 1, the tasks themselves; otherwise tasklets of the block tasks (use them as
 * arguments, or pass the whole array to a task).
 */
function map<M extends AnyFn>(mapper: M, inputs: readonly Input<ArgsOf<M>[0]>[], options: MapOptions = {}): TaskLike<ResultOf<M>>[] {
  checkInputs(inputs, "map");
  const step = stepOf(options.mapStep, 4, "mapStep");
  const ref = new FunctionRef(mapper, "mapper");
  if (step === 1) {
    const generator = mapper as { taskName?: unknown };
    // A generator makes its own tasks; a plain function is wrapped in jug.mapreduce._jug_map blocks of one.
    if (typeof generator.taskName === "string") return inputs.map((x) => mapper(x) as TaskLike<ResultOf<M>>);
  }
  return perElement(blocks(inputs, step).map((b) => mapBlock(ref as never, b as never)), inputs.length, step);
}

/** `mapper(...args)` for each argument tuple (jug.mapreduce.currymap), in blocks of `mapStep`. */
function currymap<M extends AnyFn>(
  mapper: M,
  inputs: readonly { [K in keyof ArgsOf<M>]: Input<ArgsOf<M>[K]> }[],
  options: MapOptions = {},
): TaskLike<ResultOf<M>>[] {
  checkInputs(inputs, "currymap");
  const step = stepOf(options.mapStep, 4, "mapStep");
  const ref = new FunctionRef(mapper, "mapper");
  return perElement(blocks(inputs, step).map((b) => curryMapBlock(ref as never, b as never)), inputs.length, step);
}

function perElement<R>(blockTasks: Task<unknown[]>[], n: number, step: number): TaskLike<R>[] {
  return Array.from({ length: n }, (_, i) => blockTasks[Math.floor(i / step)]!.at(i % step) as TaskLike<R>);
}

/** jug.mapreduce: `mapreduce.map`, `.reduce`, `.mapreduce`, `.currymap`. */
export const mapreduce = Object.freeze({ map, reduce, mapreduce: mapReduce, currymap });
