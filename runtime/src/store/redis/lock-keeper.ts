/**
 * The Redis store's lock keeper: a worker thread with its own connection that refreshes every lock
 * the process holds, every stale/10. User code never runs on this thread, so a task that blocks its
 * event loop for longer than the stale window keeps its lock (as with the file store's keeper).
 *
 * The held locks are slots in shared memory (pages of SLOTS_PER_PAGE): the main thread writes a
 * lock's key and value into a free slot when it takes the lock and empties the slot when it lets
 * it go, and the keeper reads the slots at each refresh. No message per task, so the keeper thread
 * is not woken per task; a message only hands over a new page or reports a lost lock.
 * Each slot is a seqlock: [sequence, length] (Int32, sequence odd while written) and its bytes.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import * as path from "node:path";
import type { RedisLocation } from "./layout";
import { applyHeapSettings } from "../../heap-settings";

const SLOTS_PER_PAGE = 64;
/** Bytes per slot: "<key>\n<value>"; the prefix is at most 100 characters and a host name 253, so this suffices. */
const SLOT_BYTES = 2048;

/** Main thread -> keeper: a new page of slots. */
interface KeeperMessage {
  page: SharedArrayBuffer;
}
/** Keeper -> main thread. */
export type KeeperNotice = { op: "lost"; key: string; value: string } | { op: "problem"; message: string };

interface KeeperData {
  role: "jug-redis-lock-keeper";
  where: RedisLocation;
  staleMs: number;
}

const encoder = new TextEncoder();

class Page {
  readonly header: Int32Array;
  readonly bytes: Uint8Array;
  constructor(readonly shared: SharedArrayBuffer) {
    this.header = new Int32Array(shared, 0, SLOTS_PER_PAGE * 2);
    this.bytes = new Uint8Array(shared, SLOTS_PER_PAGE * 8);
  }
  static create(): Page {
    return new Page(new SharedArrayBuffer(SLOTS_PER_PAGE * (8 + SLOT_BYTES)));
  }
  write(slot: number, text: string): void {
    const start = slot * SLOT_BYTES;
    Atomics.add(this.header, slot * 2, 1); // odd: being written
    const { written } = encoder.encodeInto(text, this.bytes.subarray(start, start + SLOT_BYTES));
    Atomics.store(this.header, slot * 2 + 1, written);
    Atomics.add(this.header, slot * 2, 1);
  }
  /** The slot's text, or undefined when it is empty or changed while read (read again next time). */
  read(slot: number): string | undefined {
    const before = Atomics.load(this.header, slot * 2);
    const length = Atomics.load(this.header, slot * 2 + 1);
    if (before % 2 === 1 || length === 0) return undefined;
    const start = slot * SLOT_BYTES;
    const text = Buffer.from(this.bytes.slice(start, start + length)).toString();
    return Atomics.load(this.header, slot * 2) === before ? text : undefined;
  }
}

function slotText(key: string, value: string): string {
  return `${key}\n${value}`;
}

/** Throws unless the keeper can hold this lock (checked before the lock is taken). */
export function checkKeepable(key: string, value: string): void {
  const bytes = Buffer.byteLength(slotText(key, value));
  if (bytes > SLOT_BYTES) throw new Error(`cannot lock ${key}: its key and owner take ${bytes} bytes, more than the ${SLOT_BYTES} the lock keeper holds`);
}

/** Refresh often enough that a lock survives a slow round trip or two. */
export function refreshIntervalMs(staleMs: number): number {
  return Math.max(50, Math.floor(staleMs / 10));
}

/** Main-thread side: starts the thread on first use; never keeps the process alive. */
export class LockKeeper {
  private worker: Worker | undefined;
  private readonly pages: Page[] = [];
  private readonly freeSlots: number[] = [];

  constructor(
    private readonly data: Omit<KeeperData, "role">,
    private readonly onNotice: (notice: KeeperNotice) => void,
  ) {}

  /** Starts refreshing a lock; returns its slot, for drop(). */
  hold(key: string, value: string): number {
    const worker = this.start();
    if (this.freeSlots.length === 0) {
      const page = Page.create();
      const first = this.pages.length * SLOTS_PER_PAGE;
      this.pages.push(page);
      for (let i = SLOTS_PER_PAGE - 1; i >= 0; i--) this.freeSlots.push(first + i);
      worker.postMessage({ page: page.shared } satisfies KeeperMessage);
    }
    const text = slotText(key, value);
    const slot = this.freeSlots.pop()!;
    this.pages[Math.floor(slot / SLOTS_PER_PAGE)]!.write(slot % SLOTS_PER_PAGE, text);
    return slot;
  }

  drop(slot: number): void {
    this.pages[Math.floor(slot / SLOTS_PER_PAGE)]!.write(slot % SLOTS_PER_PAGE, "");
    this.freeSlots.push(slot);
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
    // Pages made before a restart are handed to the new thread.
    for (const page of this.pages) worker.postMessage({ page: page.shared } satisfies KeeperMessage);
    this.worker = worker;
    return worker;
  }
}

async function keep(port: NonNullable<typeof parentPort>, { where, staleMs }: KeeperData): Promise<void> {
  applyHeapSettings();
  // Loaded here, not at the top: the main thread imports this module for LockKeeper only.
  const { connect } = require("./connection") as typeof import("./connection");
  const pages: Page[] = [];
  port.on("message", (m: KeeperMessage) => pages.push(new Page(m.page)));
  let client: Awaited<ReturnType<typeof connect>>["client"] | undefined;
  let failingSince: number | undefined;
  /** The keeper's connection; tried again at each refresh until made. Reported after a stale window of failures, when locks are at risk. */
  const connected = async () => {
    if (client?.status === "end") client = undefined; // gave up reconnecting: start again
    if (client) return client;
    try {
      ({ client } = await connect(where, "jug-lock-keeper"));
      failingSince = undefined;
    } catch (e) {
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= staleMs) {
        failingSince = Date.now();
        port.postMessage({ op: "problem", message: `locks cannot be refreshed: ${(e as Error).message}` } satisfies KeeperNotice);
      }
    }
    return client;
  };
  /** Values of locks reported lost, so each is reported once (a value is unique to one acquisition). */
  let reported = new Set<string>();
  let refreshing = false;
  setInterval(async () => {
    if (refreshing) return;
    const locks: Array<[string, string]> = [];
    for (const page of pages) {
      for (let slot = 0; slot < SLOTS_PER_PAGE; slot++) {
        const text = page.read(slot);
        const cut = text?.indexOf("\n") ?? -1;
        if (text && cut > 0) locks.push([text.slice(0, cut), text.slice(cut + 1)]);
      }
    }
    if (locks.length === 0) return;
    refreshing = true;
    const client = await connected();
    try {
      if (!client) return;
      const kept = await client.jugRefresh(locks.length, ...locks.map(([key]) => key), staleMs, ...locks.map(([, value]) => value));
      const lost = new Set<string>();
      locks.forEach(([key, value], i) => {
        if (kept[i] === 1) return;
        lost.add(value);
        if (!reported.has(value)) port.postMessage({ op: "lost", key, value } satisfies KeeperNotice);
      });
      reported = lost;
    } catch (e) {
      // A lost connection is reported by the main thread's own commands.
      if (client && client.status !== "end" && client.status !== "reconnecting") {
        port.postMessage({ op: "problem", message: `could not refresh locks: ${(e as Error).message}` } satisfies KeeperNotice);
      }
    } finally {
      refreshing = false;
    }
  }, refreshIntervalMs(staleMs));
}

if (!isMainThread && parentPort && (workerData as Partial<KeeperData> | null)?.role === "jug-redis-lock-keeper") void keep(parentPort, workerData as KeeperData);
