/**
 * The tasks a jugfile created, in creation order (which is a topological order: a task's
 * dependencies exist before it). One registry per load; the loader resets it. The CLI and the
 * jugfile share it because the loader aliases "jug" to the very module instance the CLI loaded.
 */
import { DigestTable } from "../hash/digest-table";
import type { CallSite } from "../protocol/status";
import { formatSite, SiteMessageError } from "./callsite";
import type { Task, TaskDefinition } from "./task";

interface NameClaim {
  readonly source: string;
  readonly site: CallSite | null;
}

export class TaskNameCollisionError extends SiteMessageError {
  constructor(readonly taskName: string, readonly first: CallSite | null, readonly second: CallSite | null) {
    super(
      () =>
        `two different functions are named ${taskName}: one registered at ${formatSite(first)}, ` +
        `another at ${formatSite(second)}; rename one of them or give it TaskGenerator(fn, { name: "..." })`,
    );
    this.name = "TaskNameCollisionError";
  }
}

export class TaskRegistry {
  /** Every task created, in creation order (the same hash may appear more than once). */
  readonly tasks: Task<unknown>[] = [];
  /** The first task created with each hash once a hash repeats; until then `tasks` itself. */
  private distinct: Task<unknown>[] | null = null;
  /**
   * The digest of each id (a task's hash is its hex), as bytes. Its lookup has room for 131,072
   * tasks from the start (2 MB of zeroed memory, resident only where touched): growing it while
   * 100,000 tasks are created cost ~20 ms (the loop that re-places every entry runs unoptimized).
   */
  readonly digests = new DigestTable(1 << 17);
  /** Definitions made by `new Task(fn, ...)` without a generator, one per function. */
  readonly definitions = new WeakMap<(...args: never[]) => unknown, TaskDefinition>();
  private readonly names = new Map<string, NameClaim>();

  /** Records a new task whose digest is `digest[0, 32)`; returns its id (that of the first task with the same hash, when there is one). */
  add(task: Task<unknown>, digest: Uint8Array): number {
    const id = this.digests.intern(digest, 0);
    if (id === this.unique.length) this.distinct?.push(task);
    else this.distinct ??= this.tasks.slice();
    this.tasks.push(task);
    return id;
  }

  /** The first task created with each hash, in creation order: a task's `id` is its index here. */
  get unique(): readonly Task<unknown>[] {
    // Most jugfiles never repeat a hash: no second array of every task for them.
    return this.distinct ?? this.tasks;
  }

  /** The id of the task with `hash`, or -1 when no task of this jugfile has it. */
  idOf(hash: string): number {
    return this.digests.findHex(hash);
  }

  /**
   * The hash (64 hex digits) of the task with id `id`, made anew each time (~0.1 µs): kept, the
   * strings of 100,000 executed tasks would hold 9 MB until the run ends.
   */
  hashOf(id: number): string {
    return this.digests.hexOf(id);
  }

  /**
   * Claims `name` for a function with source text `source`. The same source (the same function,
   * or closures of one definition made in a loop) may claim a name again; a different one may not.
   */
  claimName(name: string, source: string, site: CallSite | null): void {
    const claim = this.names.get(name);
    if (!claim) this.names.set(name, { source, site });
    else if (claim.source !== source) throw new TaskNameCollisionError(name, claim.site, site);
  }
}

let current = new TaskRegistry();

export function currentRegistry(): TaskRegistry {
  return current;
}

/** Starts an empty registry (before loading a jugfile) and returns it. */
export function resetRegistry(): TaskRegistry {
  current = new TaskRegistry();
  return current;
}
