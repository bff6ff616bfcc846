/**
 * Messages between a file store (main thread) and its lock keeper (worker thread): see lock-keeper.ts.
 *
 * Uncontended locks never wait for the keeper: the main thread creates the lock entry itself (one
 * atomic syscall) and sends "adopt", so proper-lockfile in the keeper refreshes it from then on;
 * releasing removes the entry on the main thread and sends "release". Only a lock found held
 * ("lock": stale takeover, dead owner) and "drain" (close) wait for a reply.
 * Every acquisition carries a token so that a late notice about an earlier one is ignored.
 */
import type { LockOwner } from "../types";

export type KeeperRequest =
  | { op: "adopt"; token: number; lockDir: string; staleMs: number }
  | { op: "release"; lockDir: string }
  | { id: number; op: "lock"; token: number; lockDir: string; owner: LockOwner; staleMs: number }
  | { id: number; op: "drain" };

export type KeeperResponse =
  | { id: number; ok: true }
  | { id: number; ok: false; held: true }
  | { id: number; ok: false; held: false; error: string };

/** Sent unasked when a held lock was lost (removed, taken over, or its adoption failed). */
export type KeeperNotice = { op: "lost"; token: number; lockDir: string; message: string };

export type KeeperReply = KeeperResponse | KeeperNotice;
