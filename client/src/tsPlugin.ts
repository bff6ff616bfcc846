// TypeScript server plugin "jug-typescript-plugin" (contributes.typescriptServerPlugins), shipped in
// the packaged extension as node_modules/jug-typescript-plugin. When a file imports "jug" and the
// workspace has no `jug` package, the editor's TypeScript resolves it to the extension's bundled
// declarations, so a new user sees the Task<T> types and completions, not "Cannot find module".
// A workspace's own `jug` always wins: the plugin only fills in failed resolutions.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type * as ts from "typescript";

/** dist/runtime/dist/index.d.ts of the extension, seen from node_modules/jug-typescript-plugin/index.js. */
function bundledTypesPath(pluginDir: string): string {
  return join(pluginDir, "..", "..", "dist", "runtime", "dist", "index.d.ts");
}

const init: ts.server.PluginModuleFactory = ({ typescript }) => ({
  create(info) {
    const logger = info.project.projectService.logger;
    const typesFile = bundledTypesPath(__dirname);
    const host = info.languageServiceHost;
    const resolveLiterals = host.resolveModuleNameLiterals?.bind(host);
    if (!existsSync(typesFile) || !resolveLiterals) {
      logger.info(`jug-typescript-plugin: not active (types ${typesFile} ${existsSync(typesFile) ? "found" : "missing"})`);
      return info.languageService;
    }
    host.resolveModuleNameLiterals = (literals, containingFile, redirected, options, containingSourceFile, reusedNames) => {
      const resolved = resolveLiterals(literals, containingFile, redirected, options, containingSourceFile, reusedNames);
      return resolved.map((r, i) =>
        r.resolvedModule || literals[i]?.text !== "jug"
          ? r
          : {
              ...r,
              resolvedModule: {
                resolvedFileName: typesFile,
                extension: typescript.Extension.Dts,
                isExternalLibraryImport: true,
                resolvedUsingTsExtension: false,
              },
            },
      );
    };
    logger.info(`jug-typescript-plugin: "jug" falls back to ${typesFile}`);
    return info.languageService;
  },
});

export = init;
