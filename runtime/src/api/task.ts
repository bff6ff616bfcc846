/**
 * Task, Tasklet and TaskGenerator: the objects a jugfile builds. Creating a task runs nothing:
 * it records the function, the arguments, the call site, and hashes them at once (dependencies
 * are already hashed, so identity is a Merkle chain and a 100,000-long chain hashes in a loop).
 */
import * as path from "node:path";
import { hashTasklet, hashValue, JUG_HASH, JUG_HASH_HEX_INTO, taskDigester, UnhashableValueError, type Hashable, type TaskDigester } from "../hash";
import { DIGEST_BYTES, parseHexInto } from "../hash/digest-table";
import { isValueWrapper, JUG_VALUE, takeValueWrapperNote } from "../hash/hashable";
import type { CallSite } from "../protocol/status";
import { captureCallSite, formatSite, SiteMessageError } from "./callsite";
import { currentResultLoader } from "./context";
import { currentRegistry, type TaskRegistry } from "./registry";
import type { Wrapped } from "./wrappers";

// ---- types ------------------------------------------------------------------------------------

declare const resultType: unique symbol;

/** Values that are passed through as they are (never searched for tasks inside). */
type Leaf =
  | string
  | number
  | bigint
  | boolean
  | symbol
  | null
  | undefined
  | ((...args: never[]) => unknown)
  | Date
  | RegExp
  | ArrayBuffer
  | ArrayBufferView;

/**
 * What a task function's parameter of type T accepts: a T, a task or tasklet giving a T, a
 * wrapper of a T (CustomHash, NoHash, timedPath), or (recursively) an array, plain object, Map or
 * Set whose members are such inputs.
 */
export type Input<T> = T | TaskLike<T> | Wrapped<T> | DeepInput<T>;
type DeepInput<T> = T extends Leaf
  ? never
  : T extends ReadonlyMap<infer K, infer V>
    ? ReadonlyMap<K, Input<V>>
    : T extends ReadonlySet<infer E>
      ? ReadonlySet<Input<E>>
      : T extends object
        ? { [P in keyof T]: Input<T[P]> }
        : never;
/** The parameter list of a generator made from a function with parameters A. */
export type Inputs<A extends readonly unknown[]> = { [K in keyof A]: Input<A[K]> };


// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function may become a task
type AnyFunction = (...args: any[]) => unknown;

// ---- definitions ------------------------------------------------------------------------------

/** A task or generator that cannot be defined (no name, unhashable arguments, not a function). */
export class TaskDefinitionError extends SiteMessageError {
  constructor(renderMessage: () => string) {
    super(renderMessage);
    this.name = "TaskDefinitionError";
  }
}

/** A named task function: what TaskGenerator makes once and every task it creates shares. */
export class TaskDefinition {
  /** Hash of the function's source text: a stored result is stale when it differs. */
  private cachedCodeHash: string | undefined;

  /** The function users call to create tasks (the generator): its caller is a task's call site. */
  entry: AnyFunction | undefined;

  /** Digest of a task of this function with arguments `args` (see TaskDigester). */
  readonly digestArgs: TaskDigester;

  private constructor(
    /** Full name, e.g. "jugfile.double": the jugfile (module) basename and the function name. */
    readonly name: string,
    /** The function name alone, e.g. "double". */
    readonly shortName: string,
    readonly fn: AnyFunction,
    /** Where TaskGenerator (or the first `new Task`) was called. */
    readonly site: CallSite | null,
  ) {
    this.digestArgs = taskDigester(name);
  }

  get codeHash(): string {
    return (this.cachedCodeHash ??= hashValue(Function.prototype.toString.call(this.fn)));
  }

  /**
   * `explicitName` without a dot is qualified like a function name; with a dot it is the full name.
   * Throws when there is no name or another function already has it.
   */
  static create(fn: AnyFunction, site: CallSite | null, explicitName: string | undefined, what: string): TaskDefinition {
    if (typeof fn !== "function") {
      throw new TaskDefinitionError(() => `${what} at ${formatSite(site)} needs a function, got ${typeof fn}`);
    }
    const shortName = explicitName ?? fn.name;
    if (!shortName || shortName === "anonymous") {
      throw new TaskDefinitionError(
        () =>
          `${what} at ${formatSite(site)}: the function has no name, and a task's name is its identity. ` +
          `Name the function (function double(x) {...}, or const double = (x) => ...) ` +
          `or pass one: TaskGenerator(fn, { name: "double" })`,
      );
    }
    const name = shortName.includes(".") ? shortName : `${moduleName(site)}.${shortName}`;
    currentRegistry().claimName(name, Function.prototype.toString.call(fn), site);
    return new TaskDefinition(name, name.slice(name.lastIndexOf(".") + 1), fn, site);
  }
}

/** Basename of the file that defines tasks, without its extension ("jugfile" for jugfile.ts). */
function moduleName(site: CallSite | null): string {
  if (!site) return "jug";
  const base = path.basename(site.file);
  const ext = path.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

// ---- tasks and tasklets -----------------------------------------------------------------------

/** Finds the result of a stored task (the engine passes its cache / store lookup). */
export type TaskLookup = (task: Task<unknown>) => unknown;

/** Common part of Task and Tasklet: a value that exists once the task has run. */
export abstract class TaskLike<T> implements Hashable {
  /** Phantom: carries T so that Task<number> and Task<string> differ (and neither is a T). */
  declare readonly [resultType]: T;
  abstract readonly hash: string;
  /** The stored task this value comes from (the task itself, or a tasklet's base task). */
  abstract readonly task: Task<unknown>;

  [JUG_HASH](): string {
    return this.hash;
  }

  // at/get type `this` instead of using T, so that Task<T> stays covariant (assignable to Task<unknown>).

  /** Element `index` of the (array) result, jug's `t[i]`; negative counts from the end. */
  at<A extends readonly unknown[], I extends number>(this: TaskLike<A>, index: I): Tasklet<A[I]> {
    return TaskletClass.derive(this, new Accessor("at", index, (v) => elementAt(v, index, this)));
  }

  /** Entry `key` of a Map result, or property `key` of an object result (jug's `t[key]`). */
  get<K, V>(this: TaskLike<ReadonlyMap<K, V>>, key: K): Tasklet<V | undefined>;
  get<O, K extends keyof O>(this: TaskLike<O>, key: K): Tasklet<O[K]>;
  get(this: TaskLike<unknown>, key: unknown): Tasklet<unknown> {
    return TaskletClass.derive(this, new Accessor("get", key, (v) => propertyOf(v, key, this)));
  }

  /** `fn(result)`, computed when needed and never stored. Its source text is part of its identity. */
  map<R>(fn: (value: T) => R): Tasklet<R> {
    return new TaskletClass<R>(this, fn as (value: unknown) => R);
  }

  /** This value, given how to find stored results. */
  abstract evaluate(lookup: TaskLookup): T;
}

class TaskClass<T> extends TaskLike<T> {
  readonly definition: TaskDefinition;
  /**
   * The argument list, or its only argument (flag SINGLE_ARGUMENT): most tasks have one, and a
   * task is then one object, not two (at 100,000 tasks, 5.6 MB less for the young generation to copy).
   */
  private readonly argv: unknown;
  private readonly flags: number;
  private cachedDeps: readonly Task<unknown>[] | undefined;
  /** The call that created this task, as written in the jugfile (1-based). */
  readonly site: CallSite | null;
  /**
   * Index of this task's hash in its jugfile's registry (creation order of the first task with
   * that hash; a task created twice shares it): the engine keeps per-task state in arrays by id,
   * and the registry keeps the hash itself, as bytes.
   */
  readonly id: number;
  readonly registry: TaskRegistry;

  /** `fn(...args)`; a generator passes its definition and its own argument list as the one argument after it. */
  constructor(fn: AnyFunction | TaskDefinition, ...rest: unknown[]) {
    super();
    const generated = fn instanceof TaskDefinition;
    this.site = captureCallSite(generated ? fn.entry : TaskClass);
    this.definition = generated ? fn : definitionOf(fn);
    const args = generated ? (rest[0] as unknown[]) : rest;
    try {
      takeValueWrapperNote();
      // Into a scratch first: hashing may run user code ([JUG_HASH]() methods) that creates tasks.
      this.definition.digestArgs(args, digestScratch, 0);
      this.flags = (takeValueWrapperNote() ? UNWRAP_ARGUMENTS : 0) | (args.length === 1 ? SINGLE_ARGUMENT : 0);
      if (forcedHash !== null) {
        parseHexInto(forcedHash, digestScratch, 0);
        forcedHash = null;
      }
    } catch (e) {
      if (!(e instanceof UnhashableValueError)) throw e;
      const { name } = this.definition;
      const site = this.site;
      throw new TaskDefinitionError(() => `task ${name} at ${formatSite(site)}: ${e.message}`);
    }
    this.argv = args.length === 1 ? args[0] : args;
    const registry = (this.registry = currentRegistry());
    this.id = registry.add(this, digestScratch);
  }

  /** The arguments, as given (tasks and wrappers in them as they are). */
  get args(): readonly unknown[] {
    return this.flags & SINGLE_ARGUMENT ? [this.argv] : (this.argv as readonly unknown[]);
  }

  /** The arguments hold value wrappers (CustomHash, ...): the worker unwraps them before running. */
  get unwrapArgs(): boolean {
    return (this.flags & UNWRAP_ARGUMENTS) !== 0;
  }

  /** The task's identity: 64 hex digits (SHA-256 of its name and arguments, docs/hashing.md). */
  get hash(): string {
    return this.registry.hashOf(this.id);
  }

  [JUG_HASH_HEX_INTO](out: Uint8Array, pos: number): void {
    this.registry.digests.writeHex(this.id, out, pos);
  }

  /**
   * Tasks whose results this task reads (first level, tasklets resolved to their base task, no
   * repeats). Found on first use: status and a no-op execute never ask for complete tasks, and
   * walking a 100,000-task argument costs more than hashing it.
   */
  get deps(): readonly Task<unknown>[] {
    return (this.cachedDeps ??= directDependencies(this.args));
  }

  get task(): Task<unknown> {
    return this;
  }

  /** Full name, e.g. "jugfile.double". */
  get name(): string {
    return this.definition.name;
  }

  evaluate(lookup: TaskLookup): T {
    return lookup(this) as T;
  }

  override toString(): string {
    return `Task(${this.name} at ${formatSite(this.site)})`;
  }
}

const digestScratch = new Uint8Array(DIGEST_BYTES);
/** TaskClass flags. */
const UNWRAP_ARGUMENTS = 1;
const SINGLE_ARGUMENT = 2;

/** Set by taskWithHash for the one task it creates. */
let forcedHash: string | null = null;

/**
 * `generator(...args)`, but with the hash `hash` (CompoundTask: the task that stores the inner
 * graph's result under the hash of the outer call, so that later loads find it without building
 * the inner graph).
 */
export function taskWithHash<T>(generator: (...args: never[]) => Task<T>, args: readonly unknown[], hash: string): Task<T> {
  forcedHash = hash;
  try {
    return generator(...(args as never[]));
  } finally {
    forcedHash = null;
  }
}

function definitionOf(fn: AnyFunction): TaskDefinition {
  const registry = currentRegistry();
  let definition = registry.definitions.get(fn);
  if (!definition) {
    definition = TaskDefinition.create(fn, captureCallSite(TaskClass, true), undefined, "new Task");
    registry.definitions.set(fn, definition);
  }
  return definition;
}

/** How a tasklet derives its value from its base, and the part of that which enters its hash. */
class Accessor {
  constructor(
    readonly kind: "at" | "get" | "fn",
    readonly identity: unknown,
    readonly apply: (base: unknown) => unknown,
  ) {}
}

class TaskletClass<T> extends TaskLike<T> {
  readonly hash: string;
  readonly task: Task<unknown>;
  private readonly accessor: Accessor;

  /** `fn(value of base)`: a derived value, never stored. */
  constructor(
    readonly base: TaskLike<unknown>,
    fn: ((value: unknown) => T) | Accessor,
  ) {
    super();
    if (!(base instanceof TaskLike)) throw new TypeError(`Tasklet needs a Task or Tasklet as its base, got ${typeof base}`);
    this.accessor =
      fn instanceof Accessor ? fn : new Accessor("fn", [fn.name, Function.prototype.toString.call(fn)], fn as (v: unknown) => unknown);
    this.task = base.task;
    this.hash = hashTasklet(base.hash, [this.accessor.kind, this.accessor.identity]);
  }

  static derive<R>(base: TaskLike<unknown>, accessor: Accessor): Tasklet<R> {
    return new TaskletClass<R>(base, accessor);
  }

  evaluate(lookup: TaskLookup): T {
    return this.accessor.apply(this.base.evaluate(lookup)) as T;
  }

  override toString(): string {
    return `Tasklet(${this.accessor.kind} of ${String(this.base)})`;
  }
}

function elementAt(v: unknown, index: number, from: TaskLike<unknown>): unknown {
  if (Array.isArray(v) || ArrayBuffer.isView(v) || typeof v === "string") {
    return (v as { at(i: number): unknown }).at(index);
  }
  throw new TypeError(`${String(from)}.at(${index}): the value is ${describe(v)}, not an array`);
}

function propertyOf(v: unknown, key: unknown, from: TaskLike<unknown>): unknown {
  if (v instanceof Map) return v.get(key);
  if (typeof v === "object" && v !== null) return (v as Record<PropertyKey, unknown>)[key as PropertyKey];
  throw new TypeError(`${String(from)}.get(${String(key)}): the value is ${describe(v)}, not an object or Map`);
}

function describe(v: unknown): string {
  return v === null ? "null" : typeof v === "object" ? `an instance of ${v.constructor?.name ?? "Object"}` : typeof v;
}

// ---- public constructors (typed so arguments are checked against the function) ----------------

/** A unit of work: `fn(...args)`, run by `jug execute`, its result stored. Not a promise: never awaited. */
export type Task<T> = TaskClass<T>;
export interface TaskConstructor {
  new <F extends AnyFunction>(fn: F, ...args: Inputs<Parameters<F>>): Task<Awaited<ReturnType<F>>>;
  readonly prototype: Task<unknown>;
}
export const Task = TaskClass as unknown as TaskConstructor;

/** A value derived from a task (`task.at(i)`, `task.get(k)`, `task.map(fn)`), computed when needed, never stored. */
export type Tasklet<T> = TaskletClass<T>;
export interface TaskletConstructor {
  new <B, R>(base: TaskLike<B>, fn: (value: B) => R): Tasklet<R>;
  readonly prototype: Tasklet<unknown>;
}
export const Tasklet = TaskletClass as unknown as TaskletConstructor;

export interface TaskGeneratorOptions {
  /** Task name when the function has none (or to rename it); a name with a dot is taken as the full name. */
  name?: string;
}

/** A function that creates a task each time it is called (see TaskGenerator). */
export type TaskGenerator<A extends readonly unknown[], R> = ((...args: Inputs<A>) => Task<Awaited<R>>) & {
  /** Full task name, e.g. "jugfile.double". */
  readonly taskName: string;
  /** The wrapped function. */
  readonly fn: (...args: A) => R;
};

/**
 * Wraps `fn` so that calling it creates a Task instead of running it. Parameters then also accept
 * tasks and tasklets (also inside arrays and objects); async functions give Task<awaited result>.
 */
export function TaskGenerator<A extends unknown[], R>(fn: (...args: A) => R, options: TaskGeneratorOptions = {}): TaskGenerator<A, R> {
  const definition = TaskDefinition.create(fn as AnyFunction, captureCallSite(TaskGenerator, true), options.name, "TaskGenerator");
  const generator = (...args: Inputs<A>): Task<Awaited<R>> => new TaskClass<Awaited<R>>(definition, args);
  definition.entry = generator;
  Object.defineProperties(generator, {
    name: { value: definition.shortName },
    taskName: { value: definition.name },
    fn: { value: fn },
  });
  return generator as TaskGenerator<A, R>;
}

/** `n` tasklets for the elements 0..n-1 of a task's (array) result, to destructure it. */
export function iterateTask<T extends readonly unknown[]>(task: TaskLike<T>, n: number): Tasklet<T[number]>[] {
  return Array.from({ length: n }, (_, i) => task.at(i) as Tasklet<T[number]>);
}

// ---- walking arguments ------------------------------------------------------------------------

function isPlainObject(x: object): x is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Children searched for tasks: array elements, plain object values, Map keys and values, Set members, what a wrapper holds. */
function childrenOf(x: object): Iterable<unknown> | null {
  if (Array.isArray(x)) return x;
  if (isValueWrapper(x)) return [x[JUG_VALUE]()];
  if (x instanceof Map) return [...x.keys(), ...x.values()];
  if (x instanceof Set) return x;
  if (isPlainObject(x)) return Object.values(x);
  return null;
}

const NO_DEPENDENCIES: readonly Task<unknown>[] = Object.freeze([]);

/** First-level stored tasks inside `args`, in order of appearance, without repeats. */
export function directDependencies(args: readonly unknown[]): readonly Task<unknown>[] {
  // Fast path: plain values and tasks (most calls) need no walk.
  let found: Task<unknown>[] | undefined;
  let containers: object[] | undefined;
  for (const x of args) {
    if (typeof x !== "object" || x === null) continue;
    if (x instanceof TaskLike) {
      // By hash, as walkDependencies does: two creations of one task are one dependency.
      const task = x.task;
      if (!found?.some((f) => sameHash(f, task))) (found ??= []).push(task);
    } else (containers ??= []).push(x);
  }
  if (!containers) return found ?? NO_DEPENDENCIES;
  return walkDependencies(args);
}

/** Two tasks with one hash: the same id when they come from one jugfile load (always, in practice). */
function sameHash(a: Task<unknown>, b: Task<unknown>): boolean {
  return a.registry === b.registry ? a.id === b.id : a.hash === b.hash;
}

/** How many dependencies a walk compares one by one before it marks them by id. */
const MARK_DEPENDENCIES_FROM = 16;

function walkDependencies(args: readonly unknown[]): Task<unknown>[] {
  // Deduplicated by hash, as ids (one per hash within a load): no hash string is made. A few
  // are compared one by one; past that, marks by id (a Set of 100,000 ids took 4.6 MB to fill).
  const found: Task<unknown>[] = [];
  let marks: Uint8Array | null = null;
  const add = (task: Task<unknown>): void => {
    if (found.length > 0 && task.registry !== found[0]!.registry) {
      if (!found.some((f) => sameHash(f, task))) found.push(task);
      return;
    }
    if (marks) {
      if (marks[task.id] === 1) return;
      marks[task.id] = 1;
    } else {
      if (found.some((f) => f.id === task.id)) return;
      if (found.length >= MARK_DEPENDENCIES_FROM) {
        marks = new Uint8Array(task.registry.digests.size);
        for (const f of found) marks[f.id] = 1;
        marks[task.id] = 1;
      }
    }
    found.push(task);
  };
  const seen = new Set<object>();
  const stack: unknown[] = [args];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== "object" || x === null) continue;
    if (x instanceof TaskLike) {
      add(x.task);
      continue;
    }
    if (seen.has(x)) continue;
    seen.add(x);
    const children = childrenOf(x);
    if (!children) continue;
    // Tasks and plain values are handled here; only nested containers go on the stack (in
    // reverse, so that dependencies are listed in order of appearance).
    const nested: object[] = [];
    for (const c of children) {
      if (typeof c !== "object" || c === null) continue;
      if (c instanceof TaskLike) {
        if (nested.length === 0) add(c.task);
        else nested.push(c);
      } else nested.push(c);
    }
    for (let i = nested.length - 1; i >= 0; i--) stack.push(nested[i]);
  }
  return found;
}

/**
 * `x` with every task and tasklet replaced by its value. Containers without tasks inside are
 * returned as they are (no copy of large arrays or buffers).
 */
export function resolveValue(x: unknown, lookup: TaskLookup): unknown {
  if (typeof x !== "object" || x === null) return x;
  if (x instanceof TaskLike) return x.evaluate(lookup);
  if (Array.isArray(x)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < x.length; i++) {
      const r = resolveValue(x[i], lookup);
      if (r !== x[i]) (out ??= x.slice())[i] = r;
    }
    return out ?? x;
  }
  if (x instanceof Map) {
    let changed = false;
    const out = new Map<unknown, unknown>();
    for (const [k, v] of x) {
      const [rk, rv] = [resolveValue(k, lookup), resolveValue(v, lookup)];
      changed ||= rk !== k || rv !== v;
      out.set(rk, rv);
    }
    return changed ? out : x;
  }
  if (x instanceof Set) {
    const members = [...x].map((m) => resolveValue(m, lookup));
    return members.some((m) => !x.has(m)) ? new Set(members) : x;
  }
  if (isPlainObject(x)) {
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(x)) {
      const r = resolveValue(x[key], lookup);
      if (r !== x[key]) (out ??= { ...x })[key] = r;
    }
    return out ?? x;
  }
  if (isValueWrapper(x)) return resolveValue(x[JUG_VALUE](), lookup);
  return x;
}

/**
 * The value of `x` with every task and tasklet in it replaced by its stored result.
 * Works where results can be loaded: in `jug shell`, or in code run by the jug CLI.
 */
export async function value<T>(x: Input<T>): Promise<T> {
  const loader = currentResultLoader();
  const tasks = directDependencies([x]);
  if (tasks.length > 0 && !loader) {
    throw new Error("value() loads stored results, which is only possible inside the jug CLI (e.g. `jug shell`)");
  }
  const results = new Map<string, unknown>();
  for (const t of tasks) results.set(t.hash, await loader!(t));
  return resolveValue(x, (t) => results.get(t.hash)) as T;
}
