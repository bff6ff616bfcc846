/**
 * A preload for every worker process (`node -r <file> <cli> execute ...`): when the language server
 * that started the worker dies (even by SIGKILL, so it cannot clean up), the worker is re-parented
 * and the preload sends it SIGTERM, so the runtime releases its lock and exits. It needs no
 * cooperation from the runtime and works with any `jug` version.
 *
 * The source is written to the temp directory on first use (named by its content hash), so it
 * survives bundling of the server into one file.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const PARENT_WATCH_SOURCE = `"use strict";
// Jug language server worker guard: exit when the server (JUG_SERVER_PID) is gone.
const serverPid = Number(process.env.JUG_SERVER_PID);
if (serverPid > 0) {
  setInterval(() => {
    if (process.ppid !== serverPid) process.kill(process.pid, "SIGTERM");
  }, 500).unref();
}
`;

let written: string | undefined;

/** Path of the preload file, written atomically if it does not exist yet; undefined if the temp dir is not writable. */
export function parentWatchFile(): string | undefined {
  if (written && fs.existsSync(written)) return written;
  const hash = createHash("sha256").update(PARENT_WATCH_SOURCE).digest("hex").slice(0, 12);
  const file = path.join(os.tmpdir(), `jug-parent-watch-${hash}.js`);
  try {
    if (!fs.existsSync(file)) {
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, PARENT_WATCH_SOURCE);
      fs.renameSync(temp, file);
    }
    written = file;
    return file;
  } catch {
    return undefined;
  }
}
