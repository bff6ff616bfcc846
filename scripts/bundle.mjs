#!/usr/bin/env node
// Builds what the extension runs, into dist/ (the root package.json is the extension manifest):
//   dist/client.js          the extension (esbuild bundle; `vscode` external)
//   dist/server.js          the language server (esbuild bundle, ts-morph included)
//   dist/parentWatch.js     the server's worker preload
//   dist/runtime/           the `jug` runtime: its compiled modules as tsc emits them (same layout,
//                           so the loader's alias "jug" -> dist/index.js is the very module the
//                           CLI holds), its .d.ts files, and its npm dependencies each bundled
//                           into one file under dist/runtime/node_modules/
//   dist/ts-plugin/index.js the TypeScript server plugin (resolves "jug" to the bundled types)
//
//   node scripts/bundle.mjs [--production | --watch]
//   --production: no source maps, minified server. --watch: rebuild client, server and plugin on
//   change (the runtime is copied once; rerun after `tsc -b runtime`), with "[watch] build
//   started/finished" lines for the problem matcher in .vscode/tasks.json.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
const out = join(root, "dist");

function run(command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${r.status}`);
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  sourcemap: production ? false : "linked",
};

const watchLog = {
  name: "watch-log",
  setup(build) {
    build.onStart(() => console.log("[watch] build started"));
    build.onEnd((r) => console.log(`[watch] build finished (${r.errors.length} errors)`));
  },
};

async function bundleClientAndServer() {
  const builds = [
    { entryPoints: [join(root, "client/src/extension.ts")], outfile: join(out, "client.js"), external: ["vscode"] },
    // ts-morph carries a whole TypeScript compiler: minify it, keep names for readable stacks.
    { entryPoints: [join(root, "server/src/server.ts")], outfile: join(out, "server.js"), minify: production, keepNames: true },
    // Preloaded into every worker by the server (found beside server.js): stops orphaned workers.
    { entryPoints: [join(root, "server/src/workers/parentWatch.ts")], outfile: join(out, "parentWatch.js") },
    { entryPoints: [join(root, "client/src/tsPlugin.ts")], outfile: join(out, "ts-plugin", "index.js") },
  ];
  for (const options of builds) {
    if (!watch) {
      await esbuild.build({ ...common, ...options });
      continue;
    }
    const context = await esbuild.context({ ...common, ...options, plugins: [watchLog] });
    await context.watch();
  }
}

/** Bare module specifiers (npm packages, with subpaths) that the runtime's compiled JS requires. */
function runtimeDependencies(files) {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  const found = new Set();
  for (const file of files) {
    for (const m of readFileSync(file, "utf8").matchAll(/require\("([^".][^"]*)"\)/g)) {
      const spec = m[1];
      if (!builtins.has(spec) && !builtins.has(spec.split("/")[0]) && spec !== "jug" && !spec.startsWith("jug/")) found.add(spec);
    }
  }
  return [...found].sort();
}

async function bundleRuntime() {
  // The runtime's own build (tsc) is the input: its JS keeps its module layout.
  run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-b", "runtime"]);
  // The CLI bundled into dist/cli/bundle.js (what bin/jug.js loads when no newer tsc build is beside it).
  run(process.execPath, [join(root, "runtime/scripts/bundle-cli.mjs")]);
  const src = join(root, "runtime");
  const dest = join(out, "runtime");
  rmSync(dest, { recursive: true, force: true });
  const files = walk(join(src, "dist")).filter((f) => !f.endsWith(".map") && !f.endsWith(".tsbuildinfo"));
  for (const f of files) {
    const target = join(dest, relative(src, f));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(f, target);
  }
  cpSync(join(src, "bin"), join(dest, "bin"), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(src, "package.json"), "utf8"));
  delete manifest.dependencies;
  delete manifest.devDependencies;
  delete manifest.scripts;
  writeFileSync(join(dest, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  // Each dependency becomes one file that node's resolution finds where the package would be.
  for (const spec of runtimeDependencies(files.filter((f) => f.endsWith(".js")))) {
    const isScoped = spec.startsWith("@");
    const parts = spec.split("/");
    const pkgName = parts.slice(0, isScoped ? 2 : 1).join("/");
    const subpath = parts.slice(isScoped ? 2 : 1).join("/");
    const pkgDir = join(dest, "node_modules", pkgName);
    mkdirSync(pkgDir, { recursive: true });
    const file = subpath ? `${subpath}.js` : "index.js";
    await esbuild.build({
      ...common,
      sourcemap: false,
      stdin: { contents: `module.exports = require(${JSON.stringify(spec)});`, resolveDir: src, loader: "js" },
      outfile: join(pkgDir, file),
    });
    if (!subpath) writeFileSync(join(pkgDir, "package.json"), JSON.stringify({ name: pkgName, main: "index.js" }) + "\n");
  }
}

rmSync(join(out, "ts-plugin"), { recursive: true, force: true });
await bundleRuntime();
await bundleClientAndServer();
if (!existsSync(join(out, "runtime", "bin", "jug.js"))) throw new Error("runtime/bin/jug.js missing from the bundle");
console.log(`bundled into ${relative(process.cwd(), out) || "."}/ (${production ? "production" : "development"}${watch ? ", watching" : ""})`);
