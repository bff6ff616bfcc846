/** Which tasks a command acts on: `--target NAME` matching, dependency closure, downstream closure. */
import type { Task } from "../api/task";

/**
 * NAME matches a task whose function name is NAME exactly, or whose full name is NAME;
 * `/regex/` matches a task whose full name the regex matches (unanchored, like RegExp.test);
 * `hash:PREFIX` matches the tasks whose hash starts with PREFIX (the editor runs one task this way).
 */
export function targetMatcher(pattern: string): (task: Task<unknown>) => boolean {
  if (pattern.startsWith(HASH_TARGET_PREFIX)) {
    const prefix = pattern.slice(HASH_TARGET_PREFIX.length).toLowerCase();
    if (!/^[0-9a-f]{6,}$/.test(prefix)) throw new BadTargetError(pattern, "a hash target needs at least 6 hex digits");
    return (t) => t.hash.startsWith(prefix);
  }
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  if (regex) {
    const re = new RegExp(regex[1]!, regex[2]);
    return (t) => re.test(t.name);
  }
  return (t) => t.definition.shortName === pattern || t.name === pattern;
}

export const HASH_TARGET_PREFIX = "hash:";

export class BadTargetError extends Error {
  constructor(pattern: string, why: string) {
    super(`bad --target ${pattern}: ${why}`);
    this.name = "BadTargetError";
  }
}

export class NoMatchingTaskError extends Error {
  constructor(pattern: string, names: readonly string[]) {
    const shown = names.slice(0, 20).join(", ") + (names.length > 20 ? ", ..." : "");
    super(`no task matches --target ${pattern}; task names: ${shown || "(none)"}`);
    this.name = "NoMatchingTaskError";
  }
}

/** One task per hash (the first created), in creation order. */
export function uniqueTasks(tasks: readonly Task<unknown>[]): Task<unknown>[] {
  const seen = idFlags(tasks);
  return tasks.filter((t) => !seen[t.id] && (seen[t.id] = 1) === 1);
}

/** The tasks matching `pattern` and everything they need, in creation order. */
export function withDependencies(tasks: readonly Task<unknown>[], pattern: string): Task<unknown>[] {
  const matches = tasks.filter(targetMatcher(pattern));
  if (matches.length === 0) throw new NoMatchingTaskError(pattern, distinctNames(tasks));
  const needed = idFlags(tasks);
  const stack = [...matches];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (needed[t.id]) continue;
    needed[t.id] = 1;
    stack.push(...t.deps);
  }
  return uniqueTasks(tasks).filter((t) => needed[t.id]);
}

/** The tasks matching `pattern` and every task that (transitively) depends on one, in creation order. */
export function withDependents(tasks: readonly Task<unknown>[], pattern: string): Task<unknown>[] {
  const matches = targetMatcher(pattern);
  const invalid = idFlags(tasks);
  let found = false;
  // Creation order is topological: a task's dependencies come before it.
  for (const t of tasks) {
    if (matches(t) || t.deps.some((d) => invalid[d.id])) {
      invalid[t.id] = 1;
      found = true;
    }
  }
  if (!found) throw new NoMatchingTaskError(pattern, distinctNames(tasks));
  return uniqueTasks(tasks).filter((t) => invalid[t.id]);
}

export function distinctNames(tasks: readonly Task<unknown>[]): string[] {
  return [...new Set(tasks.map((t) => t.name))].sort();
}

/** One zeroed flag per task id of `tasks` (and of the tasks they need: ids are in creation order). */
export function idFlags(tasks: readonly Task<unknown>[]): Uint8Array {
  let size = 0;
  for (const t of tasks) if (t.id >= size) size = t.id + 1;
  return new Uint8Array(size);
}
