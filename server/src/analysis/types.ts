/** What the static analysis of one jugfile finds. Positions are 0-based, characters in UTF-16 units (LSP). */

export interface Span {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export type SiteKind = "generator" | "task" | "compound" | "identity" | "mapreduce";

/** A place in the source that creates one task (or many, when `repeated`). */
export interface TaskSite {
  /** The whole call (or `new`) expression. */
  span: Span;
  /** The callee (`double` in `double(x)`, `Task` in `new Task(f, x)`): what hover hit-tests first. */
  calleeSpan: Span;
  /** Function name the runtime will give the task (last segment); null when it cannot be known statically. */
  name: string | null;
  kind: SiteKind;
  /** Inside a loop, a callback or any function, or a mapreduce call: may create many tasks. */
  repeated: boolean;
}

/** A generator made from a jug binding: `const double = TaskGenerator(fn)`. */
export interface GeneratorDef {
  /** Local variable name. */
  localName: string;
  /** Function name the runtime sees; null for an anonymous function. */
  name: string | null;
  /** The declared name (hover target). */
  span: Span;
  compound: boolean;
}

export interface StaticDiagnostic {
  span: Span;
  severity: "error" | "warning";
  message: string;
  code: "anonymous-task-function" | "unknown-target" | "unresolved-local-module";
}

export interface Analysis {
  /** Named jugfile.* or imports from "jug" (directly or through a local module). */
  isJugfile: boolean;
  /** Found at least one binding from "jug". */
  importsJug: boolean;
  sites: TaskSite[];
  generators: GeneratorDef[];
  diagnostics: StaticDiagnostic[];
  /** Parse errors of this version (the sites may then be the last good ones, moved). */
  syntaxErrors: { span: Span; message: string }[];
  /** True when `sites` come from the last version without syntax errors, shifted to the current lines. */
  fromLastGood: boolean;
}
