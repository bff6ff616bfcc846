/**
 * Which runtime (`jug` CLI) and which Node run a jugfile. Pure apart from file-existence checks.
 *
 * Order: the workspace's own `jug` (node_modules/jug resolvable from the jugfile's folder, only
 * when trusted: loading it runs workspace code), then the bundled CLI from initializationOptions,
 * then `jug` resolved from the server's own location.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface RuntimeLocation {
  /** The CLI script (bin/jug.js) to run with node. */
  cli: string;
  /** The package directory (holds package.json). */
  packageDir: string;
  source: "workspace" | "bundled" | "server";
}

export interface ResolveOptions {
  /** initializationOptions.runtimeCli */
  bundledCli?: string;
  /** Allow the workspace's own package (trusted workspaces only). */
  allowWorkspace: boolean;
  /** Where the server itself lives (for the last fallback). */
  serverDir: string;
}

function fromPackageJson(packageJson: string, source: RuntimeLocation["source"]): RuntimeLocation | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(packageJson, "utf8")) as { name?: string; bin?: string | Record<string, string> };
    if (manifest.name !== "jug") return undefined;
    const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.["jug"];
    if (!bin) return undefined;
    const packageDir = path.dirname(packageJson);
    const cli = path.resolve(packageDir, bin);
    return fs.existsSync(cli) ? { cli, packageDir, source } : undefined;
  } catch {
    return undefined;
  }
}

function resolvePackageJson(fromDir: string): string | undefined {
  try {
    return require.resolve("jug/package.json", { paths: [fromDir] });
  } catch {
    return undefined;
  }
}

/** The package directory of a CLI script: the nearest parent with a package.json named jug. */
function packageOfCli(cli: string): RuntimeLocation | undefined {
  let dir = path.dirname(path.resolve(cli));
  for (let i = 0; i < 4; i++) {
    const found = fromPackageJson(path.join(dir, "package.json"), "bundled");
    if (found) return { ...found, cli: path.resolve(cli) };
    dir = path.dirname(dir);
  }
  return fs.existsSync(cli) ? { cli: path.resolve(cli), packageDir: path.dirname(path.dirname(path.resolve(cli))), source: "bundled" } : undefined;
}

export function resolveRuntime(jugfileDir: string, options: ResolveOptions): RuntimeLocation | undefined {
  if (options.allowWorkspace) {
    const workspace = resolvePackageJson(jugfileDir);
    const found = workspace && fromPackageJson(workspace, "workspace");
    if (found) return found;
  }
  if (options.bundledCli) {
    const bundled = packageOfCli(options.bundledCli);
    if (bundled) return bundled;
  }
  const own = resolvePackageJson(options.serverDir);
  return own ? fromPackageJson(own, "server") : undefined;
}

export interface NodeCommand {
  command: string;
  /** Extra environment (ELECTRON_RUN_AS_NODE when falling back to an Electron executable). */
  env: Record<string, string>;
  description: string;
}

/** `node` for user code: the configured path, else `node` on PATH, else our own executable as Node. */
export function resolveNode(configured: string | undefined, env: NodeJS.ProcessEnv, execPath: string): NodeCommand {
  if (configured) return { command: configured, env: {}, description: `${configured} (configured)` };
  const onPath = findOnPath(process.platform === "win32" ? "node.exe" : "node", env["PATH"] ?? env["Path"] ?? "");
  if (onPath) return { command: onPath, env: {}, description: `${onPath} (from PATH)` };
  return { command: execPath, env: { ELECTRON_RUN_AS_NODE: "1" }, description: `${execPath} (the editor's own runtime; no node on PATH)` };
}

export function findOnPath(executable: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, executable);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Default store of a jugfile: `<name without extension>.jugdata` beside it (DESIGN.md), or the override. */
export function storeLocation(jugfilePath: string, override: string | undefined): string {
  if (override) return /^[a-z]+:\/\//.test(override) ? override : path.resolve(path.dirname(jugfilePath), override);
  const base = path.basename(jugfilePath).replace(/\.[^.]+$/, "");
  return path.join(path.dirname(jugfilePath), `${base}.jugdata`);
}
