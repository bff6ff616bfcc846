/**
 * The lock entry at locks/<hash>.lock and the owner recorded in it.
 *
 * The entry is a symbolic link whose target text is the owner: creating it is one atomic syscall
 * that fails when the entry exists (like mkdir, also on NFS), and the owner can never be missing.
 * The text is kept short ("<pid> <since ms> <host>[ <worker>]"): under 60 bytes, ext4 and others
 * keep it inside the inode, so no data block is allocated and freed (and discarded) per task.
 * Where symlinks are not allowed (Windows without developer mode), the entry is a directory with
 * owner.json inside. proper-lockfile drives either through the fs shim in lock-keeper.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LockOwner } from "../types";

export const OWNER_FILE = "owner.json";

let symlinksWork = true;

/** The last owner's fields and text: a worker locks many tasks per millisecond, with the same owner. */
const last = { since: "", pid: 0, host: "", worker: "", text: "" };

/** The owner as the entry records it. */
export function ownerText(owner: LockOwner): string {
  if (last.since === owner.since && last.pid === owner.pid && last.host === owner.host && last.worker === owner.worker) return last.text;
  const text = `${owner.pid} ${Date.parse(owner.since)} ${owner.host}`;
  last.text = owner.worker === `${owner.host}:${owner.pid}` ? text : `${text} ${owner.worker}`;
  last.since = owner.since;
  last.pid = owner.pid;
  last.host = owner.host;
  last.worker = owner.worker;
  return last.text;
}

function parseOwner(text: string): LockOwner | undefined {
  if (text.startsWith("{")) return JSON.parse(text) as LockOwner;
  const [pid, since, host, worker] = text.split(" ");
  if (!pid || !since || !host) return undefined;
  return { worker: worker ?? `${host}:${pid}`, host, pid: Number(pid), since: new Date(Number(since)).toISOString() };
}

/** Creates the entry; throws EEXIST when it exists. */
export function createLockEntry(entry: string, owner: string): void {
  if (symlinksWork) {
    try {
      fs.symlinkSync(owner, entry);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EPERM" && code !== "ENOSYS" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw e;
      symlinksWork = false;
    }
  }
  fs.mkdirSync(entry);
  try {
    fs.writeFileSync(path.join(entry, OWNER_FILE), owner);
  } catch (e) {
    removeLockEntry(entry);
    throw e;
  }
}

/** Removes the entry (either kind); throws ENOENT when there is none. */
export function removeLockEntry(entry: string): void {
  try {
    fs.unlinkSync(entry);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EPERM") throw e;
    fs.rmSync(path.join(entry, OWNER_FILE), { force: true });
    fs.rmdirSync(entry);
  }
}

/** The owner recorded in the entry; undefined when there is no lock (or an unreadable one). */
export function readOwner(entry: string): LockOwner | undefined {
  let text: string;
  try {
    text = fs.readlinkSync(entry);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EINVAL") return undefined;
    try {
      text = fs.readFileSync(path.join(entry, OWNER_FILE), "utf8");
    } catch {
      return undefined;
    }
  }
  try {
    return parseOwner(text);
  } catch {
    return undefined;
  }
}

