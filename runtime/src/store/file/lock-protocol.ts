/**
 * Messages between a file store (main thread) and its lock keeper (worker thread): see lock-keeper.ts.
 *
 * Uncontended locks never wait for the keeper: the main thread creates the lock entry itself (one
 * atomic syscall) and records "adopt" in a shared-memory ring, which the keeper reads every
 * RING_POLL_MS, so proper-lockfile there refreshes the entry from then on; releasing removes the
 * entry on the main thread and records "release". No syscall per event (a postMessage costs one),
 * and the keeper reads the ring even while the main thread is blocked in a task.
 * Only a lock found held ("lock": stale takeover, dead owner) and "drain" (close) are messages
 * with a reply; the keeper reads the ring before handling them, so they never overtake an event.
 * Every acquisition carries a token so that a late notice about an earlier one is ignored.
 */
import type { LockOwner } from "../types";

export type RingEvent = { op: "adopt"; token: number; lockDir: string; staleMs: number } | { op: "release"; lockDir: string };

export type KeeperRequest =
  | { id: number; op: "lock"; token: number; lockDir: string; owner: LockOwner; staleMs: number }
  | { id: number; op: "drain" };

export type KeeperResponse =
  | { id: number; ok: true }
  | { id: number; ok: false; held: true }
  | { id: number; ok: false; held: false; error: string };

/** Sent unasked when a held lock was lost (removed, taken over, or its adoption failed). */
export type KeeperNotice = { op: "lost"; token: number; lockDir: string; message: string };

export type KeeperReply = KeeperResponse | KeeperNotice;

/** How often the keeper reads the ring. */
export const RING_POLL_MS = 20;
const CAPACITY = 1 << 20; // bytes; a power of two, so the u32 counters wrap cleanly
const HEADER = 11; // u8 op, u32 token, u32 staleMs, u16 path length

/** Single-producer (main thread), single-consumer (keeper) byte ring in a SharedArrayBuffer. */
export class EventRing {
  /** [0] bytes written, [1] bytes read; both count up forever (mod 2^32). */
  private readonly counters: Int32Array;
  private readonly data: Buffer;

  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(8 + CAPACITY)) {
    this.counters = new Int32Array(shared, 0, 2);
    this.data = Buffer.from(shared, 8, CAPACITY);
  }

  /** Main thread. Waits (briefly, for the keeper to read) only if the ring is full. */
  push(event: RingEvent): void {
    const length = HEADER + Buffer.byteLength(event.lockDir);
    let giveUpAt = 0;
    for (;;) {
      const written = Atomics.load(this.counters, 0) >>> 0;
      const read = Atomics.load(this.counters, 1);
      if (((written - (read >>> 0)) >>> 0) + length <= CAPACITY) {
        const at = written & (CAPACITY - 1);
        // Encoded in place (this runs twice per task); a record that would wrap around is built aside.
        const record = at + length <= CAPACITY ? this.data.subarray(at, at + length) : Buffer.allocUnsafe(length);
        record[0] = event.op === "adopt" ? 1 : 2;
        record.writeUInt32LE(event.op === "adopt" ? event.token : 0, 1);
        record.writeUInt32LE(event.op === "adopt" ? event.staleMs : 0, 5);
        record.writeUInt16LE(length - HEADER, 9);
        record.write(event.lockDir, HEADER, "utf8");
        if (record.buffer !== this.data.buffer) this.copyIn(written, record);
        Atomics.store(this.counters, 0, (written + length) | 0);
        return;
      }
      giveUpAt ||= Date.now() + 10_000;
      if (Date.now() > giveUpAt) throw new Error("the lock keeper thread stopped reading its events");
      Atomics.wait(this.counters, 1, read, 100);
    }
  }

  /** Keeper thread: every event recorded since the last call, in order. */
  drain(): RingEvent[] {
    const events: RingEvent[] = [];
    const written = Atomics.load(this.counters, 0) >>> 0;
    let read = Atomics.load(this.counters, 1) >>> 0;
    while (read !== written) {
      const head = this.copyOut(read, HEADER);
      const pathLength = head.readUInt16LE(9);
      const lockDir = this.copyOut(read + HEADER, pathLength).toString();
      events.push(head[0] === 1 ? { op: "adopt", token: head.readUInt32LE(1), lockDir, staleMs: head.readUInt32LE(5) } : { op: "release", lockDir });
      read = (read + HEADER + pathLength) >>> 0;
    }
    Atomics.store(this.counters, 1, read | 0);
    Atomics.notify(this.counters, 1);
    return events;
  }

  private copyIn(counter: number, bytes: Buffer): void {
    const at = counter & (CAPACITY - 1);
    const first = Math.min(bytes.length, CAPACITY - at);
    this.data.set(bytes.subarray(0, first), at);
    if (first < bytes.length) this.data.set(bytes.subarray(first), 0);
  }

  private copyOut(counter: number, length: number): Buffer {
    const at = (counter >>> 0) & (CAPACITY - 1);
    const out = Buffer.allocUnsafe(length);
    const first = Math.min(length, CAPACITY - at);
    out.set(this.data.subarray(at, at + first), 0);
    if (first < length) out.set(this.data.subarray(0, length - first), first);
    return out;
  }
}
