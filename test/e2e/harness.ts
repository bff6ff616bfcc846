// End-to-end harness: a fresh code-server (real VS Code 1.100.3, server side on this machine) with
// the packaged extension installed, a throw-away copy of a workspace, and headless Chromium driven
// by playwright-core. Everything runs on 127.0.0.1 and is stopped (whole process groups) at the end.
// Recipe and measurements: docs/extension.md#end-to-end-tests.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { loadChromium, type BrowserContext, type Page } from "./playwright";
import { Workbench } from "./workbench";

export const repoRoot = resolve(__dirname, "..", "..", "..");
const e2eDir = process.env.JUG_E2E_DIR ?? join(repoRoot, ".e2e");
const codeServerBin = join(e2eDir, "code-server", "node_modules", ".bin", "code-server");
const toolsDir = join(e2eDir, "tools");
export const artifactsRoot = join(repoRoot, "test-results", "e2e");
const chromiumPath = process.env.JUG_E2E_CHROMIUM ?? "/usr/bin/chromium";

/** Why the end-to-end tests cannot run here, or null when everything is installed. */
export function e2eMissing(): string | null {
  if (!existsSync(codeServerBin) || !existsSync(join(toolsDir, "node_modules", "playwright-core"))) {
    return `code-server/playwright-core are not installed: run test/e2e/install.sh (installs into ${e2eDir})`;
  }
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}: apt-get install chromium`;
  return null;
}

let packagedVsix: string | null = null;
/** Builds the .vsix once per test process with the project's own `npm run package`. */
export function packageExtension(): string {
  if (packagedVsix) return packagedVsix;
  const out = join(artifactsRoot, "jug-vscode.vsix");
  mkdirSync(artifactsRoot, { recursive: true });
  const r = spawnSync(process.execPath, [join(repoRoot, "scripts", "package.mjs"), "--out", out], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`packaging failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  packagedVsix = out;
  return out;
}

/** The packages `names` need, found through their package.json dependencies in the repo's node_modules. */
function dependencyClosure(names: readonly string[]): Set<string> {
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name) || name === "jug") return;
    const manifest = join(repoRoot, "node_modules", name, "package.json");
    if (!existsSync(manifest)) return;
    found.add(name);
    const deps = (JSON.parse(readFileSync(manifest, "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const dep of Object.keys(deps)) visit(dep);
  };
  for (const name of names) visit(name);
  return found;
}

/**
 * A copy of an example folder in a temp dir whose node_modules links the packages its files import
 * (and @types/node) from the repo's node_modules, but not `jug`: the runtime and its types must
 * come from the extension, as for a user who never installed jug.
 */
export function makeWorkspace(exampleDir: string, name: string): string {
  const ws = join(mkdtempSync(join(tmpdir(), "jug-e2e-")), name);
  cpSync(exampleDir, ws, {
    recursive: true,
    filter: (src) => !/(\.jugdata|node_modules|images)$/.test(src),
  });
  // Strict checking, as examples/tsconfig.json gives the example in the repository (with module
  // settings VS Code 1.100's TypeScript 5.8 knows: it has no "node20").
  const tsconfig = { compilerOptions: { target: "ES2022", module: "esnext", moduleResolution: "bundler", strict: true, noEmit: true, skipLibCheck: true } };
  writeFileSync(join(ws, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const imports = new Set<string>(["@types/node"]);
  for (const file of readdirSync(ws).filter((f) => /\.m?ts$/.test(f))) {
    for (const m of readFileSync(join(ws, file), "utf8").matchAll(/from "([^".][^"]*)"/g)) {
      const spec = m[1]!;
      if (spec.startsWith("node:")) continue;
      const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
      imports.add(pkg).add(`@types/${pkg}`);
    }
  }
  for (const pkg of dependencyClosure([...imports])) {
    const link = join(ws, "node_modules", pkg);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", pkg), link);
  }
  return ws;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface SessionOptions {
  /** Name of the artifacts folder (screenshots, logs) under test-results/e2e/. */
  name: string;
  workspace: string;
  /** false: workspace trust is on and the folder is not trusted (Restricted Mode). */
  trusted: boolean;
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so the extension host, server and workers). */
  env?: Record<string, string>;
}

export interface VsCodeTest extends Omit<SessionOptions, "workspace"> {
  /** The folder copied into a fresh workspace (makeWorkspace) ... */
  example: string;
  /** ... under this name (default: `name`). */
  workspaceName?: string;
}

/**
 * Runs `body` in real VS Code on a fresh copy of `options.example` (its path is
 * session.options.workspace); skipped when the end-to-end tools are missing. A failure leaves a
 * "failure" screenshot; the session always stops.
 */
export async function inVsCode(t: TestContext, options: VsCodeTest, body: (session: Session, wb: Workbench) => Promise<void>): Promise<void> {
  const missing = e2eMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const { example, workspaceName = options.name, ...sessionOptions } = options;
  const session = await Session.start({ ...sessionOptions, workspace: makeWorkspace(example, workspaceName) });
  try {
    await body(session, new Workbench(session.page));
  } catch (e) {
    await session.shot("failure").catch(() => undefined);
    throw e;
  } finally {
    await session.stop();
  }
}

export class Session {
  private browser: BrowserContext | null = null;
  readonly artifacts: string;
  private shotCount = 0;

  private constructor(
    readonly options: SessionOptions,
    readonly page: Page,
    readonly url: string,
    private readonly server: ChildProcess,
    private readonly stateDir: string,
  ) {
    this.artifacts = join(artifactsRoot, options.name);
  }

  /** Starts code-server with the packaged extension and opens the workspace in Chromium. */
  static async start(options: SessionOptions): Promise<Session> {
    const artifacts = join(artifactsRoot, options.name);
    rmSync(artifacts, { recursive: true, force: true });
    mkdirSync(artifacts, { recursive: true });
    const state = mkdtempSync(join(tmpdir(), "jug-e2e-state-"));
    const userData = join(state, "data");
    const extensions = join(state, "extensions");
    mkdirSync(join(userData, "User"), { recursive: true });
    mkdirSync(extensions);
    writeFileSync(
      join(userData, "User", "settings.json"),
      JSON.stringify(
        {
          "workbench.startupEditor": "none",
          "workbench.tips.enabled": false,
          "telemetry.telemetryLevel": "off",
          "update.mode": "none",
          "extensions.autoCheckUpdates": false,
          "extensions.autoUpdate": false,
          "security.workspace.trust.enabled": !options.trusted,
          "security.workspace.trust.startupPrompt": "never",
          "typescript.disableAutomaticTypeAcquisition": true,
          "workbench.reduceMotion": "on",
          "editor.minimap.enabled": false,
          "window.commandCenter": false,
          ...options.settings,
        },
        null,
        2,
      ),
    );
    const configFile = join(state, "config.yaml");
    writeFileSync(configFile, "");
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: join(state, "xdg-config"),
      XDG_DATA_HOME: join(state, "xdg-data"),
      XDG_CACHE_HOME: join(state, "xdg-cache"),
      ...options.env,
    };
    const common = ["--config", configFile, "--user-data-dir", userData, "--extensions-dir", extensions];
    const vsix = packageExtension();
    const install = spawnSync(codeServerBin, [...common, "--install-extension", vsix], { env, encoding: "utf8" });
    if (install.status !== 0 || !/successfully installed/.test(install.stdout)) {
      throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
    }

    const port = await freePort();
    const log = createWriteStream(join(artifacts, "code-server.log"));
    const server = spawn(
      codeServerBin,
      [
        ...common,
        "--bind-addr",
        `127.0.0.1:${port}`,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-getting-started-override",
        "--ignore-last-opened",
        ...(options.trusted ? ["--disable-workspace-trust"] : []),
        options.workspace,
      ],
      // detached: its own process group, so stop() kills the extension host, language server and workers too
      { env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    server.stdout?.pipe(log);
    server.stderr?.pipe(log);
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base, server);

    const profile = join(state, "chromium");
    const browser = await loadChromium(toolsDir).launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      // keep Chromium's crash reports and dconf files out of $HOME
      env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, ".config"), XDG_CACHE_HOME: join(profile, ".cache") },
      viewport: { width: 1400, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(60_000);
    const url = `${base}/?folder=${encodeURIComponent(options.workspace)}`;
    const session = new Session(options, page, url, server, state);
    session.browser = browser;
    await page.goto(url, { waitUntil: "domcontentloaded" });
    await page.locator(".monaco-workbench").waitFor();
    return session;
  }

  /** Saves a screenshot as test-results/e2e/<session>/<nn>-<name>.png and returns its path. */
  async shot(name: string): Promise<string> {
    this.shotCount++;
    const file = join(this.artifacts, `${String(this.shotCount).padStart(2, "0")}-${name}.png`);
    await this.page.screenshot({ path: file, animations: "disabled" });
    return file;
  }

  /** Stops the browser and the whole code-server process group; keeps logs in the artifacts folder. */
  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    this.browser = null;
    const logs = join(this.stateDir, "data", "logs");
    if (existsSync(logs)) cpSync(logs, join(this.artifacts, "vscode-logs"), { recursive: true });
    killGroup(this.server);
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

async function waitForHealth(base: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with code ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  killGroup(server);
  throw new Error(`code-server did not answer on ${base} within 30 s`);
}
