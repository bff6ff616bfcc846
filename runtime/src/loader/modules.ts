/**
 * Runs a jugfile and the modules it imports. A module jiti transformed in an earlier run (its code
 * is in the TranspiledCache) runs here the way jiti runs it (same wrapper, same arguments, same
 * interop), without loading jiti; everything else (a changed file, npm packages, subpaths of "jug",
 * files jiti loads natively) goes to jiti, created on first need. Whatever jiti transforms is kept
 * in the cache for the next run.
 */
import * as fs from "node:fs";
import Module, { builtinModules } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import type { createJiti } from "jiti";
import { TranspiledCache } from "./transpiled-cache";

type Jiti = ReturnType<typeof createJiti>;
type Exports = Record<PropertyKey, unknown>;

const BUILTINS = new Set(builtinModules);
/** jiti's default extension order for a specifier without one. */
const EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".mtsx", ".ctsx"];
/** `import "./x.js"` in a .ts file names x.ts when there is no x.js (jiti resolves it so too). */
const JS_EXTENSION = /\.(c|m)?js$/;

export class JugfileModules {
  /** The code each module transformed by jiti ran with (source maps for stacks and call sites). */
  private readonly code = new Map<string, string>();
  /** jiti instances by the module whose imports they resolve. */
  private readonly jitis = new Map<string, Jiti>();

  constructor(
    /** The module "jug" is: the runtime instance this process loaded. */
    private readonly runtimeEntry: string,
    private readonly cache: TranspiledCache,
  ) {}

  /** Runs `file` (again, if it ran before) and returns its exports as jiti's import would. */
  async run(file: string): Promise<unknown> {
    delete require.cache[file];
    return (await this.runCached(file)) ?? this.jiti(file).import(file);
  }

  /** The transformed code `file` ran with, when it was transformed (jiti loads plain CommonJS and .mjs natively). */
  codeOf(file: string): string | undefined {
    return this.code.get(file);
  }

  /** Runs `file` from the cache; undefined (nothing ran) when it has no entry or does not compile. */
  private async runCached(file: string): Promise<unknown> {
    let source: string;
    try {
      source = fs.readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    const code = this.cache.get(file, source);
    if (code === null) return undefined;
    let body: (...args: unknown[]) => Promise<void>;
    try {
      // jiti's own wrapper (lib/jiti's evalModule): code keeps its lines, so stacks match the source map.
      body = vm.runInThisContext(
        `(async function (exports, require, module, __filename, __dirname, jitiImport, jitiESMResolve) { ${code.startsWith("#!") ? `// ${code}` : code}\n});`,
        { filename: file, lineOffset: 0 },
      ) as typeof body;
    } catch {
      return undefined; // jiti handles what does not compile as a script (its ESM fallback)
    }
    this.code.set(file, code);
    const module = new Module(file);
    module.filename = file;
    module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
    module.require = this.requireFor(file) as NodeJS.Require;
    require.cache[file] = module;
    try {
      await body(module.exports, module.require, module, file, path.dirname(file), (id: string) => this.import(file, id), (id: string, options?: unknown) =>
        this.jiti(file).esmResolve(id, options as Parameters<Jiti["esmResolve"]>[1]),
      );
    } catch (e) {
      delete require.cache[file];
      throw e;
    }
    module.loaded = true;
    return interopDefault(module.exports);
  }

  /** `import(id)` in module `from` (jiti's jitiImport). */
  private async import(from: string, id: string): Promise<unknown> {
    if (id === "jug") return interopDefault(require(this.runtimeEntry));
    if (isBuiltin(id)) return interopDefault(require(id));
    const file = resolveLocal(from, id);
    if (file !== null) {
      // Loaded already, or still loading (an import cycle): its exports so far, as jiti gives them.
      const loaded = require.cache[file];
      if (loaded) return interopDefault(loaded.exports);
      const exports = await this.runCached(file);
      if (exports !== undefined) return exports;
    }
    return this.jiti(from).import(id);
  }

  /** `require` inside module `from`: jiti's require (it loads .ts), with "jug" and built-ins answered here. */
  private requireFor(from: string): (id: string) => unknown {
    const requireHere = (id: string): unknown => {
      if (id === "jug") return interopDefault(require(this.runtimeEntry));
      if (isBuiltin(id)) return interopDefault(require(id));
      return this.jiti(from)(id);
    };
    // require.resolve, require.cache and the rest: jiti's.
    return new Proxy(requireHere, { get: (target, key) => (key in target ? (target as unknown as Exports)[key] : (this.jiti(from) as unknown as Exports)[key]) });
  }

  private jiti(from: string): Jiti {
    let jiti = this.jitis.get(from);
    if (!jiti) {
      const { createJiti } = require("jiti") as typeof import("jiti");
      // jiti's own file cache is off: this cache holds its output (and lets the next run skip jiti).
      jiti = createJiti(from, { alias: { jug: this.runtimeEntry }, sourceMaps: true, interopDefault: true, fsCache: false });
      const transform = jiti.options.transform!;
      jiti.options.transform = (options) => {
        const result = transform(options);
        if (options.filename && !result.error && !result.code.includes("__JITI_ERROR__")) {
          this.code.set(options.filename, result.code);
          this.cache.set(options.filename, options.source, result.code);
        }
        return result;
      };
      this.jitis.set(from, jiti);
    }
    return jiti;
  }
}

function isBuiltin(id: string): boolean {
  return id.startsWith("node:") || BUILTINS.has(id);
}

/**
 * The file a relative or absolute specifier names, resolved as jiti resolves it in the common
 * cases (the file itself, then the extensions in jiti's order, then .js -> .ts); null otherwise
 * (jiti decides).
 */
export function resolveLocal(from: string, id: string): string | null {
  if (!(id.startsWith("./") || id.startsWith("../") || path.isAbsolute(id))) return null;
  const target = path.resolve(path.dirname(from), id);
  const candidates = [target, ...EXTENSIONS.map((ext) => target + ext)];
  if (JS_EXTENSION.test(target)) candidates.push(target.replace(JS_EXTENSION, ".$1ts"));
  for (const candidate of candidates) {
    if (fs.statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  return null;
}

/**
 * What jiti's import returns for a module's exports (jiti's jitiInteropDefault with interopDefault
 * on): the exports, whose `default` is the module itself when it has none, and whose missing names
 * are read from its default export.
 */
export function interopDefault(exports: unknown): unknown {
  const type = typeof exports;
  if (exports === null || (type !== "object" && type !== "function")) return exports;
  const target = exports as Exports;
  const fallback = target["default"];
  const fallbackType = typeof fallback;
  const noDefault = fallback === null || fallback === undefined;
  if (noDefault && exports instanceof Promise) return exports;
  const callable = fallbackType === "function" && type !== "function";
  const mergesDefault = (fallbackType === "object" || fallbackType === "function") && !(fallback instanceof Promise);
  const seen = new Map<PropertyKey, unknown>();
  const handler: ProxyHandler<Exports> = {
    get(object, key) {
      if (seen.has(key)) return seen.get(key);
      let value: unknown;
      if (key === "__esModule") value = true;
      else if (key === "default") {
        const inner = noDefault ? undefined : (fallback as Exports)["default"];
        value = noDefault ? exports : typeof inner === "function" && target["__esModule"] ? inner : fallback;
      } else if (key in object) value = object[key];
      else if (mergesDefault) {
        value = (fallback as Exports)[key];
        if (typeof value === "function") value = (value as (...args: unknown[]) => unknown).bind(fallback);
      }
      seen.set(key, value);
      return value;
    },
  };
  if (callable) handler.apply = (_target, thisArg, args: unknown[]) => Reflect.apply(fallback as (...a: unknown[]) => unknown, thisArg, args);
  return new Proxy(target, handler);
}
