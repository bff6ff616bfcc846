/**
 * The lock keeper: a worker thread where proper-lockfile refreshes the file store's locks (mtime
 * every stale/2), detects a lost lock, and takes over stale ones. Refreshing here, not on the thread
 * that runs user code, means a task that blocks its event loop for longer than the stale window
 * keeps its lock. Protocol: lock-protocol.ts.
 *
 * proper-lockfile's fs shim below makes the lock entry a symlink carrying the owner (lock-entry.ts):
 * one syscall to take, one to release, where mkdir + owner file + rmdir cost ~1 ms on the ext4
 * (discard) disk we measured. An entry the main thread created is adopted once the keeper has seen it
 * in its slot for ADOPT_AFTER_MS (the shim's mkdir then succeeds without touching it), and the main thread
 * removes the entries of held locks itself (proper-lockfile never does: by then one may be another
 * process's lock). A lock whose owner is a dead process on this host is reclaimed at once; any
 * other stale lock after the stale window.
 */
import * as fs from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type * as ProperLockfile from "proper-lockfile";
import { ADOPT_AFTER_MS, SLOT_POLL_MS, SlotPage, type KeeperData, type KeeperNotice, type KeeperRequest, type KeeperResponse, type PageMessage } from "./lock-protocol";
import { createLockEntry, ownerText, readOwner, removeLockEntry } from "./lock-entry";
import { isDeadLocalOwner } from "../lock-owner";
import { applyHeapSettings } from "../../heap-settings";
import type { LockOwner } from "../types";

type Callback<T = void> = (err: NodeJS.ErrnoException | null, value?: T) => void;

/** Loaded when a lock first needs it (held for ADOPT_AFTER_MS, or found stale): runs of short tasks never load it. */
let properLockfile: typeof ProperLockfile | undefined;

/** Owner text of each lock being taken here, for the shim's mkdir. */
const pendingOwners = new Map<string, string>();
/** Entries the main thread created, being adopted: the shim's mkdir succeeds without touching them. */
const createdByMain = new Set<string>();
/**
 * Entries of locks held for the main thread, which removes them itself on release: proper-lockfile
 * must never remove one (by then it may be another process's lock).
 */
const removedByMain = new Set<string>();
/** proper-lockfile's release of each lock it keeps fresh here, by token. */
const held = new Map<number, () => Promise<void>>();

/** What the keeper knows of a slot: the acquisition it holds, since when, and whether it was adopted. */
interface SlotState {
  sequence: number;
  token: number;
  lockDir: string;
  staleMs: number;
  seenAt: number;
  adopted: boolean;
}
const pages: SlotPage[] = [];
const slots: Array<SlotState | undefined> = [];
/** Slots, events and requests are handled one after another, in the order the main thread made them. */
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
  if (slots.some((s) => s?.lockDir === lockDir)) return { ok: false, held: true }; // held by this process
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
  properLockfile ??= require("proper-lockfile") as typeof ProperLockfile;
  try {
    const release = await properLockfile.lock(lockDir.replace(/\.lock$/, ""), {
      lockfilePath: lockDir,
      realpath: false,
      stale: staleMs,
      retries: 0,
      fs: lockFs,
      onCompromised: (err: Error) => {
        held.delete(token);
        notify({ op: "lost", token, lockDir, message: err.message });
      },
    });
    held.set(token, release);
    return { ok: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOCKED") return { ok: false, held: true };
    throw e;
  }
}

/** Has proper-lockfile keep fresh a lock the main thread took itself (its entry exists). */
async function adopt(state: SlotState): Promise<void> {
  state.adopted = true;
  createdByMain.add(state.lockDir);
  removedByMain.add(state.lockDir);
  try {
    await manage(state.token, state.lockDir, state.staleMs);
  } catch (e) {
    notify({ op: "lost", token: state.token, lockDir: state.lockDir, message: `could not keep it fresh: ${(e as Error).message}` });
  } finally {
    createdByMain.delete(state.lockDir);
  }
}

/** Stops refreshing the lock of acquisition `token` (the main thread removes its entry). */
async function release(token: number, lockDir: string): Promise<void> {
  const releaseLock = held.get(token);
  held.delete(token);
  try {
    await releaseLock?.(); // stops the refresh; the shim leaves the entry to the main thread
  } catch {
    // already released (compromised meanwhile)
  } finally {
    removedByMain.delete(lockDir);
  }
}

/**
 * Compares the slots with what they held at the last read: a lock let go of (its slot changed) is
 * released here first, then a lock seen unchanged for ADOPT_AFTER_MS is adopted.
 */
async function readSlots(): Promise<void> {
  const now = performance.now();
  const due: SlotState[] = [];
  for (let i = 0; i < pages.length * SlotPage.SLOTS; i++) {
    const page = pages[Math.floor(i / SlotPage.SLOTS)]!;
    const known = slots[i];
    const sequence = page.sequence(i % SlotPage.SLOTS);
    if (known && known.sequence === sequence) {
      if (!known.adopted && now - known.seenAt >= ADOPT_AFTER_MS) due.push(known);
      continue;
    }
    if (known?.adopted) await release(known.token, known.lockDir);
    const current = page.read(i % SlotPage.SLOTS);
    slots[i] = current && { ...current, seenAt: now, adopted: false };
  }
  for (const state of due) await adopt(state);
}

function notify(notice: KeeperNotice): void {
  parentPort!.postMessage(notice);
}

function respond(response: KeeperResponse): void {
  parentPort!.postMessage(response);
}

applyHeapSettings();
pages.push(new SlotPage((workerData as KeeperData).page));

setInterval(() => {
  queue = queue.then(readSlots);
}, SLOT_POLL_MS);

parentPort!.on("message", (message: KeeperRequest | PageMessage) => {
  if ("page" in message) {
    pages.push(new SlotPage(message.page));
    return;
  }
  const req = message;
  queue = queue.then(async () => {
    await readSlots(); // what the main thread did before this request comes first
    switch (req.op) {
      case "drain":
        return respond({ id: req.id, ok: true });
      case "release":
        await release(req.token, req.lockDir);
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
