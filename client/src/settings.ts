// The extension's settings (contributes.configuration in package.json), read and validated
// without `vscode`: the glue passes a getter over workspace.getConfiguration("jug").

export interface JugSettings {
  /** Default number of workers offered by Start Workers; null: the number of CPU cores. */
  workers: number | null;
  /** Node executable for workers and CLI calls; null: `node` on PATH, else VS Code's own runtime. */
  nodePath: string | null;
  /** Store override (`--jugdir`); null: `<jugfile>.jugdata` beside the jugfile. */
  storeDir: string | null;
  codeLensEnabled: boolean;
  /** Glob (relative to each workspace folder) of the files treated as jugfiles. */
  jugfileGlob: string;
}

export const DEFAULT_JUGFILE_GLOB = "**/jugfile.{ts,mts,js,mjs}";
export const MAX_WORKERS = 256;

function nonEmptyString(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/** Reads the `jug.*` settings; `get` receives keys without the "jug." prefix. Invalid values fall back to defaults. */
export function readSettings(get: (key: string) => unknown): JugSettings {
  const workers = get("workers");
  return {
    workers:
      typeof workers === "number" && Number.isInteger(workers) && workers >= 1 && workers <= MAX_WORKERS ? workers : null,
    nodePath: nonEmptyString(get("nodePath")),
    storeDir: nonEmptyString(get("storeDir")),
    codeLensEnabled: get("codeLens.enabled") !== false,
    jugfileGlob: nonEmptyString(get("jugfileGlob")) ?? DEFAULT_JUGFILE_GLOB,
  };
}

/** The worker count Start Workers proposes. */
export function defaultWorkerCount(settings: JugSettings, cores: number): number {
  return settings.workers ?? Math.max(1, cores);
}

/** Validates what the user typed into Start Workers: a count, or a message saying what is wrong. */
export function parseWorkerCount(input: string): { count: number } | { error: string } {
  const text = input.trim();
  if (!/^\d+$/.test(text)) return { error: "Enter a whole number of workers, e.g. 2." };
  const count = Number(text);
  if (count < 1) return { error: "Start at least 1 worker." };
  if (count > MAX_WORKERS) return { error: `At most ${MAX_WORKERS} workers.` };
  return { count };
}

/** Which settings changes need the language server restarted (its initializationOptions or document selector). */
export function needsRestart(before: JugSettings, after: JugSettings): boolean {
  return before.nodePath !== after.nodePath || before.storeDir !== after.storeDir || before.jugfileGlob !== after.jugfileGlob;
}
