/**
 * How a file store (main thread) and its lock keeper (worker thread, lock-keeper.ts) share the
 * locks the main thread holds. Version: LOCK_PROTOCOL_VERSION (both sides are always the same build).
 *
 * Uncontended locks never wait for the keeper: the main thread creates the lock entry itself (one
 * atomic syscall) and writes the entry's path into a free **slot** in shared memory; releasing
 * removes the entry and empties the slot. The keeper reads the slots every SLOT_POLL_MS (also
 * while the main thread is blocked in a task) and has proper-lockfile adopt a lock it has seen in
 * the same slot, unchanged, for ADOPT_AFTER_MS, and let go of an adopted lock once its slot changes.
 * So a task costs no message, no event and no work at all on the keeper's side: the keeper's work
 * is per poll, not per task.
 *
 * Each slot is a seqlock: [sequence (odd while written), token, stale window, path length] and the
 * path's bytes.
 * A token is unique to one acquisition, so a late notice about an earlier one is ignored.
 * Only a lock found held ("lock": stale takeover, dead owner), its release ("release") and "drain"
 * (close) are messages; the keeper reads the slots before handling one.
 */
import type { LockOwner } from "../types";

export const LOCK_PROTOCOL_VERSION = 2;

export type KeeperRequest =
  | { id: number; op: "lock"; token: number; lockDir: string; owner: LockOwner; staleMs: number }
  | { id: number; op: "release"; token: number; lockDir: string }
  | { id: number; op: "drain" };

export type KeeperResponse =
  | { id: number; ok: true }
  | { id: number; ok: false; held: true }
  | { id: number; ok: false; held: false; error: string };

/** Sent unasked when a held lock was lost (removed, taken over, or its adoption failed). */
export type KeeperNotice = { op: "lost"; token: number; lockDir: string; message: string };

export type KeeperReply = KeeperResponse | KeeperNotice;

/** The keeper's first message data: the first page of slots. Later pages come as `{ page }` messages. */
export interface KeeperData {
  version: typeof LOCK_PROTOCOL_VERSION;
  page: SharedArrayBuffer;
}
export interface PageMessage {
  page: SharedArrayBuffer;
}

/** How often the keeper reads the slots. */
export const SLOT_POLL_MS = 20;
/**
 * A lock held this long is handed to proper-lockfile: well inside its shortest stale window (2 s),
 * and longer than most tasks of a large pipeline, which then never involve proper-lockfile.
 */
export const ADOPT_AFTER_MS = 50;

const SLOTS_PER_PAGE = 16;
/** Bytes of a lock entry's path a slot holds (PATH_MAX on Linux). */
export const SLOT_PATH_BYTES = 4096;
const HEADER_INTS = 4; // sequence, token, stale window (ms), path length

/** One page of slots. The main thread writes, the keeper reads. */
export class SlotPage {
  static readonly SLOTS = SLOTS_PER_PAGE;
  private readonly header: Int32Array;
  private readonly bytes: Buffer;

  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(SLOTS_PER_PAGE * (HEADER_INTS * 4 + SLOT_PATH_BYTES))) {
    this.header = new Int32Array(shared, 0, SLOTS_PER_PAGE * HEADER_INTS);
    this.bytes = Buffer.from(shared, SLOTS_PER_PAGE * HEADER_INTS * 4);
  }

  /** Main thread: the slot now stands for the acquisition `token` of the entry `lockDir`. */
  write(slot: number, token: number, lockDir: string, staleMs: number): void {
    const h = slot * HEADER_INTS;
    Atomics.add(this.header, h, 1); // odd: being written
    const length = this.bytes.write(lockDir, slot * SLOT_PATH_BYTES, SLOT_PATH_BYTES, "utf8");
    Atomics.store(this.header, h + 1, token);
    Atomics.store(this.header, h + 2, staleMs);
    Atomics.store(this.header, h + 3, length);
    Atomics.add(this.header, h, 1);
  }

  /** Main thread: the slot is empty. */
  clear(slot: number): void {
    const h = slot * HEADER_INTS;
    Atomics.add(this.header, h, 1);
    Atomics.store(this.header, h + 1, 0);
    Atomics.add(this.header, h, 1);
  }

  /** Keeper: the slot's sequence number (it changes with every write; odd while one is under way). */
  sequence(slot: number): number {
    return Atomics.load(this.header, slot * HEADER_INTS);
  }

  /** Keeper: what the slot holds, or undefined when it is empty, or being written (read again next time). */
  read(slot: number): { sequence: number; token: number; lockDir: string; staleMs: number } | undefined {
    const h = slot * HEADER_INTS;
    const sequence = Atomics.load(this.header, h);
    if (sequence % 2 !== 0) return undefined;
    const token = Atomics.load(this.header, h + 1);
    const staleMs = Atomics.load(this.header, h + 2);
    const length = Atomics.load(this.header, h + 3);
    if (token === 0) return undefined;
    const lockDir = this.bytes.toString("utf8", slot * SLOT_PATH_BYTES, slot * SLOT_PATH_BYTES + length);
    return Atomics.load(this.header, h) === sequence ? { sequence, token, lockDir, staleMs } : undefined;
  }
}
