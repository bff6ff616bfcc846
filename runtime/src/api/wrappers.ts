/**
 * Values with an identity of their own (jug.utils.CustomHash / timed_path, jug.unsafe.NoHash) and
 * `identity(x)`. A wrapper hashes as its [JUG_HASH]() and a task receives the wrapped value
 * ([JUG_VALUE], see hash/hashable.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { hashValue } from "../hash";
import { JUG_HASH, JUG_VALUE, noteValueWrapper, type Hashable, type ValueWrapper } from "../hash/hashable";
import { TaskGenerator, TaskLike, type Input } from "./task";

declare const wrappedType: unique symbol;

/** A value of type T with its own identity, accepted wherever a task parameter of type T is. */
export abstract class Wrapped<T> implements Hashable, ValueWrapper {
  /** Phantom: carries T so that a Wrapped<number> is accepted only where a number is. */
  declare readonly [wrappedType]: T;
  /** The value (or input holding tasks) the task receives. */
  abstract readonly value: Input<T>;
  protected abstract identity(): string;

  [JUG_HASH](): string {
    noteValueWrapper();
    return this.identity();
  }

  [JUG_VALUE](): unknown {
    return this.value;
  }
}

/** What a CustomHash function returns: a hex string (or any string), or bytes. */
export type HashResult = string | Uint8Array;

class CustomHashed<T> extends Wrapped<T> {
  private cached: string | undefined;
  constructor(
    readonly value: Input<T>,
    private readonly hashFn: (value: Input<T>) => HashResult,
  ) {
    super();
    if (typeof hashFn !== "function") throw new TypeError(`CustomHash needs a hash function, got ${typeof hashFn}`);
  }
  protected identity(): string {
    if (this.cached === undefined) {
      const h = this.hashFn(this.value);
      if (typeof h === "string") this.cached = h;
      else if (h instanceof Uint8Array) this.cached = Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString("hex");
      else throw new TypeError(`the CustomHash function ${this.hashFn.name || "(anonymous)"} returned ${typeof h}, not a string or bytes`);
    }
    return this.cached;
  }
}

/**
 * `value`, identified by `hashFn(value)` instead of its contents (jug.utils.CustomHash): e.g. a
 * large array identified by its file name and version. The task receives `value`.
 */
export function CustomHash<T>(value: Input<T>, hashFn: (value: Input<T>) => HashResult): Wrapped<T> {
  return new CustomHashed(value, hashFn);
}

/**
 * `value` with no part in the task's identity (jug.unsafe.NoHash): tasks that differ only in it
 * share a result (e.g. a thread count). Unsafe when the value changes what the task computes.
 */
export function NoHash<T>(value: Input<T>): Wrapped<T> {
  return new CustomHashed(value, () => "nohash");
}

/**
 * The path `file`, identified by the path with the file's modification time and size
 * (jug.utils.timed_path): touching or rewriting the file makes the tasks that take it (and
 * everything downstream) new tasks. The task receives the path string. The file must exist when
 * the jugfile is loaded.
 */
export function timedPath(file: string): Wrapped<string> {
  return new CustomHashed<string>(file, () => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path.resolve(file));
    } catch (e) {
      throw new Error(`timedPath(${JSON.stringify(file)}): ${(e as Error).message}`);
    }
    return hashValue([file, stat.mtimeMs, stat.size]);
  });
}

const identityTask = TaskGenerator(function identity<T>(x: T): T {
  return x;
}, { name: "jug.identity" });

/**
 * A task whose result is `x` (jug.utils.identity), named "jug.identity": hashes a large value
 * once (tasks that take the result depend on its hash only), or stores a value computed in the
 * jugfile. Tasks and tasklets are returned as they are.
 */
export function identity<T>(x: TaskLike<T>): TaskLike<T>;
export function identity<T>(x: Input<T>): TaskLike<T>;
export function identity<T>(x: Input<T>): TaskLike<T> {
  if (x instanceof TaskLike) return x as TaskLike<T>;
  return identityTask(x as Input<unknown>) as TaskLike<T>;
}
