/**
 * Static discovery of task call sites in jugfiles. Pure: no user code runs, no type checker,
 * no file system except through `readFile` (for local modules that re-export jug bindings).
 *
 * Parsing uses the TypeScript compiler that ts-morph bundles (loaded lazily: requiring it costs
 * ~250 ms), called directly without parent pointers, and the raw tree is walked. We measured a
 * ts-morph Project (createSourceFile with overwrite) at 3-8x the cost of this on a 2,000-line
 * jugfile (it wraps the file and sets parent pointers): 65-155 ms against 18 ms per edit on the
 * loaded 2-core CI machine, which misses the 50 ms budget. See docs/server.md.
 */
import * as path from "node:path";
import type * as TsMorph from "ts-morph";
import type { Analysis, GeneratorDef, SiteKind, Span, StaticDiagnostic, TaskSite } from "./types";
import { lineShift } from "./remap";

type Ts = typeof TsMorph.ts;
type Node = TsMorph.ts.Node;
type SourceFile = TsMorph.ts.SourceFile;
type Expression = TsMorph.ts.Expression;

/** The package whose bindings mark task code. */
export const JUG_MODULE = "jug";

/** What a name (or expression) refers to, as far as jug is concerned. */
type Binding =
  | { kind: "api"; api: string }
  | { kind: "jugNamespace" }
  | { kind: "generator"; name: string | null; compound: boolean }
  | { kind: "module"; exports: Map<string, Binding> };

/** Syntax kinds whose body may run many times: loops and functions. */
const REPEATING_KIND_NAMES = [
  "ForStatement", "ForOfStatement", "ForInStatement", "WhileStatement", "DoStatement",
  "ArrowFunction", "FunctionExpression", "FunctionDeclaration", "MethodDeclaration", "GetAccessor", "SetAccessor", "Constructor",
] as const;
let repeatingKinds: ReadonlySet<number> | undefined;
/** Array methods that call their callback once per element. */
const ITERATING_METHODS = new Set(["map", "flatMap", "forEach", "filter", "reduce", "from"]);
const MAPREDUCE_FUNCTIONS = new Set(["map", "reduce", "mapreduce", "currymap"]);

export type ReadFile = (absolutePath: string) => string | undefined;

let tsMorphModule: typeof TsMorph | undefined;
function loadTsMorph(): typeof TsMorph {
  // Lazy: most server starts never need the parser before a jugfile opens.
  tsMorphModule ??= require("ts-morph") as typeof TsMorph;
  return tsMorphModule;
}

export function isJugfileName(filePath: string): boolean {
  return /^jugfile\.(ts|mts|cts|js|mjs|cjs|tsx|jsx)$/.test(path.basename(filePath));
}

interface CacheEntry {
  version: number | string;
  text: string;
  analysis: Analysis;
}
interface LastGood {
  text: string;
  analysis: Analysis;
}

export class Analyzer {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastGood = new Map<string, LastGood>();
  private readonly moduleExports = new Map<string, { text: string; exports: Map<string, Binding> }>();

  constructor(private readonly readFile: ReadFile) {}

  /** Load the parser now (an idle moment after initialize) rather than on the first jugfile. */
  warmUp(): void {
    loadTsMorph();
  }

  private get ts(): Ts {
    return loadTsMorph().ts;
  }

  private parse(filePath: string, text: string): SourceFile {
    const ts = this.ts;
    // No parent pointers: the walk passes the source file to getStart() and never goes up.
    return ts.createSourceFile(filePath, text, ts.ScriptTarget.Latest, false, scriptKind(ts, filePath));
  }

  /** Analysis of `text` as the content of `filePath`, cached by (path, version). */
  analyze(filePath: string, text: string, version: number | string = text.length): Analysis {
    const cached = this.cache.get(filePath);
    if (cached && cached.version === version && cached.text === text) return cached.analysis;
    const fresh = this.analyzeText(filePath, text);
    let analysis = fresh;
    if (fresh.syntaxErrors.length === 0) {
      this.lastGood.set(filePath, { text, analysis: fresh });
    } else {
      const good = this.lastGood.get(filePath);
      // The parser is error tolerant: keep what it found unless it lost call sites, then fall
      // back to the last good sites moved to the current lines (never flicker to empty).
      if (good && fresh.sites.length < good.analysis.sites.length) {
        const shift = lineShift(good.text, text);
        const move = (s: Span): Span => {
          const line = shift(s.line);
          return { line, character: s.character, endLine: line + (s.endLine - s.line), endCharacter: s.endCharacter };
        };
        analysis = {
          ...fresh,
          isJugfile: fresh.isJugfile || good.analysis.isJugfile,
          importsJug: fresh.importsJug || good.analysis.importsJug,
          sites: good.analysis.sites.map((s) => ({ ...s, span: move(s.span), calleeSpan: move(s.calleeSpan) })),
          generators: good.analysis.generators.map((g) => ({ ...g, span: move(g.span) })),
          fromLastGood: true,
        };
      }
    }
    this.cache.set(filePath, { version, text, analysis });
    return analysis;
  }

  /** Drop everything kept for a file (document closed / deleted). */
  forget(filePath: string): void {
    this.cache.delete(filePath);
    this.lastGood.delete(filePath);
    this.moduleExports.delete(filePath);
  }

  private analyzeText(filePath: string, text: string): Analysis {
    const sf = this.parse(filePath, text);
    const walker = new FileWalker(this.ts, sf, filePath, (spec) => this.exportsOfLocalModule(filePath, spec, new Set([filePath])));
    return walker.run(isJugfileName(filePath));
  }

  /** Exports (as jug bindings) of a local module imported from `fromFile` with `specifier`. */
  private exportsOfLocalModule(fromFile: string, specifier: string, visiting: Set<string>): Map<string, Binding> | undefined {
    const resolved = this.resolveLocal(fromFile, specifier);
    if (!resolved) return undefined;
    if (visiting.has(resolved.path)) return new Map();
    const cached = this.moduleExports.get(resolved.path);
    if (cached && cached.text === resolved.text) return cached.exports;
    const sf = this.parse(resolved.path, resolved.text);
    const nextVisiting = new Set(visiting).add(resolved.path);
    const walker = new FileWalker(this.ts, sf, resolved.path, (spec) => this.exportsOfLocalModule(resolved.path, spec, nextVisiting));
    walker.collectBindings();
    const found = walker.exports();
    this.moduleExports.set(resolved.path, { text: resolved.text, exports: found });
    return found;
  }

  private resolveLocal(fromFile: string, specifier: string): { path: string; text: string } | undefined {
    const base = path.resolve(path.dirname(fromFile), specifier);
    const withoutJs = base.replace(/\.(m|c)?js$/, "");
    const candidates = [
      base,
      ...[".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs"].map((ext) => withoutJs + ext),
      ...["index.ts", "index.js"].map((f) => path.join(base, f)),
    ];
    for (const candidate of candidates) {
      const text = this.readFile(candidate);
      if (text !== undefined) return { path: candidate, text };
    }
    return undefined;
  }
}

function scriptKind(ts: Ts, filePath: string): TsMorph.ts.ScriptKind {
  if (/\.(c|m)?js$/.test(filePath)) return ts.ScriptKind.JS;
  if (filePath.endsWith(".jsx")) return ts.ScriptKind.JSX;
  if (filePath.endsWith(".tsx")) return ts.ScriptKind.TSX;
  return ts.ScriptKind.TS;
}

/** One walk over one source file. */
class FileWalker {
  private readonly scope = new Map<string, Binding>();
  private readonly exported = new Map<string, Binding>();
  private readonly starExports: Map<string, Binding>[] = [];
  private readonly generators: GeneratorDef[] = [];
  private readonly sites: TaskSite[] = [];
  /** Keyed by code and position: bindings are resolved more than once per walk. */
  private readonly diagnostics = new Map<string, StaticDiagnostic>();
  private readonly targets: { value: string; span: Span }[] = [];
  private importsJug = false;

  constructor(
    private readonly ts: Ts,
    private readonly sf: SourceFile,
    private readonly filePath: string,
    private readonly localModule: (specifier: string) => Map<string, Binding> | undefined,
  ) {}

  run(namedJugfile: boolean): Analysis {
    this.collectBindings();
    this.visit(this.sf, false);
    this.checkTargets();
    const parseDiagnostics = (this.sf as unknown as { parseDiagnostics?: TsMorph.ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
    return {
      isJugfile: namedJugfile || this.importsJug,
      importsJug: this.importsJug,
      sites: this.sites.sort((a, b) => a.span.line - b.span.line || a.span.character - b.span.character),
      generators: this.generators,
      diagnostics: [...this.diagnostics.values()],
      syntaxErrors: parseDiagnostics.map((d) => ({
        span: this.span(d.start, d.start + d.length),
        message: this.ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      })),
      fromLastGood: false,
    };
  }

  exports(): Map<string, Binding> {
    const all = new Map<string, Binding>();
    for (const star of this.starExports) for (const [k, v] of star) all.set(k, v);
    for (const [k, v] of this.exported) all.set(k, v);
    return all;
  }

  /**
   * Imports, requires, generator and alias declarations, exports. Variables that did not resolve
   * are tried once more at the end, so declarations used before they appear still resolve.
   */
  collectBindings(): void {
    const unresolved: Node[] = [];
    for (const statement of this.sf.statements) {
      if (!this.collectStatement(statement)) unresolved.push(statement);
    }
    for (const statement of unresolved) this.collectStatement(statement);
  }

  /** False for a variable statement with a declaration that bound nothing (worth a second try). */
  private collectStatement(statement: Node): boolean {
    const ts = this.ts;
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const source = this.moduleBinding(statement.moduleSpecifier.text, statement.moduleSpecifier);
      const clause = statement.importClause;
      if (!source || !clause) return true;
      if (clause.name) this.scope.set(clause.name.text, source);
      const named = clause.namedBindings;
      if (named && ts.isNamespaceImport(named)) this.scope.set(named.name.text, source);
      if (named && ts.isNamedImports(named)) {
        for (const element of named.elements) {
          const imported = (element.propertyName ?? element.name).text;
          const binding = member(source, imported);
          if (binding) this.scope.set(element.name.text, binding);
        }
      }
      return true;
    }
    if (ts.isImportEqualsDeclaration(statement)) {
      const ref = statement.moduleReference;
      if (ts.isExternalModuleReference(ref) && ts.isStringLiteral(ref.expression)) {
        const source = this.moduleBinding(ref.expression.text, ref.expression);
        if (source) this.scope.set(statement.name.text, source);
      }
      return true;
    }
    if (ts.isExportDeclaration(statement)) {
      this.collectExportDeclaration(statement);
      return true;
    }
    if (ts.isVariableStatement(statement)) {
      const isExported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      let allBound = true;
      for (const declaration of statement.declarationList.declarations) {
        if (!this.collectVariable(declaration)) allBound = false;
        if (isExported && ts.isIdentifier(declaration.name)) {
          const binding = this.scope.get(declaration.name.text);
          if (binding) this.exported.set(declaration.name.text, binding);
        }
      }
      return allBound;
    }
    return true;
  }

  private collectExportDeclaration(statement: TsMorph.ts.ExportDeclaration): void {
    const ts = this.ts;
    const spec = statement.moduleSpecifier;
    const source = spec && ts.isStringLiteral(spec) ? this.moduleBinding(spec.text, spec) : undefined;
    const clause = statement.exportClause;
    if (!clause) {
      // export * from "...": every member of the source.
      if (source?.kind === "jugNamespace") this.starExports.push(allJugMembers());
      if (source?.kind === "module") this.starExports.push(source.exports);
      return;
    }
    if (ts.isNamespaceExport(clause)) {
      if (source) this.exported.set(clause.name.text, source);
      return;
    }
    for (const element of clause.elements) {
      const local = (element.propertyName ?? element.name).text;
      const binding = source ? member(source, local) : this.scope.get(local);
      if (binding) this.exported.set(element.name.text, binding);
    }
  }

  private moduleBinding(specifier: string, at: Node): Binding | undefined {
    if (specifier === JUG_MODULE) {
      this.importsJug = true;
      return { kind: "jugNamespace" };
    }
    if (!specifier.startsWith(".")) return undefined;
    const moduleExports = this.localModule(specifier);
    if (!moduleExports) {
      this.report({
        span: this.nodeSpan(at),
        severity: "warning",
        message: `cannot read local module "${specifier}": task generators it exports are not recognised`,
        code: "unresolved-local-module",
      });
      return undefined;
    }
    if (moduleExports.size > 0) this.importsJug = true;
    return { kind: "module", exports: moduleExports };
  }

  /** False when the initializer could refer to a binding declared later (resolved nothing yet). */
  private collectVariable(declaration: TsMorph.ts.VariableDeclaration): boolean {
    const ts = this.ts;
    const init = declaration.initializer && skipWrappers(ts, declaration.initializer);
    if (!init) return true;
    // const { TaskGenerator, mapreduce: mr } = require("jug")
    const required = this.requiredModule(init);
    if (required) {
      if (ts.isIdentifier(declaration.name)) this.scope.set(declaration.name.text, required);
      if (ts.isObjectBindingPattern(declaration.name)) {
        for (const element of declaration.name.elements) {
          if (!ts.isIdentifier(element.name)) continue;
          const imported = element.propertyName && ts.isIdentifier(element.propertyName) ? element.propertyName.text : element.name.text;
          const binding = member(required, imported);
          if (binding) this.scope.set(element.name.text, binding);
        }
      }
      return true;
    }
    if (!ts.isIdentifier(declaration.name)) return true;
    const localName = declaration.name.text;
    const binding = this.resolve(init);
    if (!binding) return !(ts.isIdentifier(init) || ts.isPropertyAccessExpression(init) || ts.isCallExpression(init));
    if (binding.kind === "generator" && !this.scope.has(localName)) {
      this.generators.push({ localName, name: binding.name, span: this.nodeSpan(declaration.name), compound: binding.compound });
    }
    this.scope.set(localName, binding);
    return true;
  }

  private requiredModule(expr: Expression): Binding | undefined {
    const ts = this.ts;
    if (
      ts.isCallExpression(expr) &&
      ts.isIdentifier(expr.expression) &&
      expr.expression.text === "require" &&
      expr.arguments.length === 1
    ) {
      const arg = expr.arguments[0]!;
      if (ts.isStringLiteral(arg)) return this.moduleBinding(arg.text, arg);
    }
    return undefined;
  }

  /** What an expression refers to: a jug export, a generator, a namespace. */
  private resolve(expr: Expression): Binding | undefined {
    const ts = this.ts;
    const e = skipWrappers(ts, expr);
    if (ts.isIdentifier(e)) return this.scope.get(e.text);
    if (ts.isPropertyAccessExpression(e)) {
      const owner = this.resolve(e.expression);
      return owner ? member(owner, e.name.text) : undefined;
    }
    if (ts.isCallExpression(e)) {
      const callee = this.resolve(e.expression);
      if (callee?.kind === "api" && (callee.api === "TaskGenerator" || callee.api === "CompoundTaskGenerator")) {
        const fn = e.arguments[0];
        return { kind: "generator", name: fn ? this.functionName(fn) : null, compound: callee.api === "CompoundTaskGenerator" };
      }
    }
    return undefined;
  }

  /** The name the runtime gives a task function; reports anonymous functions. */
  private functionName(fn: Expression): string | null {
    const ts = this.ts;
    const e = skipWrappers(ts, fn);
    if (ts.isIdentifier(e)) return e.text;
    if (ts.isPropertyAccessExpression(e)) return e.name.text;
    if (ts.isFunctionExpression(e) && e.name) return e.name.text;
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      this.report({
        span: this.nodeSpan(e),
        severity: "error",
        message:
          "task function has no name: the runtime names tasks after their function, so an anonymous function cannot be a task. " +
          "Use a named function (function myStep(...) {...}) or declare it first (const myStep = (...) => ...).",
        code: "anonymous-task-function",
      });
      return null;
    }
    return null;
  }

  private visit(node: Node, repeated: boolean): void {
    const ts = this.ts;
    repeatingKinds ??= new Set(REPEATING_KIND_NAMES.map((name) => ts.SyntaxKind[name]));
    const inner = repeated || repeatingKinds.has(node.kind);
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) this.visitCall(node, repeated);
    ts.forEachChild(node, (child) => this.visit(child, inner));
  }

  private visitCall(call: TsMorph.ts.CallExpression | TsMorph.ts.NewExpression, repeated: boolean): void {
    const ts = this.ts;
    const callee = this.resolve(call.expression);
    const args = call.arguments ?? ts.factory.createNodeArray<Expression>();
    if (callee) {
      const site = this.siteFor(callee, args);
      if (site) {
        this.sites.push({
          span: this.nodeSpan(call),
          calleeSpan: this.nodeSpan(call.expression),
          name: site.name,
          kind: site.kind,
          repeated: repeated || site.kind === "mapreduce",
        });
      }
      if (callee.kind === "api") this.collectTargets(args);
      return;
    }
    // xs.map(double): a generator passed as the callback of an iterating method.
    if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && ITERATING_METHODS.has(call.expression.name.text)) {
      for (const arg of args) {
        const binding = this.resolve(arg);
        if (binding?.kind === "generator") {
          this.sites.push({
            span: this.nodeSpan(call),
            calleeSpan: this.nodeSpan(arg),
            name: binding.name,
            kind: "generator",
            repeated: true,
          });
        }
      }
    }
  }

  private siteFor(callee: Binding, args: readonly Expression[]): { kind: SiteKind; name: string | null } | undefined {
    if (callee.kind === "generator") return { kind: "generator", name: callee.name };
    if (callee.kind !== "api") return undefined;
    const first = args[0];
    switch (callee.api) {
      case "Task":
        return { kind: "task", name: first ? this.functionName(first) : null };
      case "CompoundTask":
        return { kind: "compound", name: first ? this.functionName(first) : null };
      case "identity":
        return { kind: "identity", name: "identity" };
      case "jugExecute": // a task of the runtime's generator jug.jugExecute
        return { kind: "task", name: "jugExecute" };
      case "CachedFunction": // a task run while the jugfile loads
        return { kind: "task", name: first ? this.functionName(first) : null };
      default:
        if (callee.api.startsWith("mapreduce.") && MAPREDUCE_FUNCTIONS.has(callee.api.slice("mapreduce.".length))) {
          return { kind: "mapreduce", name: first ? this.functionName(first) : null };
        }
        return undefined;
    }
  }

  /** `{ target: "name" }` passed to a jug function (e.g. jugExecute): checked against the generators. */
  private collectTargets(args: readonly Expression[]): void {
    const ts = this.ts;
    for (const arg of args) {
      if (!ts.isObjectLiteralExpression(arg)) continue;
      for (const property of arg.properties) {
        if (
          ts.isPropertyAssignment(property) &&
          ts.isIdentifier(property.name) &&
          property.name.text === "target" &&
          (ts.isStringLiteral(property.initializer) || ts.isNoSubstitutionTemplateLiteral(property.initializer))
        ) {
          this.targets.push({ value: property.initializer.text, span: this.nodeSpan(property.initializer) });
        }
      }
    }
  }

  private checkTargets(): void {
    const known = new Set<string>();
    for (const g of this.generators) if (g.name) known.add(g.name);
    for (const s of this.sites) if (s.name) known.add(s.name);
    for (const target of this.targets) {
      if (targetMatchesAny(target.value, known)) continue;
      const list = [...known].sort().join(", ") || "none";
      this.report({
        span: target.span,
        severity: "warning",
        message: `target "${target.value}" matches no task generator in ${path.basename(this.filePath)} (known: ${list})`,
        code: "unknown-target",
      });
    }
  }

  private report(diagnostic: StaticDiagnostic): void {
    this.diagnostics.set(`${diagnostic.code}:${diagnostic.span.line}:${diagnostic.span.character}`, diagnostic);
  }

  private nodeSpan(node: Node): Span {
    return this.span(node.getStart(this.sf), node.getEnd());
  }

  private span(start: number, end: number): Span {
    const a = this.sf.getLineAndCharacterOfPosition(start);
    const b = this.sf.getLineAndCharacterOfPosition(end);
    return { line: a.line, character: a.character, endLine: b.line, endCharacter: b.character };
  }
}

/** `--target` semantics (DESIGN.md): exact function name, full name, or /regex/ on the full name. */
export function targetMatchesAny(target: string, names: Iterable<string>): boolean {
  const regex = /^\/(.*)\/([a-z]*)$/.exec(target);
  for (const name of names) {
    if (regex) {
      try {
        if (new RegExp(regex[1]!, regex[2]).test(name)) return true;
      } catch {
        return false;
      }
    } else if (name === target || target.endsWith("." + name)) {
      return true;
    }
  }
  return false;
}

/** A member of a namespace-like binding. */
function member(owner: Binding, name: string): Binding | undefined {
  switch (owner.kind) {
    case "jugNamespace":
      return { kind: "api", api: name };
    case "module":
      return owner.exports.get(name);
    case "api":
      return owner.api === "mapreduce" ? { kind: "api", api: `mapreduce.${name}` } : undefined;
    default:
      return undefined;
  }
}

/** The public names of "jug" (DESIGN.md), for `export * from "jug"`. */
const JUG_EXPORTS = [
  "TaskGenerator", "Task", "Tasklet", "value", "bvalue", "barrier", "CachedFunction", "CompoundTask",
  "CompoundTaskGenerator", "iterateTask", "mapreduce", "identity", "timedPath", "CustomHash", "NoHash",
  "jugExecute", "isJugRunning", "registerHook",
];

function allJugMembers(): Map<string, Binding> {
  return new Map(JUG_EXPORTS.map((name): [string, Binding] => [name, { kind: "api", api: name }]));
}

function skipWrappers(ts: Ts, expr: Expression): Expression {
  let e = expr;
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) {
      e = e.expression;
    } else if (ts.isTypeAssertionExpression(e)) {
      e = e.expression;
    } else {
      return e;
    }
  }
}
