/**
 * Connections to Redis, for the store (main thread) and its lock keeper (worker thread): one policy
 * for connecting, reconnecting and saying what went wrong.
 */
import Redis from "ioredis";
import { RedisStoreError, type RedisLocation } from "./layout";
import { defineScripts } from "./scripts";

/** Delays between reconnection attempts after a lost connection; after the last, every command fails. */
const RECONNECT_DELAYS_MS = [100, 200, 400, 800, 1000, 1000, 1000, 1000];
export const RECONNECT_WINDOW_S = RECONNECT_DELAYS_MS.reduce((a, b) => a + b, 0) / 1000;
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Opens a connection; fails at once with a clear message when Redis is not there, or refuses the
 * password. Once connected, a lost connection is retried for RECONNECT_WINDOW_S, then every
 * command fails (and nothing keeps the process alive).
 */
export async function connect(where: RedisLocation, name: string): Promise<{ client: Redis; lastError: () => Error | undefined }> {
  let connected = false;
  let lastError: Error | undefined;
  const client = new Redis({
    host: where.host,
    port: where.port,
    db: where.db,
    username: where.username,
    password: where.password,
    protocol: 2,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    connectionName: name,
    disableClientInfo: true,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => (connected ? RECONNECT_DELAYS_MS[attempt - 1] ?? null : null),
  });
  client.on("error", (e: Error) => (lastError = e));
  client.on("ready", () => (lastError = undefined));
  defineScripts(client);
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new RedisStoreError(where.display, openProblem(lastError ?? (e as Error)));
  }
  connected = true;
  return { client, lastError: () => lastError };
}

function openProblem(e: Error): string {
  const text = e.message;
  if (/^WRONGPASS/.test(text)) return `refused the user name or password (${text})`;
  if (/^NOAUTH/.test(text)) return `requires a password: redis://[user:]password@host:port (${text})`;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ETIMEDOUT" || code === "EHOSTUNREACH" || /timeout/i.test(text)) {
    return `is not reachable (${text}): is redis-server running there?`;
  }
  return `cannot be opened (${text})`;
}

export async function quit(client: Redis): Promise<void> {
  if (client.status === "end") return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
