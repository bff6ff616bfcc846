/**
 * A real redis-server for tests: on a free port, in a temporary directory, no persistence; killed
 * when stopped (and when the test process exits). Installed by .ci/install-system.sh.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:<port>/0, with `?prefix=` when given: each test keeps its keys apart. */
  url(prefix?: string): string;
  stop(): Promise<void>;
}

/** `port`: a given port (to restart a server where it was), else a free one. */
export async function startRedisServer(extraArgs: readonly string[] = [], fixedPort?: number): Promise<RedisServer> {
  if (spawnSync("redis-server", ["--version"]).error) throw new Error("redis-server is not installed: run .ci/install-system.sh (apt package redis-server)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-redis-"));
  for (let attempt = 0; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, ...extraArgs], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killOnExit = (): void => void child.kill("SIGKILL");
    process.on("exit", killOnExit);
    const started = await ready(child);
    if (started === true) {
      return {
        port,
        url: (prefix) => `redis://127.0.0.1:${port}/0${prefix ? `?prefix=${prefix}` : ""}`,
        stop: async () => {
          process.off("exit", killOnExit);
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGKILL");
            await exited;
          }
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    process.off("exit", killOnExit);
    // Another process took the port between our check and redis-server's bind: try another.
    if (attempt >= 3 || fixedPort !== undefined) throw new Error(`redis-server did not start: ${started}`);
  }
}

/** true once redis-server accepts connections, else its output when it exited. */
function ready(child: ChildProcess): Promise<true | string> {
  let output = "";
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(`no "Ready to accept connections" within 10 s:\n${output}`);
    }, 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners("data");
        child.stdout?.resume();
        resolve(true);
      }
    });
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
