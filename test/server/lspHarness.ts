/**
 * A test LSP client over a real JSON-RPC connection: either the server in this process over a
 * stream pair, or the compiled server spawned with --stdio. It answers the server's own requests
 * as an editor would (codeLens refresh, work-done progress create, configuration) and records
 * notifications so tests can wait for them.
 */
import { PassThrough } from "node:stream";
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as fs from "node:fs";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import type * as ServerModule from "../../server/src/server";
import type { InitializationOptions } from "../../server/src/protocol";
import { SERVER_DIST, serverModule } from "./fixtures";

export interface Received {
  method: string;
  params: unknown;
  at: number;
}

export interface LensView {
  line: number;
  title: string;
  command: string;
  arguments: unknown[];
}

export class TestClient {
  readonly notifications: Received[] = [];
  refreshes = 0;
  progressCreated = 0;
  private waiters: (() => void)[] = [];

  constructor(
    readonly connection: MessageConnection,
    private readonly closeTransport: () => Promise<void>,
    /** Sent as initialize.processId: the server watches it. null in process (the watchdog would keep the test alive). */
    private readonly processId: number | null,
    readonly child?: ChildProcess,
  ) {
    connection.onRequest("workspace/codeLens/refresh", () => {
      this.refreshes++;
      this.wake();
      return null;
    });
    connection.onRequest("window/workDoneProgress/create", () => {
      this.progressCreated++;
      return null;
    });
    connection.onRequest("workspace/configuration", (params: { items: unknown[] }) => params.items.map(() => null));
    connection.onRequest("client/registerCapability", () => null);
    connection.onNotification((method: string, params: unknown) => {
      this.notifications.push({ method, params, at: Date.now() });
      this.wake();
    });
    connection.listen();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `check` returns a truthy value (re-checked on every message and every 50 ms). */
  async waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async initialize(root: string, init: InitializationOptions, refreshSupport = true): Promise<unknown> {
    const result = await this.connection.sendRequest("initialize", {
      processId: this.processId,
      rootUri: pathToFileURL(root).toString(),
      workspaceFolders: [{ uri: pathToFileURL(root).toString(), name: path.basename(root) }],
      capabilities: {
        workspace: { codeLens: { refreshSupport }, configuration: true },
        window: { workDoneProgress: true },
        textDocument: { codeLens: { dynamicRegistration: false }, hover: { contentFormat: ["markdown", "plaintext"] } },
      },
      initializationOptions: init,
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  async open(file: string, text = fs.readFileSync(file, "utf8")): Promise<string> {
    const uri = pathToFileURL(file).toString();
    await this.connection.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "typescript", version: 1, text } });
    return uri;
  }

  async change(uri: string, version: number, text: string): Promise<void> {
    await this.connection.sendNotification("textDocument/didChange", { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async lenses(uri: string): Promise<LensView[]> {
    const lenses = (await this.connection.sendRequest("textDocument/codeLens", { textDocument: { uri } })) as {
      range: { start: { line: number } };
      command?: { title: string; command: string; arguments?: unknown[] };
    }[];
    return lenses.map((l) => ({ line: l.range.start.line, title: l.command?.title ?? "", command: l.command?.command ?? "", arguments: l.command?.arguments ?? [] }));
  }

  async hover(uri: string, line: number, character: number): Promise<string | null> {
    const hover = (await this.connection.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line, character } })) as {
      contents: { value: string };
    } | null;
    return hover ? hover.contents.value : null;
  }

  /** The last published diagnostics for `uri`. */
  diagnostics(uri: string): { message: string; code?: string; range: { start: { line: number } } }[] | undefined {
    const published = this.notifications.filter((n) => n.method === "textDocument/publishDiagnostics" && (n.params as { uri: string }).uri === uri);
    const last = published[published.length - 1];
    return last ? (last.params as { diagnostics: { message: string; code?: string; range: { start: { line: number } } }[] }).diagnostics : undefined;
  }

  async shutdown(): Promise<void> {
    await this.connection.sendRequest("shutdown");
    await this.closeTransport();
  }
}

/** The server in this process, over an in-memory stream pair. */
export function inProcessServer(options: ServerModule.ServerOptions = {}): TestClient {
  const { createServer } = serverModule<typeof ServerModule>("server");
  // Loaded from the server's own dependency tree, as the compiled server does.
  const node = require("vscode-languageserver/node") as typeof import("vscode-languageserver/node");
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverConnection = node.createConnection(new node.StreamMessageReader(toServer), new node.StreamMessageWriter(toClient));
  const server = createServer(serverConnection, { serverDir: SERVER_DIST, ...options });
  serverConnection.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  return new TestClient(
    client,
    async () => {
      await server.dispose();
      client.dispose();
      serverConnection.dispose();
    },
    null,
  );
}

/** The compiled server as its own process, over stdio. */
export function stdioServer(env: NodeJS.ProcessEnv = {}): TestClient {
  const child = spawn(process.execPath, [path.join(SERVER_DIST, "server.js"), "--stdio"], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const client = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const test = new TestClient(
    client,
    async () => {
      await client.sendNotification("exit");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      client.dispose();
    },
    process.pid,
    child,
  );
  child.on("exit", (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`server exited with ${code}\n${stderr}\n`);
  });
  return test;
}
