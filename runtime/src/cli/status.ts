/** `jug status` (table, --short, --json), `jug check`, `jug count`, `jug invalidate`, `jug cleanup`. */
import { formatSite } from "../api/callsite";
import { setJugRunning } from "../api/context";
import { writeStatusDocument } from "../engine/describe";
import { withDependents } from "../engine/select";
import { shortSummary, stateCounts } from "../engine/status";
import { resolveJugfile, loadJugfile } from "../loader";
import { TASK_STATES, type CallSite, type TaskState } from "../protocol/status";
import { EXIT_FAILED, EXIT_OK, newTable, openJug, type CommonOptions } from "./common";

export interface StatusOptions extends CommonOptions {
  short?: boolean;
  json?: boolean;
}

/** Writes the status document to stdout (with call sites: they cost a few µs per task). */
async function printStatusJson(jugfileArg: string | undefined, options: CommonOptions, userArgs: readonly string[]): Promise<void> {
  const ctx = await openJug(jugfileArg, options, userArgs, { callSites: true });
  try {
    const snapshot = await ctx.store.snapshot();
    // The store's own location: a Redis URL without its password.
    writeStatusDocument((text) => process.stdout.write(text), ctx.jugfile, ctx.store.location, ctx.tasks, snapshot, ctx.barrier);
  } finally {
    await ctx.store.close();
  }
}

/** Counts per task name and in total (no per-task documents): what the table, --short and check need. */
async function currentCounts(
  jugfileArg: string | undefined,
  options: CommonOptions,
  userArgs: readonly string[],
): Promise<ReturnType<typeof stateCounts> & { barrier: CallSite | null }> {
  const ctx = await openJug(jugfileArg, options, userArgs);
  try {
    return { ...stateCounts(ctx.tasks, ctx.unique.length, await ctx.store.snapshot()), barrier: ctx.barrier };
  } finally {
    await ctx.store.close();
  }
}

export async function statusCommand(jugfileArg: string | undefined, options: StatusOptions, userArgs: readonly string[]): Promise<number> {
  if (options.json) {
    await printStatusJson(jugfileArg, options, userArgs);
    return EXIT_OK;
  }
  const { rows, total, barrier } = await currentCounts(jugfileArg, options, userArgs);
  if (!options.short) process.stdout.write(`${statusTable(rows, total)}\n`);
  process.stdout.write(`${shortSummary(total)}\n`);
  if (barrier) process.stdout.write(`${barrierNote(barrier)}\n`);
  return EXIT_OK;
}

/** One row per task name (sorted), one column per state, and a total row. */
export function statusTable(rows: ReturnType<typeof stateCounts>["rows"], total: Record<TaskState, number>): string {
  const table = newTable(["Task name", ...TASK_STATES.map(capitalize)]);
  for (const { name, counts } of rows) table.push([name, ...TASK_STATES.map((s) => counts[s])]);
  table.push(["Total", ...TASK_STATES.map((s) => total[s])]);
  return table.toString();
}

/** Exit 0 when every task is complete, 1 otherwise. */
export async function checkCommand(jugfileArg: string | undefined, options: CommonOptions, userArgs: readonly string[]): Promise<number> {
  const { total: counts, barrier } = await currentCounts(jugfileArg, options, userArgs);
  process.stdout.write(`${shortSummary(counts)}\n`);
  if (barrier) process.stdout.write(`${barrierNote(barrier)}\n`);
  return counts.complete === TASK_STATES.reduce((n, s) => n + counts[s], 0) ? EXIT_OK : EXIT_FAILED;
}

/** Tasks per name, without touching the store. */
export async function countCommand(jugfileArg: string | undefined, userArgs: readonly string[]): Promise<number> {
  setJugRunning(true);
  const { tasks } = await loadJugfile(resolveJugfile(jugfileArg), userArgs, { callSites: false });
  const perName = new Map<string, number>();
  for (const t of tasks) perName.set(t.name, (perName.get(t.name) ?? 0) + 1);
  const table = newTable(["Task name", "Count"]);
  for (const name of [...perName.keys()].sort()) table.push([name, perName.get(name)!]);
  table.push(["Total", tasks.length]);
  process.stdout.write(`${table.toString()}\n`);
  return EXIT_OK;
}

/** Removes the results of the matching tasks and of every task downstream of them. */
export async function invalidateCommand(
  jugfileArg: string | undefined,
  options: CommonOptions & { target: string },
  userArgs: readonly string[],
): Promise<number> {
  const ctx = await openJug(jugfileArg, options, userArgs);
  try {
    const invalid = withDependents(ctx.tasks, options.target);
    const snapshot = await ctx.store.snapshot();
    const removedPerName = new Map<string, number>();
    for (const t of invalid) {
      if (snapshot.results.has(t.hash) || snapshot.failures.has(t.hash)) removedPerName.set(t.name, (removedPerName.get(t.name) ?? 0) + 1);
    }
    const removed = await ctx.store.remove(invalid.map((t) => t.hash));
    if (removedPerName.size === 0) {
      process.stdout.write(`No results invalidated (${invalid.length} task(s) matched or depend on a match; none had a result).\n`);
      return EXIT_OK;
    }
    const table = newTable(["Task name", "Invalidated"]);
    for (const name of [...removedPerName.keys()].sort()) table.push([name, removedPerName.get(name)!]);
    process.stdout.write(`${table.toString()}\nRemoved ${removed} result(s).\n`);
    return EXIT_OK;
  } finally {
    await ctx.store.close();
  }
}

export interface CleanupOptions extends CommonOptions {
  locksOnly?: boolean;
  failedOnly?: boolean;
  keepLocks?: boolean;
}

/**
 * Default: remove results no task of the jugfile uses, failure markers, and locks of dead owners.
 * --locks-only / --failed-only: only those; --keep-locks: leave locks (and failure markers).
 */
export async function cleanupCommand(jugfileArg: string | undefined, options: CleanupOptions, userArgs: readonly string[]): Promise<number> {
  const ctx = await openJug(jugfileArg, options, userArgs);
  try {
    const keep = new Set(ctx.unique.map((t) => t.hash));
    const what = options.locksOnly
      ? { locks: true, failed: false, results: false }
      : options.failedOnly
        ? { locks: false, failed: true, results: false }
        : { locks: !options.keepLocks, failed: !options.keepLocks, results: true };
    // `keep` protects the jugfile's results; locks and failure markers go whoever they belong to.
    // Past a blocking barrier the jugfile's tasks are not all known: their results would look unused.
    const keepResults = what.results && ctx.barrier !== null;
    if (keepResults) process.stdout.write(`No results removed: ${barrierNote(ctx.barrier!)} Run \`jug execute\` first.\n`);
    const results = what.results && !keepResults ? await ctx.store.cleanup({ locks: false, failed: false, results: true, keep }) : { results: 0 };
    const markers = await ctx.store.cleanup({ locks: what.locks, failed: what.failed, results: false });
    const removed = { results: results.results, locks: markers.locks, failed: markers.failed };
    process.stdout.write(`Removed ${removed.results} unused result(s), ${removed.locks} lock(s), ${removed.failed} failure marker(s).\n`);
    return EXIT_OK;
  } finally {
    await ctx.store.close();
  }
}

/** What a barrier that blocks means for the listed tasks. */
function barrierNote(barrier: CallSite): string {
  return `The jugfile stops at the barrier at ${formatSite(barrier)} until the tasks before it are complete; the tasks after it are not listed yet.`;
}

function capitalize(s: string): string {
  return s[0]!.toUpperCase() + s.slice(1);
}
