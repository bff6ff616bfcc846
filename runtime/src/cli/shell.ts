/**
 * `jug shell`: a Node REPL with the jugfile loaded (jug's IPython shell). In scope: the jugfile's
 * exports, `tasks`, `value(x)`, `loadAll()`, `invalidate(task)`. Top-level await works.
 */
import * as repl from "node:repl";
import { TaskLike, value, type Task } from "../api/task";
import { decodeResult } from "../serialize";
import { EXIT_OK, openJug, type CommonOptions, type JugContext } from "./common";

/** Removes the result of `task` and of every task downstream of it (jug shell's invalidate); returns how many were stored. */
export async function invalidateDownstream(ctx: JugContext, task: TaskLike<unknown>): Promise<number> {
  if (!(task instanceof TaskLike)) throw new TypeError("invalidate(task) needs a task or tasklet of this jugfile");
  const invalid = new Uint8Array(ctx.unique.length);
  invalid[task.task.id] = 1;
  // Creation order is a topological order: a task's dependencies come before it.
  for (const t of ctx.unique) if (!invalid[t.id] && t.deps.some((d) => invalid[d.id])) invalid[t.id] = 1;
  return ctx.store.remove(ctx.unique.filter((t) => invalid[t.id]).map((t) => t.hash));
}

/** The results of every complete task, by task. */
export async function loadAllResults(ctx: JugContext): Promise<Map<Task<unknown>, unknown>> {
  const snapshot = await ctx.store.snapshot();
  const results = new Map<Task<unknown>, unknown>();
  for (const t of ctx.unique) if (snapshot.results.has(t.hash)) results.set(t, decodeResult(await ctx.store.read(t.hash)));
  return results;
}

export async function shellCommand(jugfileArg: string | undefined, options: CommonOptions, userArgs: readonly string[]): Promise<number> {
  const ctx = await openJug(jugfileArg, options, userArgs);
  const scope: Record<string, unknown> = {
    ...ctx.exports,
    tasks: ctx.tasks,
    value,
    loadAll: () => loadAllResults(ctx),
    invalidate: (task: TaskLike<unknown>) => invalidateDownstream(ctx, task),
  };
  const exported = Object.keys(ctx.exports);
  process.stdout.write(
    `jug shell: ${ctx.tasks.length} tasks from ${ctx.jugfile}${ctx.barrier ? " (up to a barrier)" : ""}\n` +
      `in scope: tasks, value(x), loadAll(), invalidate(task)${exported.length ? `, ${exported.join(", ")}` : ""}; await works\n`,
  );
  const server = repl.start({ prompt: "jug> ", input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true, useGlobal: false });
  Object.assign(server.context, scope);
  await new Promise<void>((resolve) => server.on("exit", resolve));
  await ctx.store.close();
  return EXIT_OK;
}
