/**
 * Stores (package entry "jug/store"): results, locks, failure markers. Read-only users (the
 * language server) use openStore + snapshot(), decodeResult and previewOf; nothing here imports
 * the engine, api or cli.
 */
import { FileStore, STORE_LAYOUT_VERSION } from "./file";
import { MemoryStore } from "./memory";
import type { RedisStore } from "./redis";
import type { Store } from "./types";

export * from "./types";
export { FileStore, STORE_LAYOUT_VERSION, MemoryStore };
// The URL parser and layout version only: the store itself (and ioredis) loads when a redis:// store is opened.
export { parseRedisUrl, RedisStoreError, REDIS_LAYOUT_VERSION } from "./redis/layout";
export { decodeResult, previewOf } from "../serialize";

export interface OpenStoreOptions {
  /** Told about damaged records or results as they are found (also listed in snapshot().problems). */
  onProblem?: (message: string) => void;
  /** Lock stale window in ms; default JUG_LOCK_STALE_MS, else 60 s. At least 2 s (proper-lockfile's minimum). */
  lockStaleMs?: number;
}

/**
 * `memory:` -> a new in-memory store; `redis://[user:password@]host[:port][/db][?prefix=name]` -> the
 * Redis store (connects now); anything else is a directory path -> the file store (nothing is created
 * until the first write).
 */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (location.startsWith("memory:")) return new MemoryStore(location);
  if (/^redis:/i.test(location)) {
    // Loaded on use: ioredis is not needed by file-store users (the language server, most runs).
    const redis = require("./redis") as { RedisStore: typeof RedisStore };
    return redis.RedisStore.open(location, options);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) throw new Error(`unknown store location ${location}: use a directory path, redis://host:port or memory:`);
  return FileStore.open(location, options);
}
