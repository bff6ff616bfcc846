/**
 * The runtime's read-only library (jug/store, jug/status, jug/serialize), loaded at run time from
 * the runtime package in use, so the server reads a store with the same code that wrote it.
 * Shapes are checked when loading: a runtime without these entry points (older, or another
 * version) gives a clear message instead of a crash, and the server falls back to CLI calls.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { StatusDocument } from "jug/protocol";

/** What the server reads from a store snapshot (a structural subset of the runtime's StoreSnapshot). */
export interface SnapshotView {
  results: Map<string, { name: string; duration: number; size: number; worker: string; time: string; preview: string; codeHash?: string }>;
  locks: Map<string, { worker: string; since: string }>;
  failures: Map<string, { name: string; message: string; worker: string; time: string }>;
}

export interface ReadableStore {
  snapshot(): Promise<SnapshotView>;
  watch(onChange: () => void): { dispose(): void };
  read(hash: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface RuntimeLibrary {
  openStore(location: string): Promise<ReadableStore>;
  deriveStatus(doc: StatusDocument, snapshot: SnapshotView): StatusDocument;
  decodeResult(bytes: Uint8Array): unknown;
}

type Loaded = { library: RuntimeLibrary } | { error: string };

const cache = new Map<string, Loaded>();

function fn(module: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  const value = (module as Record<string, unknown> | undefined)?.[name];
  return typeof value === "function" ? (value as (...args: unknown[]) => unknown) : undefined;
}

export function loadRuntimeLibrary(packageDir: string): Loaded {
  const cached = cache.get(packageDir);
  if (cached) return cached;
  let loaded: Loaded;
  try {
    const requireFromRuntime = createRequire(path.join(packageDir, "package.json"));
    const root = fs.realpathSync(packageDir) + path.sep;
    // Self-reference through the package's exports; never fall through to another `jug` up the tree.
    const load = (entry: string): unknown => {
      const resolved = fs.realpathSync(requireFromRuntime.resolve(entry));
      if (!resolved.startsWith(root)) throw new Error(`${entry} is not part of this runtime package`);
      return requireFromRuntime(resolved);
    };
    const storeModule = load("jug/store");
    const statusModule = load("jug/status");
    const serializeModule = fn(storeModule, "decodeResult") ? storeModule : load("jug/serialize");
    const openStore = fn(storeModule, "openStore");
    const deriveStatus = fn(statusModule, "deriveStatus");
    const decodeResult = fn(serializeModule, "decodeResult");
    if (!openStore || !deriveStatus || !decodeResult) {
      loaded = { error: `the runtime at ${packageDir} lacks openStore/deriveStatus/decodeResult (another version?)` };
    } else {
      loaded = {
        library: {
          openStore: async (location) => (await openStore(location)) as ReadableStore,
          deriveStatus: (doc, snapshot) => deriveStatus(doc, snapshot) as StatusDocument,
          decodeResult: (bytes) => decodeResult(bytes),
        },
      };
    }
  } catch (error) {
    loaded = { error: `cannot load the runtime's store library from ${packageDir}: ${(error as Error).message}` };
  }
  // Only successes are kept: a runtime that is still being built is tried again next time.
  if ("library" in loaded) cache.set(packageDir, loaded);
  return loaded;
}
