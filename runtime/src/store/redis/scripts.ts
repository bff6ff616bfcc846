/**
 * Lua scripts of the Redis store: each runs atomically on the server, so a lock is taken, checked,
 * refreshed or released in one round trip without races. Registered on a client with
 * defineScripts(); ioredis sends EVALSHA and falls back to EVAL after a server restart.
 */
import type { Redis, Result } from "ioredis";

/**
 * Takes the lock if free. KEYS: lock, lock index, marker, result metadata. ARGV: value, stale ms, task hash, marker text.
 * Returns {1, 1 if the result exists else 0} when taken (the "has" of has -> lock -> has, in the same
 * round trip), else {0, the current holder's value}.
 */
const acquire = `
local held = redis.call('GET', KEYS[1])
if held then return {0, held} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[4], 'NX')
return {1, redis.call('HEXISTS', KEYS[4], ARGV[3])}`;

/** Replaces the holder's value if it is still `expected`. KEYS: lock. ARGV: expected, value, stale ms. Returns 1 or 0. */
const reclaim = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** Extends every lock still ours. KEYS: locks. ARGV: stale ms, then each lock's value. Returns 1 (kept) or 0 (lost) per lock. */
const refresh = `
local kept = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[i + 1] then
    redis.call('PEXPIRE', key, ARGV[1])
    kept[i] = 1
  else
    kept[i] = 0
  end
end
return kept`;

/** Deletes the lock if still ours, and tells watchers. KEYS: lock, lock index, changes. ARGV: value, task hash, channel. */
const release = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[3], redis.call('INCR', KEYS[3]))
return 1`;

/**
 * Live locks as [hash, value, hash, value, ...]; drops index entries whose lock expired (owner killed).
 * KEYS: lock index. ARGV: lock key prefix.
 */
const listLocks = `
local out = {}
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', ARGV[1] .. h)
  if v then
    out[#out + 1] = h
    out[#out + 1] = v
  else
    redis.call('SREM', KEYS[1], h)
  end
end
return out`;

const SCRIPTS = {
  jugAcquire: { numberOfKeys: 4, lua: acquire },
  jugReclaim: { numberOfKeys: 1, lua: reclaim },
  jugRefresh: { lua: refresh },
  jugRelease: { numberOfKeys: 3, lua: release },
  jugListLocks: { numberOfKeys: 1, lua: listLocks },
};

declare module "ioredis" {
  interface RedisCommander<Context> {
    jugAcquire(lock: string, lockIndex: string, marker: string, meta: string, value: string, staleMs: number, hash: string, markerText: string): Result<[1, 0 | 1] | [0, string], Context>;
    jugReclaim(lock: string, expected: string, value: string, staleMs: number): Result<number, Context>;
    /** No fixed key count: numkeys, the lock keys, the stale window, each lock's value. */
    jugRefresh(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Result<number[], Context>;
    jugRelease(lock: string, lockIndex: string, changes: string, value: string, hash: string, channel: string): Result<number, Context>;
    jugListLocks(lockIndex: string, lockPrefix: string): Result<string[], Context>;
  }
}

export function defineScripts(client: Redis): void {
  for (const [name, definition] of Object.entries(SCRIPTS)) client.defineCommand(name, definition);
}
