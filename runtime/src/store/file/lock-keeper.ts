/**
 * The lock keeper: a worker thread where proper-lockfile refreshes the file store's locks (mtime
 * every stale/2), detects a lost lock, and takes over stale ones. Refreshing here, not on the thread
 * that runs user code, means a task that blocks its event loop for longer than the stale window
 * keeps its lock. Protocol: lock-protocol.ts.
 *
 * proper-lockfile's fs shim below makes the lock entry a symlink carrying the owner (lock-entry.ts):
 * one syscall to take, one to release, where mkdir + owner file + rmdir cost ~1 ms on the ext4
 * (discard) disk we measured. An entry the main thread already created is adopted (the shim's mkdir
 * succeeds without touching it), and one it already removed is not removed again (it could be
 * another process's lock by then). A lock whose owner is a dead process on this host is reclaimed
 * at once; any other stale lock after the stale window.
 */
import * as fs from "node:fs";
import { parentPort } from "node:worker_threads";
import * as lockfile from "proper-lockfile";
import type { KeeperNotice, KeeperRequest, KeeperResponse } from "./lock-protocol";
import { createLockEntry, isDeadLocalOwner, readOwner, removeLockEntry } from "./lock-entry";
import type { LockOwner } from "../types";

type Callback<T = void> = (err: NodeJS.ErrnoException | null, value?: T) => void;

/** Owner JSON of each lock being taken here, for the shim's mkdir. */
const pendingOwners = new Map<string, string>();
/** Entries created by the main thread, to adopt. */
const createdByMain = new Set<string>();
/** Entries removed by the main thread: proper-lockfile's release must not touch them. */
const removedByMain = new Set<string>();
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
    sync(cb, () => {
      if (createdByMain.delete(entry)) return;
      createLockEntry(entry, pendingOwners.get(entry) ?? "{}");
    });
  },
  rmdir(entry: string, cb: Callback) {
    sync(cb, () => {
      if (!removedByMain.delete(entry)) removeLockEntry(entry);
    });
  },
  rmdirSync(entry: string) {
    if (!removedByMain.delete(entry)) removeLockEntry(entry);
  },
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

/** Takes a lock found held: proper-lockfile's stale rule, or at once when its owner is dead. */
async function lockHeld(token: number, lockDir: string, owner: LockOwner, staleMs: number): Promise<LockOutcome> {
  if (held.has(lockDir)) return { ok: false, held: true };
  pendingOwners.set(lockDir, JSON.stringify(owner));
  try {
    const first = await manage(token, lockDir, staleMs);
    return first.ok || !reclaimIfOwnerDead(lockDir) ? first : await manage(token, lockDir, staleMs);
  } finally {
    pendingOwners.delete(lockDir);
  }
}

/** proper-lockfile takes (or adopts) the entry and keeps it fresh until released. */
async function manage(token: number, lockDir: string, staleMs: number): Promise<LockOutcome> {
  try {
    const release = await lockfile.lock(lockDir.replace(/\.lock$/, ""), {
      lockfilePath: lockDir,
      realpath: false,
      stale: staleMs,
      retries: 0,
      fs: lockFs,
      onCompromised: (err: Error) => {
        held.delete(lockDir);
        notify({ op: "lost", token, lockDir, message: err.message });
      },
    });
    held.set(lockDir, release);
    return { ok: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOCKED") return { ok: false, held: true };
    throw e;
  }
}

async function adopt(token: number, lockDir: string, staleMs: number): Promise<void> {
  createdByMain.add(lockDir);
  try {
    await manage(token, lockDir, staleMs);
  } catch (e) {
    // Usually the main thread released it before we got here (a very short task): then nobody listens.
    notify({ op: "lost", token, lockDir, message: `could not keep it fresh: ${(e as Error).message}` });
  } finally {
    createdByMain.delete(lockDir);
  }
}

async function release(lockDir: string): Promise<void> {
  const releaseLock = held.get(lockDir);
  if (!releaseLock) return; // never adopted (released at once), or lost
  held.delete(lockDir);
  removedByMain.add(lockDir);
  try {
    await releaseLock();
  } catch {
    // already released (compromised meanwhile)
  } finally {
    removedByMain.delete(lockDir);
  }
}

function notify(notice: KeeperNotice): void {
  parentPort!.postMessage(notice);
}

function respond(response: KeeperResponse): void {
  parentPort!.postMessage(response);
}

/** Requests run one after another, in the order sent: a release never overtakes its adopt. */
let queue: Promise<void> = Promise.resolve();

parentPort!.on("message", (req: KeeperRequest) => {
  queue = queue.then(async () => {
    switch (req.op) {
      case "adopt":
        return adopt(req.token, req.lockDir, req.staleMs);
      case "release":
        return release(req.lockDir);
      case "drain":
        return respond({ id: req.id, ok: true });
      case "lock":
        try {
          respond({ id: req.id, ...(await lockHeld(req.token, req.lockDir, req.owner, req.staleMs)) });
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          respond({ id: req.id, ok: false, held: false, error: `${err.code ?? err.name}: ${err.message}` });
        }
    }
  });
});
