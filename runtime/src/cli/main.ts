/**
 * `jug <command> [jugfile] [options] [-- user args]` (docs/cli.md). Everything after `--` is
 * passed to the jugfile as process.argv.slice(2).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { EXIT_BAD_INPUT, EXIT_OK, reportError, runtimeVersion, type CommonOptions } from "./common";
import type * as ExecuteModule from "./execute";
import type { ExecuteOptions } from "./execute";
import type * as StatusModule from "./status";
import type { CleanupOptions, StatusOptions } from "./status";

// Command modules load on use: startup time counts for `jug status` in the editor.
const executeModule = async (): Promise<typeof ExecuteModule> => require("./execute") as typeof ExecuteModule;
const statusModule = async (): Promise<typeof StatusModule> => require("./status") as typeof StatusModule;

export async function main(argv: readonly string[]): Promise<number> {
  const dashDash = argv.indexOf("--");
  const own = dashDash < 0 ? [...argv] : argv.slice(0, dashDash);
  const userArgs = dashDash < 0 ? [] : argv.slice(dashDash + 1);
  let exitCode = EXIT_OK;

  const program = new Command("jug")
    .description("Jug for TypeScript: run the tasks of a jugfile once each, in parallel, caching every result.")
    .version(runtimeVersion(), "--version")
    .exitOverride()
    .showHelpAfterError();
  const command = (name: string, description: string): Command =>
    program
      .command(name)
      .description(description)
      .argument("[jugfile]", "the jugfile (default: jugfile.ts, .mts, .js or .mjs in the current directory)")
      // From JUG_JUGDIR when not given: execute -j N hands its workers the store that way, so a Redis
      // URL's password is not on their command lines (which any user can read with ps).
      .addOption(new Option("--jugdir <dir>", "store directory or redis:// URL (default: <jugfile name>.jugdata beside the jugfile)").env("JUG_JUGDIR"));

  command("execute", "run the tasks (each once, across all workers)")
    .option("-j, --jobs <n>", "number of worker processes", positiveInteger, 1)
    .option("--target <name>", "run only the matching tasks and what they need (NAME, full.name or /regex/)")
    .option("--keep-going", "after a failure, continue with tasks that do not depend on it", false)
    .option("--keep-failed", "mark failures as kept: no worker retries them until `jug cleanup --failed-only`", false)
    .addOption(new Option("--child", "internal: worker process of execute -j N").hideHelp().default(false))
    .addOption(new Option("--start-at <fraction>", "internal: where a -j N worker starts in the task list").hideHelp().argParser(Number))
    .action(async (jugfile: string | undefined, opts: ExecuteOptions) => {
      exitCode = await (await executeModule()).executeCommand(jugfile, opts, userArgs);
    });
  command("status", "show how many tasks are waiting, ready, running, complete and failed, per name")
    .option("--short", "one line")
    .option("--json", "the status document (docs/status-json.md)")
    .action(async (jugfile: string | undefined, opts: StatusOptions) => {
      exitCode = await (await statusModule()).statusCommand(jugfile, opts, userArgs);
    });
  command("check", "exit 0 when every task is complete, 1 otherwise").action(async (jugfile: string | undefined, opts: CommonOptions) => {
    exitCode = await (await statusModule()).checkCommand(jugfile, opts, userArgs);
  });
  command("invalidate", "remove the results of matching tasks and of everything downstream of them")
    .requiredOption("--target <name>", "NAME, full.name or /regex/")
    .action(async (jugfile: string | undefined, opts: CommonOptions & { target: string }) => {
      exitCode = await (await statusModule()).invalidateCommand(jugfile, opts, userArgs);
    });
  command("cleanup", "remove results the jugfile no longer uses, failure markers and stale locks")
    .addOption(new Option("--locks-only", "only remove locks").conflicts(["failedOnly", "keepLocks"]))
    .addOption(new Option("--failed-only", "only remove failure markers").conflicts(["keepLocks"]))
    .option("--keep-locks", "leave locks and failure markers")
    .action(async (jugfile: string | undefined, opts: CleanupOptions) => {
      exitCode = await (await statusModule()).cleanupCommand(jugfile, opts, userArgs);
    });
  command("sleep-until", "wait until every task is complete (exit 0) or one has failed (exit 1)").action(
    async (jugfile: string | undefined, opts: CommonOptions) => {
      exitCode = await (require("./sleep-until") as typeof import("./sleep-until")).sleepUntilCommand(jugfile, opts, userArgs);
    },
  );
  command("graph", "task names with counts per state, and which names need which")
    .addOption(new Option("--json", "the graph document (docs/cli.md)").conflicts("dot"))
    .option("--dot", "Graphviz text (e.g. `jug graph --dot | dot -Tsvg > graph.svg`)")
    .action(async (jugfile: string | undefined, opts: import("./graph").GraphOptions) => {
      exitCode = await (require("./graph") as typeof import("./graph")).graphCommand(jugfile, opts, userArgs);
    });
  command("shell", "a Node REPL with the jugfile's tasks: tasks, value(x), loadAll(), invalidate(task)").action(
    async (jugfile: string | undefined, opts: CommonOptions) => {
      exitCode = await (require("./shell") as typeof import("./shell")).shellCommand(jugfile, opts, userArgs);
    },
  );
  program
    .command("count")
    .description("number of tasks per name (does not read the store)")
    .argument("[jugfile]", "the jugfile")
    .action(async (jugfile: string | undefined) => {
      exitCode = await (await statusModule()).countCommand(jugfile, userArgs);
    });

  try {
    await program.parseAsync(own, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    return reportError(e, (s) => process.stderr.write(s));
  }
  return exitCode;
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}
