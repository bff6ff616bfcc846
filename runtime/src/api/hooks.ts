/**
 * registerHook (jug.hooks.register_hook): functions the worker calls around tasks. A jugfile
 * registers them at load (each load starts with none). A hook that throws is reported and the run
 * goes on. With no hook registered, the worker's only cost per task is a null check.
 */
import type { Task } from "./task";

export interface HookArguments {
  /** A task found complete when the worker came to it (another worker stored it): jug's execute.task-loadable. */
  "execute.task-loadable": [task: Task<unknown>];
  /** Just before a task's function runs: jug's execute.task-pre-execute. */
  "execute.task-pre-execute": [task: Task<unknown>];
  /** After a task's result is stored: jug's execute.task-executed1. */
  "execute.task-executed": [task: Task<unknown>, value: unknown];
  /** After a task failed (not in jug). */
  "execute.task-failed": [task: Task<unknown>, error: unknown];
  /** The run is over, before the table is printed: jug's execute.finished_pre_status. */
  "execute.finished-pre-status": [];
  /** After the table: jug's execute.finished_post_status. */
  "execute.finished-post-status": [];
}
export type HookName = keyof HookArguments;
type Hook<N extends HookName> = (...args: HookArguments[N]) => void;

/** jug's spellings, accepted too. */
const JUG_NAMES: Record<string, HookName> = {
  "execute.task-executed1": "execute.task-executed",
  "execute.finished_pre_status": "execute.finished-pre-status",
  "execute.finished_post_status": "execute.finished-post-status",
};

/** Registered hooks by name; a name without hooks has no entry (the worker tests `hooks[name]` for undefined). */
export const hooks: { [N in HookName]?: Array<Hook<N>> } = {};

const KNOWN = new Set<string>([
  "execute.task-loadable",
  "execute.task-pre-execute",
  "execute.task-executed",
  "execute.task-failed",
  "execute.finished-pre-status",
  "execute.finished-post-status",
]);

/** Calls `fn` at the event `name` (see HookArguments); jug's names (execute.task-executed1, ...) work too. Unknown names throw. */
export function registerHook<N extends HookName>(name: N | keyof typeof JUG_NAMES, fn: Hook<N>): void {
  const ours = (JUG_NAMES[name] ?? name) as N;
  if (!KNOWN.has(ours)) throw new Error(`registerHook: unknown hook ${JSON.stringify(name)}; known: ${[...KNOWN].join(", ")}`);
  if (typeof fn !== "function") throw new TypeError(`registerHook(${JSON.stringify(name)}) needs a function, got ${typeof fn}`);
  ((hooks[ours] ??= []) as Array<Hook<N>>).push(fn);
}

/** Before a load: the jugfile registers its hooks again. */
export function resetHooks(): void {
  for (const name of Object.keys(hooks) as HookName[]) delete hooks[name];
}

/** Calls the hooks of `name`; one that throws is reported on `log`. Per task, test `hooks[name]` first (no call, no argument list). */
export function runHooks<N extends HookName>(name: N, log: (message: string) => void, ...args: HookArguments[N]): void {
  for (const hook of (hooks[name] ?? []) as Array<Hook<N>>) {
    try {
      hook(...args);
    } catch (e) {
      log(`jug: hook ${name} (${hook.name || "anonymous"}) threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
