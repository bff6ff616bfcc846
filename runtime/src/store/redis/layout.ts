/**
 * The Redis store's location (URL) and key layout, defined once (docs/store-layout.md, "Redis store").
 * Bump REDIS_LAYOUT_VERSION on any incompatible change: keys carry it, and the marker key (outside the
 * versioned keys) tells a jug of another version that this prefix is not for it.
 */
import { StoreAccessError, type ResultMeta } from "../types";

export const REDIS_LAYOUT_VERSION = 1;
export const DEFAULT_PREFIX = "jug";
const DEFAULT_PORT = 6379;

export interface RedisLocation {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  prefix: string;
  /** The URL for messages and status: never the password. */
  display: string;
}

/** The Redis store cannot be reached, refused a command, or its URL is wrong (names the URL, never the password). */
export class RedisStoreError extends StoreAccessError {
  constructor(where: string, problem: string) {
    super(where, problem);
    this.message = `Redis store ${where} ${problem}`;
    this.name = "RedisStoreError";
  }
}

/** Parses `redis://[user:pass@]host[:port][/db][?prefix=name]`; throws a RedisStoreError saying what is wrong. */
export function parseRedisUrl(url: string): RedisLocation {
  const bad = (problem: string) => new RedisStoreError(hidePassword(url), problem);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad("is not a Redis URL: expected redis://[user:password@]host[:port][/db][?prefix=name]");
  }
  if (u.protocol !== "redis:") throw bad("is not supported: only redis:// (no TLS, no unix sockets)");
  if (!u.hostname) throw bad("names no host (redis://host:port)");
  const dbText = u.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(dbText)) throw bad(`names database "${dbText}": the path after the port must be a database number`);
  const db = dbText === "" ? 0 : Number(dbText);
  const unknown = [...u.searchParams.keys()].filter((k) => k !== "prefix");
  if (unknown.length > 0) throw bad(`has an unknown option ${unknown.join(", ")} (only ?prefix=name)`);
  const prefix = u.searchParams.get("prefix") ?? DEFAULT_PREFIX;
  if (!/^[\w.-]{1,100}$/.test(prefix)) throw bad(`has prefix "${prefix}": use up to 100 letters, digits, "_", "." or "-"`);
  const port = u.port === "" ? DEFAULT_PORT : Number(u.port);
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1"); // IPv6 literal
  const display = `redis://${username ? `${u.username}@` : ""}${u.host}/${db}${prefix === DEFAULT_PREFIX ? "" : `?prefix=${prefix}`}`;
  return { host, port, db, username, password, prefix, display };
}

/** The URL with any password replaced (for messages about URLs that do not parse). */
function hidePassword(url: string): string {
  return url.replace(/^(\w+:\/\/[^:@/]*):[^@/]*@/, "$1:***@");
}

/** Every key and channel of one store (one prefix in one database). */
export interface RedisKeys {
  /** String: the layout marker (unversioned name, so other versions find it). */
  marker: string;
  /** Hash: task hash -> result metadata (JSON, see encodeMeta). */
  meta: string;
  /** Hash: task hash -> FailureRecord (JSON). */
  failures: string;
  /** Set: task hashes that may have a lock key (pruned when their key is gone). */
  lockIndex: string;
  /** String with a TTL of the stale window: the lock's owner (JSON, see LockValue). */
  lockPrefix: string;
  /** Counter incremented by every change: the poll fallback of watch(). */
  changes: string;
  /** Pub/sub channel: a message per change. */
  events: string;
  /** String: the result's encoded bytes. */
  result(hash: string): string;
  lock(hash: string): string;
}

export function redisKeys(prefix: string): RedisKeys {
  const v = `${prefix}:v${REDIS_LAYOUT_VERSION}`;
  return {
    marker: `${prefix}:layout`,
    meta: `${v}:meta`,
    failures: `${v}:failures`,
    lockIndex: `${v}:locks`,
    lockPrefix: `${v}:lock:`,
    changes: `${v}:changes`,
    events: `${v}:events`,
    result: (hash) => `${v}:result:${hash}`,
    lock: (hash) => `${v}:lock:${hash}`,
  };
}

export interface StoreMarker {
  format: "jug-store";
  layout: number;
}

export const MARKER_TEXT = JSON.stringify({ format: "jug-store", layout: REDIS_LAYOUT_VERSION } satisfies StoreMarker);

/** Why a marker found under the prefix cannot be used, or undefined when it is ours (or there is none yet). */
export function markerProblem(text: string | null): string | undefined {
  if (text === null) return undefined;
  let marker: Partial<StoreMarker> | undefined;
  try {
    marker = JSON.parse(text) as Partial<StoreMarker>;
  } catch {
    // reported below
  }
  if (marker?.format !== "jug-store" || typeof marker.layout !== "number") return "its layout key holds something that is not a jug store marker; choose another ?prefix=";
  if (marker.layout !== REDIS_LAYOUT_VERSION) {
    return `it was written with store layout ${marker.layout}, and this jug reads layout ${REDIS_LAYOUT_VERSION}; use the jug version that wrote it, or another ?prefix=`;
  }
  return undefined;
}

/** Stored metadata: ResultMeta plus the CRC-32 of the result bytes. */
export interface StoredMeta extends ResultMeta {
  crc32: number;
}

export function encodeMeta(meta: ResultMeta, size: number, crc32: number): string {
  const stored: StoredMeta = {
    name: meta.name,
    duration: meta.duration,
    size,
    worker: meta.worker,
    time: meta.time,
    preview: meta.preview,
    codeHash: meta.codeHash,
    crc32,
  };
  return JSON.stringify(stored);
}

export function decodeMeta(text: string): StoredMeta {
  return JSON.parse(text) as StoredMeta;
}

export function publicMeta(stored: StoredMeta): ResultMeta {
  const { crc32: _crc32, ...meta } = stored;
  return meta;
}

/** A lock key's value: the owner, and a token unique to one acquisition (so only that acquisition releases it). */
export interface LockValue {
  worker: string;
  host: string;
  pid: number;
  since: string;
  token: string;
}
