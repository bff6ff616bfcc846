/**
 * Preloaded into every worker process (`node -r parentWatch.js <cli> execute ...`): when the language
 * server that started the worker dies (even by SIGKILL, so it cannot clean up), the worker is
 * re-parented and this watcher sends it SIGTERM, so the runtime releases its lock and exits.
 * Needs no cooperation from the runtime and works with any `jug` version.
 */
const serverPid = Number(process.env["JUG_SERVER_PID"]);
if (serverPid > 0) {
  setInterval(() => {
    if (process.ppid !== serverPid) process.kill(process.pid, "SIGTERM");
  }, 500).unref();
}
export {};
