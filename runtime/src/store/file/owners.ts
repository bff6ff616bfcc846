/** Who holds a lock: the owner file inside each lock directory, and whether that owner is gone. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OWNER_FILE } from "./lock-protocol";
import type { LockOwner } from "../types";

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The owner recorded in a lock directory; undefined when there is no lock or its owner is still being written. */
export function readOwner(lockDir: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(lockDir, OWNER_FILE), "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

/** True when the owner is a process on this host that no longer exists (a worker killed with SIGKILL). */
export function isDeadLocalOwner(owner: LockOwner): boolean {
  return owner.host === os.hostname() && owner.pid !== process.pid && !isAlive(owner.pid);
}

/** Removes a lock directory and the owner file inside it. */
export function removeLockDir(lockDir: string): void {
  try {
    fs.unlinkSync(path.join(lockDir, OWNER_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  fs.rmdirSync(lockDir);
}
