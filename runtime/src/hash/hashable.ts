/**
 * Objects that carry their own identity for hashing implement [JUG_HASH]() returning a hex string.
 * Task, Tasklet, CustomHash and NoHash do; a dependency thus contributes its hash (a Merkle chain).
 * A function may carry one too (e.g. a TaskGenerator passed as an argument to mapreduce).
 */
export const JUG_HASH: unique symbol = Symbol.for("jug.hash");

export interface Hashable {
  [JUG_HASH](): string;
}

/**
 * Optional beside [JUG_HASH](): writes the 64 character codes of that hex hash into `out` at `pos`.
 * Tasks implement it, so that hashing a task's dependents never builds the dependency's hash string.
 */
export const JUG_HASH_HEX_INTO: unique symbol = Symbol.for("jug.hashHexInto");

export interface HexHashable extends Hashable {
  [JUG_HASH_HEX_INTO](out: Uint8Array, pos: number): void;
}

export function isHashable(x: unknown): x is Hashable {
  return (
    ((typeof x === "object" && x !== null) || typeof x === "function") &&
    typeof (x as Partial<Hashable>)[JUG_HASH] === "function"
  );
}

/**
 * Objects that stand for another value when passed to a task implement [JUG_VALUE](): the input
 * they stand for (it may contain tasks: those become dependencies). The task receives that input's
 * value, not the wrapper. CustomHash, NoHash and timedPath do (runtime/src/api/wrappers.ts).
 */
export const JUG_VALUE: unique symbol = Symbol.for("jug.value");

export interface ValueWrapper {
  [JUG_VALUE](): unknown;
}

export function isValueWrapper(x: unknown): x is ValueWrapper {
  return typeof x === "object" && x !== null && typeof (x as Partial<ValueWrapper>)[JUG_VALUE] === "function";
}

/**
 * Set by a value wrapper's [JUG_HASH]() (noteValueWrapper), read and cleared once a task's
 * arguments are hashed (takeValueWrapperNote): tells, at no extra walk, that the task's
 * arguments must be unwrapped before it runs (most tasks pass their arguments as they are).
 */
let valueWrapperHashed = false;

export function noteValueWrapper(): void {
  valueWrapperHashed = true;
}

export function takeValueWrapperNote(): boolean {
  const seen = valueWrapperHashed;
  valueWrapperHashed = false;
  return seen;
}
