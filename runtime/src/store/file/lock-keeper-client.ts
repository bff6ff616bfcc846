/**
 * Main-thread side of the lock keeper (lock-keeper.ts, protocol in lock-protocol.ts). An uncontended
 * lock costs one syscall here plus a slot written in shared memory; the thread starts on first use.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { createLockEntry, ownerText, readOwner, removeLockEntry } from "./lock-entry";
import { isDeadLocalOwner } from "../lock-owner";
import { LOCK_PROTOCOL_VERSION, SLOT_PATH_BYTES, SlotPage, type KeeperData, type KeeperReply, type KeeperRequest, type KeeperResponse, type PageMessage } from "./lock-protocol";
import type { LockOwner } from "../types";

type Pending = { resolve: (reply: KeeperResponse) => void; reject: (e: Error) => void };

/** A lock held through this client: its acquisition's token, and its slot (or -1: taken over by the keeper, released by message). */
interface Held {
  token: number;
  slot: number;
}

export class LockKeeperClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private nextToken = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly held = new Map<string, Held>();
  private readonly pages: SlotPage[] = [];
  private readonly freeSlots: number[] = [];

  constructor(private readonly onLost: (lockDir: string, message: string) => void) {}

  /** True when the lock was taken, false when another live owner holds it. */
  async lock(lockDir: string, owner: LockOwner, staleMs: number): Promise<boolean> {
    if (Buffer.byteLength(lockDir) > SLOT_PATH_BYTES) throw new Error(`cannot lock ${lockDir}: the path is longer than ${SLOT_PATH_BYTES} bytes`);
    const token = this.nextToken++;
    try {
      createLockEntry(lockDir, ownerText(owner));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (isPlainlyHeld(lockDir, staleMs)) return false;
      // Stale, or its owner died: proper-lockfile's takeover, in the keeper.
      const reply = await this.ask({ op: "lock", id: 0, token, lockDir, owner, staleMs });
      if (reply.ok) this.held.set(lockDir, { token, slot: -1 });
      return reply.ok;
    }
    const slot = this.freeSlot();
    this.pages[Math.floor(slot / SlotPage.SLOTS)]!.write(slot % SlotPage.SLOTS, token, lockDir, staleMs);
    this.held.set(lockDir, { token, slot });
    return true;
  }

  /** Removes the entry now; the keeper then stops refreshing it (if it had begun to). */
  release(lockDir: string): void {
    const held = this.held.get(lockDir);
    if (!held) return;
    this.held.delete(lockDir);
    if (held.slot >= 0) {
      this.pages[Math.floor(held.slot / SlotPage.SLOTS)]!.clear(held.slot % SlotPage.SLOTS);
      this.freeSlots.push(held.slot);
    } else {
      // The keeper holds it through proper-lockfile: it stops refreshing first (it never removes the entry).
      void this.ask({ op: "release", id: 0, token: held.token, lockDir }).catch(() => undefined);
    }
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

  /** A free slot; a new page (handed to the keeper) when all are taken. Starts the keeper. */
  private freeSlot(): number {
    const worker = this.start();
    if (this.freeSlots.length === 0) {
      const page = new SlotPage();
      const first = this.pages.length * SlotPage.SLOTS;
      this.pages.push(page);
      for (let i = SlotPage.SLOTS - 1; i >= 0; i--) this.freeSlots.push(first + i);
      if (this.pages.length > 1) worker.postMessage({ page: page.shared } satisfies PageMessage);
    }
    return this.freeSlots.pop()!;
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
    if (this.pages.length === 0) this.pages.push(new SlotPage());
    const data: KeeperData = { version: LOCK_PROTOCOL_VERSION, page: this.pages[0]!.shared };
    const worker = new Worker(path.join(__dirname, "lock-keeper.js"), { workerData: data });
    worker.unref();
    worker.on("message", (reply: KeeperReply) => {
      if (!("id" in reply)) {
        // A notice about an acquisition that was released meanwhile (or replaced) is stale: ignore it.
        if (this.held.get(reply.lockDir)?.token === reply.token) this.onLost(reply.lockDir, reply.message);
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
    // Pages made before a restart are handed to the new thread.
    for (const page of this.pages.slice(1)) worker.postMessage({ page: page.shared } satisfies PageMessage);
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
