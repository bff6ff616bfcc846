/**
 * The Redis store's lock keeper: a worker thread with its own connection that refreshes every lock
 * the process holds, every stale/10. User code never runs on this thread, so a task that blocks its
 * event loop for longer than the stale window keeps its lock (as with the file store's keeper).
 * Started by the first lock (LockKeeper below, on the main thread); messages are KeeperMessage and
 * KeeperNotice.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import * as path from "node:path";
import type { RedisLocation } from "./layout";

/** Main thread -> keeper. A lock is named by its key and identified by its value (which holds a unique token). */
export type KeeperMessage = { op: "hold"; key: string; value: string } | { op: "drop"; key: string; value: string };
/** Keeper -> main thread. */
export type KeeperNotice = { op: "lost"; key: string; value: string } | { op: "problem"; message: string };

interface KeeperData {
  role: "jug-redis-lock-keeper";
  where: RedisLocation;
  staleMs: number;
}

/** Refresh often enough that a lock survives a slow round trip or two. */
export function refreshIntervalMs(staleMs: number): number {
  return Math.max(50, Math.floor(staleMs / 10));
}

/** Main-thread side: starts the thread on first use; never keeps the process alive. */
export class LockKeeper {
  private worker: Worker | undefined;

  constructor(
    private readonly data: Omit<KeeperData, "role">,
    private readonly onNotice: (notice: KeeperNotice) => void,
  ) {}

  hold(key: string, value: string): void {
    this.start().postMessage({ op: "hold", key, value } satisfies KeeperMessage);
  }

  drop(key: string, value: string): void {
    this.worker?.postMessage({ op: "drop", key, value } satisfies KeeperMessage);
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, "lock-keeper.js"), { workerData: { role: "jug-redis-lock-keeper", ...this.data } satisfies KeeperData });
    worker.unref();
    worker.on("message", (notice: KeeperNotice) => this.onNotice(notice));
    worker.on("error", (e) => this.onNotice({ op: "problem", message: `the lock keeper thread failed: ${e.message}` }));
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }
}

async function keep(port: NonNullable<typeof parentPort>, { where, staleMs }: KeeperData): Promise<void> {
  // Loaded here, not at the top: the main thread imports this module for LockKeeper only.
  const { connect } = require("./connection") as typeof import("./connection");
  const held = new Map<string, string>(); // key -> value
  port.on("message", (m: KeeperMessage) => {
    if (m.op === "hold") held.set(m.key, m.value);
    else if (held.get(m.key) === m.value) held.delete(m.key);
  });
  let client: Awaited<ReturnType<typeof connect>>["client"];
  try {
    ({ client } = await connect(where, "jug-lock-keeper"));
  } catch (e) {
    port.postMessage({ op: "problem", message: `locks cannot be refreshed: ${(e as Error).message}` } satisfies KeeperNotice);
    return;
  }
  let refreshing = false;
  setInterval(async () => {
    if (refreshing || held.size === 0) return;
    refreshing = true;
    const locks = [...held];
    try {
      const kept = await client.jugRefresh(locks.length, ...locks.map(([key]) => key), staleMs, ...locks.map(([, value]) => value));
      locks.forEach(([key, value], i) => {
        if (kept[i] === 1 || held.get(key) !== value) return;
        held.delete(key);
        port.postMessage({ op: "lost", key, value } satisfies KeeperNotice);
      });
    } catch (e) {
      // A lost connection is reported by the main thread's own commands.
      if (client.status !== "end" && client.status !== "reconnecting") {
        port.postMessage({ op: "problem", message: `could not refresh locks: ${(e as Error).message}` } satisfies KeeperNotice);
      }
    } finally {
      refreshing = false;
    }
  }, refreshIntervalMs(staleMs));
}

if (!isMainThread && parentPort && (workerData as Partial<KeeperData> | null)?.role === "jug-redis-lock-keeper") void keep(parentPort, workerData as KeeperData);
