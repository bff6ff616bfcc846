/**
 * The lock entry at locks/<hash>.lock and the owner recorded in it.
 *
 * The entry is a symbolic link whose target text is the owner's JSON: creating it is one atomic
 * syscall that fails when the entry exists (like mkdir, also on NFS), and the owner can never be
 * missing. Where symlinks are not allowed (Windows without developer mode), the entry is a directory
 * with owner.json inside. proper-lockfile drives either through the fs shim in lock-keeper.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LockOwner } from "../types";

export const OWNER_FILE = "owner.json";

let symlinksWork = true;

/** Creates the entry; throws EEXIST when it exists. */
export function createLockEntry(entry: string, ownerJson: string): void {
  if (symlinksWork) {
    try {
      fs.symlinkSync(ownerJson, entry);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EPERM" && code !== "ENOSYS" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") throw e;
      symlinksWork = false;
    }
  }
  fs.mkdirSync(entry);
  try {
    fs.writeFileSync(path.join(entry, OWNER_FILE), ownerJson);
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
  let json: string;
  try {
    json = fs.readlinkSync(entry);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EINVAL") return undefined;
    try {
      json = fs.readFileSync(path.join(entry, OWNER_FILE), "utf8");
    } catch {
      return undefined;
    }
  }
  try {
    return JSON.parse(json) as LockOwner;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when the owner is a process on this host that no longer exists (a worker killed with SIGKILL). */
export function isDeadLocalOwner(owner: LockOwner): boolean {
  return owner.host === os.hostname() && owner.pid !== process.pid && !isAlive(owner.pid);
}
