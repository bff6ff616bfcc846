/**
 * The lock keeper: a worker thread that takes, refreshes and releases the file store's locks with
 * proper-lockfile. Refreshing here, not on the thread that runs user code, means a task that blocks
 * its event loop for longer than the stale window keeps its lock.
 * proper-lockfile's algorithm (atomic create, mtime refresh every stale/2, stale takeover, compromise
 * detection) runs unchanged; its fs shim below makes the lock entry a symlink carrying the owner
 * (lock-entry.ts): one syscall to take, one to release, where mkdir + owner file + rmdir cost ~1 ms
 * on the ext4 (discard) disk we measured. A lock whose owner is a dead process on this host is
 * reclaimed at once; any other stale lock after the stale window.
 */
import * as fs from "node:fs";
import { parentPort } from "node:worker_threads";
import * as lockfile from "proper-lockfile";
import type { KeeperReply, KeeperRequest } from "./lock-protocol";
import { createLockEntry, isDeadLocalOwner, readOwner, removeLockEntry } from "./lock-entry";
import type { LockOwner } from "../types";

type Callback<T = void> = (err: NodeJS.ErrnoException | null, value?: T) => void;

/** Owner JSON of each lock being taken, for the shim's mkdir. */
const pendingOwners = new Map<string, string>();
const held = new Map<string, () => Promise<void>>();

function sync<T>(cb: Callback<T>, op: () => T): void {
  let value: T;
  try {
    value = op();
  } catch (e) {
    return cb(e as NodeJS.ErrnoException);
  }
  cb(null, value);
}

/**
 * The file system proper-lockfile uses. Synchronous calls are fine on this thread (no user code runs
 * here) and faster than the thread pool. Its mkdir/rmdir/stat/utimes act on the lock entry.
 * One object for the life of the thread, so proper-lockfile probes the mtime precision once.
 */
const lockFs = {
  ...fs,
  mkdir(entry: string, cb: Callback) {
    sync(cb, () => createLockEntry(entry, pendingOwners.get(entry) ?? "{}"));
  },
  rmdir(entry: string, cb: Callback) {
    sync(cb, () => removeLockEntry(entry));
  },
  rmdirSync: removeLockEntry,
  stat(entry: string, cb: Callback<fs.Stats>) {
    sync(cb, () => fs.lstatSync(entry));
  },
  utimes(entry: string, atime: Date, mtime: Date, cb: Callback) {
    sync(cb, () => fs.lutimesSync(entry, atime, mtime));
  },
  realpath(p: string, cb: Callback<string>) {
    sync(cb, () => fs.realpathSync(p));
  },
};

/** Removes the lock when its recorded owner is a dead process on this host; true when it did. */
function reclaimIfOwnerDead(lockDir: string): boolean {
  const owner = readOwner(lockDir);
  if (!owner || !isDeadLocalOwner(owner)) return false; // proper-lockfile's stale rule applies
  try {
    removeLockEntry(lockDir);
  } catch {
    // another process reclaimed it first
  }
  return true;
}

type LockOutcome = { ok: true } | { ok: false; held: true };

async function lock(lockDir: string, owner: LockOwner, staleMs: number): Promise<LockOutcome> {
  if (held.has(lockDir)) return { ok: false, held: true };
  const first = await tryLock(lockDir, owner, staleMs);
  // Held by someone: if that is a dead process on this host (SIGKILL), take it over at once.
  return first.ok || !reclaimIfOwnerDead(lockDir) ? first : tryLock(lockDir, owner, staleMs);
}

async function tryLock(lockDir: string, owner: LockOwner, staleMs: number): Promise<LockOutcome> {
  pendingOwners.set(lockDir, JSON.stringify(owner));
  try {
    const release = await lockfile.lock(lockDir.replace(/\.lock$/, ""), {
      lockfilePath: lockDir,
      realpath: false,
      stale: staleMs,
      retries: 0,
      fs: lockFs,
      onCompromised: (err: Error) => {
        held.delete(lockDir);
        post({ op: "compromised", lockDir, message: err.message });
      },
    });
    held.set(lockDir, release);
    return { ok: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOCKED") return { ok: false, held: true };
    throw e;
  } finally {
    pendingOwners.delete(lockDir);
  }
}

async function release(lockDir: string): Promise<void> {
  const releaseLock = held.get(lockDir);
  if (!releaseLock) return; // released already (idempotent), or lost
  held.delete(lockDir);
  try {
    await releaseLock();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ERELEASED" && code !== "ENOENT") throw e;
  }
}

function post(reply: KeeperReply): void {
  parentPort!.postMessage(reply);
}

parentPort!.on("message", (req: KeeperRequest) => {
  const work: Promise<LockOutcome> =
    req.op === "lock" ? lock(req.lockDir, req.owner, req.staleMs) : release(req.lockDir).then(() => ({ ok: true }));
  work.then(
    (outcome) => post({ ...outcome, id: req.id }),
    (e: unknown) => post({ id: req.id, ok: false, held: false, error: e instanceof Error ? `${(e as NodeJS.ErrnoException).code ?? e.name}: ${e.message}` : String(e) }),
  );
});
