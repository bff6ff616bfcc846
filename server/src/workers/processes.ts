/** Process-group signalling (workers are spawned detached: each is the leader of its own group). */
import { spawnSync } from "node:child_process";

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    if (process.platform === "win32") {
      spawnSync("taskkill", ["/pid", String(pid), "/T", "/F"], { windowsHide: true });
    } else {
      process.kill(-pid, signal);
    }
  } catch {
    // already gone
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
