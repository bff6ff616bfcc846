/**
 * Lock policy shared by every store that locks across processes (file, Redis): the stale window and
 * whether a lock's owner is a process of this host that has died (its lock is reclaimed at once).
 */
import * as os from "node:os";
import type { LockOwner } from "./types";

const DEFAULT_LOCK_STALE_MS = 60_000;
/** proper-lockfile (file store) refuses shorter stale windows; every store uses the same floor. */
export const MIN_LOCK_STALE_MS = 2_000;

/** The lock stale window: `requested` (openStore's lockStaleMs), else JUG_LOCK_STALE_MS, else 60 s; at least 2 s. */
export function lockStaleMs(requested?: number): number {
  if (requested !== undefined) return Math.max(requested, MIN_LOCK_STALE_MS);
  const raw = process.env.JUG_LOCK_STALE_MS;
  const n = raw === undefined ? DEFAULT_LOCK_STALE_MS : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`JUG_LOCK_STALE_MS must be a positive number of milliseconds, not ${JSON.stringify(raw)}`);
  return Math.max(n, MIN_LOCK_STALE_MS);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the owner is a process on this host that no longer exists (a worker killed with SIGKILL). */
export function isDeadLocalOwner(owner: LockOwner): boolean {
  return owner.host === os.hostname() && owner.pid !== process.pid && !isAlive(owner.pid);
}
