/**
 * The lock keeper: a worker thread where proper-lockfile refreshes the file store's locks (mtime
 * every stale/2), detects a lost lock, and takes over stale ones. Refreshing here, not on the thread
 * that runs user code, means a task that blocks its event loop for longer than the stale window
 * keeps its lock. Protocol: lock-protocol.ts.
 *
 * proper-lockfile's fs shim below makes the lock entry a symlink carrying the owner (lock-entry.ts):
 * one syscall to take, one to release, where mkdir + owner file + rmdir cost ~1 ms on the ext4
 * (discard) disk we measured. An entry the main thread created is adopted 50 ms later unless it was
 * released meanwhile (the shim's mkdir then succeeds without touching it), and the main thread
 * removes the entries of held locks itself (proper-lockfile never does: by then one may be another
 * process's lock). A lock whose owner is a dead process on this host is reclaimed at once; any
 * other stale lock after the stale window.
 */
import * as fs from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import * as lockfile from "proper-lockfile";
import { EventRing, RING_POLL_MS, type KeeperNotice, type KeeperRequest, type KeeperResponse } from "./lock-protocol";
import { createLockEntry, ownerText, readOwner, removeLockEntry } from "./lock-entry";
import { isDeadLocalOwner } from "../lock-owner";
import type { LockOwner } from "../types";

type Callback<T = void> = (err: NodeJS.ErrnoException | null, value?: T) => void;

/** Owner text of each lock being taken here, for the shim's mkdir. */
const pendingOwners = new Map<string, string>();
/** Entries the main thread created, being adopted: the shim's mkdir succeeds without touching them. */
const createdByMain = new Set<string>();
/**
 * Entries of locks held for the main thread, which removes them itself on release: proper-lockfile
 * must never remove one (by then it may be another process's lock).
 */
const removedByMain = new Set<string>();
const held = new Map<string, () => Promise<void>>();
/** Adoptions not started yet: a task that ends within ADOPT_AFTER_MS never involves proper-lockfile. */
const toAdopt = new Map<string, { token: number; staleMs: number }>();
/** Well inside proper-lockfile's shortest stale window (2 s): the lock is refreshed long before anyone may take it. */
const ADOPT_AFTER_MS = 50;
let adoptTimer: NodeJS.Timeout | undefined;
/** Ring events and requests are handled one after another, in the order the main thread made them. */
let queue: Promise<void> = Promise.resolve();

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
      createLockEntry(entry, pendingOwners.get(entry) ?? "");
    });
  },
  rmdir(entry: string, cb: Callback) {
    sync(cb, () => {
      if (!removedByMain.has(entry)) removeLockEntry(entry);
    });
  },
  rmdirSync(entry: string) {
    if (!removedByMain.has(entry)) removeLockEntry(entry);
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
  if (held.has(lockDir) || toAdopt.has(lockDir)) return { ok: false, held: true };
  pendingOwners.set(lockDir, ownerText(owner));
  try {
    let outcome = await manage(token, lockDir, staleMs);
    if (!outcome.ok && reclaimIfOwnerDead(lockDir)) outcome = await manage(token, lockDir, staleMs);
    if (outcome.ok) removedByMain.add(lockDir);
    return outcome;
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

function adoptSoon(token: number, lockDir: string, staleMs: number): void {
  toAdopt.set(lockDir, { token, staleMs });
  adoptTimer ??= setTimeout(() => {
    adoptTimer = undefined;
    queue = queue.then(adoptPending);
  }, ADOPT_AFTER_MS);
}

async function adoptPending(): Promise<void> {
  const batch = [...toAdopt];
  toAdopt.clear();
  for (const [lockDir, { token, staleMs }] of batch) {
    createdByMain.add(lockDir);
    removedByMain.add(lockDir);
    try {
      await manage(token, lockDir, staleMs);
    } catch (e) {
      notify({ op: "lost", token, lockDir, message: `could not keep it fresh: ${(e as Error).message}` });
    } finally {
      createdByMain.delete(lockDir);
    }
  }
}

async function release(lockDir: string): Promise<void> {
  if (toAdopt.delete(lockDir)) return; // released before adoption: nothing to stop
  const releaseLock = held.get(lockDir);
  held.delete(lockDir);
  try {
    await releaseLock?.(); // stops the refresh; the shim leaves the entry to the main thread
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

const ring = new EventRing(workerData as SharedArrayBuffer);

/** Handles the events the main thread recorded, in order. */
async function readRing(): Promise<void> {
  for (const event of ring.drain()) {
    if (event.op === "adopt") adoptSoon(event.token, event.lockDir, event.staleMs);
    else await release(event.lockDir);
  }
}

setInterval(() => {
  queue = queue.then(readRing);
}, RING_POLL_MS);

parentPort!.on("message", (req: KeeperRequest) => {
  queue = queue.then(async () => {
    await readRing(); // events recorded before this request come first
    switch (req.op) {
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
