#!/usr/bin/env node
// Bundles the CLI (dist/cli/main.js and everything it loads from dist, with commander and
// cli-table3) into dist/cli/bundle.js; run after `tsc -b`. Node resolves, reads and compiles each
// module file on its own: one file loads ~30 ms faster than the ~45 it replaces. bin/jug.js uses
// the bundle when it is newer than the last build (runtime/tsconfig.tsbuildinfo), else dist/cli/main.js.
//   node runtime/scripts/bundle-cli.mjs
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const runtime = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(runtime, "src");
const dist = join(runtime, "dist");
const outfile = join(dist, "cli", "bundle.js");
const bundleDir = dirname(outfile);
const LAZY_BUILTINS = /^(node:)?(child_process|worker_threads)$/;
/** Packages loaded on use only, or too large to parse on every start. */
const EXTERNAL_PACKAGES = ["jiti", "ioredis", "proper-lockfile", "cli-progress"];

/** The public API's modules (index.ts, api/, hash/), as paths relative to the bundle. */
const sharedModules = [
  "index.ts",
  ...["api", "hash"].flatMap((dir) => readdirSync(join(src, dir)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => `${dir}/${f}`)),
].map((file) => `../${file.replace(/\.ts$/, ".js")}`);

// The public API's modules are registered in node's module cache under their files in dist, so
// that "jug" in a jugfile -- the loader's alias to dist/index.js, or Node's own resolution when
// jiti loads a .mjs/.js jugfile natively -- is this bundle's instance, whose registry the CLI reads.
const entry = `"use strict";
const Module = require("node:module");
const path = require("node:path");
const shared = [${sharedModules.map((file) => `[${JSON.stringify(file)}, () => require(${JSON.stringify(file)})]`).join(", ")}];
for (const [file, load] of shared) {
  const filename = path.join(__dirname, file);
  const registered = new Module(filename, module);
  registered.filename = filename;
  registered.paths = Module._nodeModulePaths(path.dirname(filename));
  registered.exports = load();
  registered.loaded = true;
  require.cache[filename] = registered;
}
module.exports = require("./main.js");
`;

const runtimeLayout = {
  name: "runtime-layout",
  setup(build) {
    // __dirname inside a bundled module: the directory that module has in dist (worker scripts, package.json).
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      let contents = await readFile(args.path, "utf8");
      const dir = relative(bundleDir, dirname(args.path)).split(sep).join("/");
      if (dir !== "" && /\b__dirname\b/.test(contents)) {
        // After tsc's "use strict" (still the first statement, so the module stays strict);
        // __filename is the bundle's (not shadowed, unlike the __dirname declared here).
        const strict = /^"use strict";\n/.exec(contents)?.[0] ?? "";
        contents = `${strict}var __dirname = require("node:path").join(require("node:path").dirname(__filename), ${JSON.stringify(dir)});\n${contents.slice(strict.length)}`;
      }
      return { contents, loader: "js", resolveDir: dirname(args.path) };
    });
    // Built-ins most commands never use, loaded on first use (status: ~5 ms): commander's and
    // jugExecute's child_process (-j N forks), the lock keeper's worker_threads (locks: execute).
    build.onResolve({ filter: LAZY_BUILTINS }, (args) =>
      args.namespace === "lazy-builtin" ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ""), namespace: "lazy-builtin" },
    );
    build.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: `let real;
const load = () => (real ??= require("node:${args.path}"));
module.exports = new Proxy({}, {
  get: (_, key) => load()[key],
  has: (_, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_, key) => ({ ...Reflect.getOwnPropertyDescriptor(load(), key), configurable: true }),
});`,
      loader: "js",
    }));
  },
};

await esbuild.build({
  stdin: { contents: entry, resolveDir: bundleDir, sourcefile: "bundle-entry.js", loader: "js" },
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: EXTERNAL_PACKAGES,
  plugins: [runtimeLayout],
  sourcemap: "linked",
  logLevel: "warning",
});
