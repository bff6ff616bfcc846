/**
 * Runs the CLI bundle (one CommonJS file, see runtime/scripts/bundle-cli.mjs) with a V8 code cache:
 * after a command, the functions it compiled are kept, so the next start neither parses nor
 * compiles them again (~10 ms of CPU). An entry is named by the bundle's path, size and mtime and
 * Node's version (V8 checks only the source's length, and rejects a cache from another V8 or other
 * flags itself); making a new one removes the bundle's older ones.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { Module, createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { CacheDir } from "./transpiled-cache";

export interface LoadedBundle {
  readonly exports: unknown;
  /** Keeps the code compiled so far, unless the cache in use was valid already. Call when the work is done. */
  saveCodeCache(): void;
}

/** `require(file)` for a CommonJS file, compiled with the code cache kept in `cache`. */
export function requireWithCodeCache(file: string, cache: CacheDir): LoadedBundle {
  const stat = fs.statSync(file);
  const prefix = `cli-${createHash("sha256").update(file).digest("hex").slice(0, 16)}-`;
  const entry = `${prefix}${stat.size}-${Math.round(stat.mtimeMs)}-${process.version}-${process.arch}.v8`;
  const cachedData = cache.read(entry) ?? undefined;
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const module = new Module(file);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  require.cache[file] = module;
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  const valid = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    saveCodeCache() {
      if (valid) return;
      cache.write(entry, script.createCachedData());
      cache.prune(prefix, entry);
    },
  };
}
