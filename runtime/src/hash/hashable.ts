/**
 * Objects that carry their own identity for hashing implement [JUG_HASH]() returning a hex string.
 * Task, Tasklet, CustomHash and NoHash do; a dependency thus contributes its hash (a Merkle chain).
 * A function may carry one too (e.g. a TaskGenerator passed as an argument to mapreduce).
 */
export const JUG_HASH: unique symbol = Symbol.for("jug.hash");

export interface Hashable {
  [JUG_HASH](): string;
}

export function isHashable(x: unknown): x is Hashable {
  return (
    ((typeof x === "object" && x !== null) || typeof x === "function") &&
    typeof (x as Partial<Hashable>)[JUG_HASH] === "function"
  );
}
