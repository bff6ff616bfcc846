/** Main-thread side of the lock keeper (lock-keeper.ts): starts the thread on first use, one request per message. */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { KeeperReply, KeeperRequest, KeeperResponse } from "./lock-protocol";
import type { LockOwner } from "../types";

type Pending = { resolve: (reply: KeeperResponse) => void; reject: (e: Error) => void };
type Request = KeeperRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class LockKeeperClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly onLost: (lockDir: string, message: string) => void) {}

  /** True when the lock was taken, false when another live owner holds it. */
  async lock(lockDir: string, owner: LockOwner, staleMs: number): Promise<boolean> {
    const reply = await this.request({ op: "lock", lockDir, owner, staleMs });
    return reply.ok;
  }

  async release(lockDir: string): Promise<void> {
    if (this.worker) await this.request({ op: "release", lockDir });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private request(req: Request): Promise<KeeperResponse> {
    const worker = this.start();
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref(); // keep the process alive while a reply is due
    return new Promise<KeeperResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...req, id } as KeeperRequest);
    }).then((reply) => {
      if (!reply.ok && !reply.held) throw new Error(`lock ${req.lockDir}: ${reply.error}`);
      return reply;
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, "lock-keeper.js"));
    worker.unref();
    worker.on("message", (reply: KeeperReply) => {
      if (!("id" in reply)) return this.onLost(reply.lockDir, reply.message);
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
