/** Messages between a file store (main thread) and its lock keeper (worker thread): see lock-keeper.ts. */
import type { LockOwner } from "../types";

export type KeeperRequest =
  | { id: number; op: "lock"; lockDir: string; owner: LockOwner; staleMs: number }
  | { id: number; op: "release"; lockDir: string };

export type KeeperResponse =
  | { id: number; ok: true }
  | { id: number; ok: false; held: true }
  | { id: number; ok: false; held: false; error: string };

/** Sent unasked when a held lock was lost (removed or taken over by another process). */
export type KeeperNotice = { op: "compromised"; lockDir: string; message: string };

export type KeeperReply = KeeperResponse | KeeperNotice;
