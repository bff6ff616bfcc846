#!/usr/bin/env node
// `npm run package`: builds jug-vscode-<version>.vsix offline.
//   1. scripts/bundle.mjs --production (client, server, runtime, TypeScript plugin)
//   2. a staging folder dist/vsix/ with only what the extension needs: the manifest (without
//      build fields), README, LICENSE, the bundles, the activity-bar icon and
//      node_modules/jug-typescript-plugin (where VS Code's TypeScript looks for plugins)
//   3. @vscode/vsce@3 (installed by test/e2e/install.sh tools into .e2e/tools) packages the staging
//      folder, whose only dependency is the plugin: nothing from the repository's node_modules goes
//      in. (vsce --no-dependencies would drop node_modules/ altogether, and with it the plugin.)
//
//   node scripts/package.mjs [--out FILE.vsix]
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const outArg = process.argv.indexOf("--out");
const vsix = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, `${manifest.name}-${manifest.version}.vsix`);
const stage = join(root, "dist", "vsix");

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...options });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed with exit code ${r.status}`);
}

run(process.execPath, [join(root, "scripts", "bundle.mjs"), "--production"]);

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const staged = { ...manifest };
for (const key of ["scripts", "devDependencies", "dependencies", "workspaces", "private"]) delete staged[key];
// The one package the extension ships in node_modules: VS Code's TypeScript loads server plugins from there.
staged.dependencies = { "jug-typescript-plugin": manifest.version };
writeFileSync(join(stage, "package.json"), JSON.stringify(staged, null, 2) + "\n");
cpSync(join(root, "client", "README.md"), join(stage, "README.md"));
writeFileSync(join(stage, "LICENSE"), `MIT License\n\nJug for TypeScript contributors\n`);
cpSync(join(root, ".vscodeignore"), join(stage, ".vscodeignore"));
for (const file of ["client.js", "server.js", "parentWatch.js"]) cpSync(join(root, "dist", file), join(stage, "dist", file));
cpSync(join(root, "dist", "runtime"), join(stage, "dist", "runtime"), { recursive: true });
cpSync(join(root, "client", "media"), join(stage, "client", "media"), { recursive: true });
const plugin = join(stage, "node_modules", "jug-typescript-plugin");
mkdirSync(plugin, { recursive: true });
cpSync(join(root, "dist", "ts-plugin", "index.js"), join(plugin, "index.js"));
writeFileSync(join(plugin, "package.json"), JSON.stringify({ name: "jug-typescript-plugin", version: manifest.version, main: "index.js" }, null, 2) + "\n");

const vsce = join(root, ".e2e", "tools", "node_modules", ".bin", "vsce");
if (!existsSync(vsce)) run("bash", [join(root, "test", "e2e", "install.sh"), "tools"]);
mkdirSync(dirname(vsix), { recursive: true });
// vsce lists the staged node_modules (only the plugin) with `npm ls`; nothing is downloaded.
run(vsce, ["package", "--allow-missing-repository", "-o", vsix], { cwd: stage });
console.log(`${vsix} (${(statSync(vsix).size / 1e6).toFixed(1)} MB)`);
