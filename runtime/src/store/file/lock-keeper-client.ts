/**
 * Main-thread side of the lock keeper (lock-keeper.ts, protocol in lock-protocol.ts). An uncontended
 * lock costs one syscall here plus an event in shared memory; the thread starts on first use.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { createLockEntry, ownerText, readOwner, removeLockEntry } from "./lock-entry";
import { isDeadLocalOwner } from "../lock-owner";
import { EventRing, type KeeperReply, type KeeperRequest, type KeeperResponse } from "./lock-protocol";
import type { LockOwner } from "../types";

type Pending = { resolve: (reply: KeeperResponse) => void; reject: (e: Error) => void };

export class LockKeeperClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private nextToken = 1;
  private readonly pending = new Map<number, Pending>();
  /** Token of each lock held through this client. */
  private readonly tokens = new Map<string, number>();
  private readonly ring = new EventRing();

  constructor(private readonly onLost: (lockDir: string, message: string) => void) {}

  /** True when the lock was taken, false when another live owner holds it. */
  async lock(lockDir: string, owner: LockOwner, staleMs: number): Promise<boolean> {
    const token = this.nextToken++;
    try {
      createLockEntry(lockDir, ownerText(owner));
      this.tokens.set(lockDir, token);
      this.start();
      this.ring.push({ op: "adopt", token, lockDir, staleMs });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (isPlainlyHeld(lockDir, staleMs)) return false;
    // Stale, or its owner died: proper-lockfile's takeover, in the keeper.
    const reply = await this.ask({ op: "lock", id: 0, token, lockDir, owner, staleMs });
    if (reply.ok) this.tokens.set(lockDir, token);
    return reply.ok;
  }

  /** Removes the entry now; the keeper then stops refreshing it. */
  release(lockDir: string): void {
    if (!this.tokens.delete(lockDir)) return;
    this.ring.push({ op: "release", lockDir });
    try {
      removeLockEntry(lockDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }

  /** Waits for the keeper to finish what it was sent, then stops it. */
  async close(): Promise<void> {
    if (!this.worker) return;
    await this.ask({ op: "drain", id: 0 }).catch(() => undefined);
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private ask(req: KeeperRequest): Promise<KeeperResponse> {
    const worker = this.start();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref(); // keep the process alive while a reply is due
    return new Promise<KeeperResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id });
    }).then((reply) => {
      if (!reply.ok && !reply.held) throw new Error(`lock ${"lockDir" in req ? req.lockDir : ""}: ${reply.error}`);
      return reply;
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, "lock-keeper.js"), { workerData: this.ring.shared });
    worker.unref();
    worker.on("message", (reply: KeeperReply) => {
      if (!("id" in reply)) {
        // A notice about an acquisition that was released meanwhile (or replaced) is stale: ignore it.
        if (this.tokens.get(reply.lockDir) === reply.token) this.onLost(reply.lockDir, reply.message);
        return;
      }
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      waiter?.resolve(reply);
    });
    const failAll = (e: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.pending.values()) waiter.reject(e);
      this.pending.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`lock keeper thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

/** Fresh, and not owned by a dead process on this host: busy, no need to ask the keeper (the common case when workers contend). */
function isPlainlyHeld(lockDir: string, staleMs: number): boolean {
  let mtimeMs: number;
  try {
    mtimeMs = fs.lstatSync(lockDir).mtimeMs;
  } catch {
    return false; // released meanwhile: let the keeper try
  }
  if (Date.now() - mtimeMs >= staleMs) return false;
  const owner = readOwner(lockDir);
  return owner === undefined || !isDeadLocalOwner(owner);
}
