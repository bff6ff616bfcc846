/**
 * Task identity: a canonical byte encoding of values, hashed with SHA-256 (hex).
 * The encoding is defined here and in docs/hashing.md (with golden vectors tested in
 * test/runtime/hash.test.ts); it never depends on JSON key order, v8.serialize or the Node version.
 * The walk is iterative (an explicit stack), so deeply nested values cannot overflow the call stack.
 */
import { createHash, hash as oneShotHash, type Hash } from "node:crypto";
import { types } from "node:util";
import { JUG_HASH, JUG_HASH_HEX_INTO, isHashable, type Hashable, type HexHashable } from "./hashable";

export { JUG_HASH, JUG_HASH_HEX_INTO, isHashable, type Hashable, type HexHashable };

/** Bump when the encoding changes: every hash changes with it (all results are recomputed). */
export const HASH_ENCODING_VERSION = 1;
export const HASH_ALGORITHM = "sha256";

const DOMAIN_TASK = Buffer.from(`jug${HASH_ENCODING_VERSION}:task\n`, "latin1");
const DOMAIN_VALUE = Buffer.from(`jug${HASH_ENCODING_VERSION}:value\n`, "latin1");
const DOMAIN_TASKLET = Buffer.from(`jug${HASH_ENCODING_VERSION}:tasklet\n`, "latin1");

/** An argument that has no stable identity (a plain function, a symbol, a class instance, a cycle). */
export class UnhashableValueError extends Error {
  constructor(
    /** Where in the arguments, e.g. `args[1].model.fit`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot hash ${path}: ${reason}`);
    this.name = "UnhashableValueError";
  }
}

/** Identity of the task `name(...args)`. `name` is the task function's full (qualified) name. */
export function hashTask(name: string, args: readonly unknown[]): string {
  return digestWith(prefixBytes(DOMAIN_TASK, name), writeArgs, args);
}

/** Writes the 32-byte digest of hashTask(name, args) (whose lowercase hex is the hash) into `out` at `at`. */
export type TaskDigester = (args: readonly unknown[], out: Uint8Array, at: number) => void;

/**
 * hashTask for one name, as bytes, with the bytes that never change (domain and name) encoded
 * once: a TaskDefinition keeps one, so creating a task encodes only its arguments.
 */
export function taskDigester(name: string): TaskDigester {
  const prefix = prefixBytes(DOMAIN_TASK, name);
  return (args, out, at) => {
    const encoder = takeEncoder(prefix);
    try {
      encoder.encodeArgs(args, "args");
      encoder.digestInto(out, at);
    } finally {
      putBack(encoder);
    }
  };
}

function writeArgs(encoder: Encoder, args: readonly unknown[]): void {
  encoder.encodeArgs(args, "args");
}

/** Identity of a value (jug's hash_one). */
export function hashValue(x: unknown): string {
  return digestWith(DOMAIN_VALUE, (encoder) => encoder.encode(x, "value"), undefined);
}

/**
 * Identity of a tasklet: a value derived from the task (or tasklet) with hash `baseHash` by
 * `accessor`, e.g. `["at", 3]`, `["get", "k"]` or `["fn", "jugfile.pick"]` (the engine chooses).
 */
export function hashTasklet(baseHash: string, accessor: unknown): string {
  return digestWith(
    DOMAIN_TASKLET,
    (encoder) => {
      encoder.writeString(baseHash);
      encoder.encode(accessor, "accessor");
    },
    undefined,
  );
}

/** `domain` followed by `name` as the encoder writes an untagged string. */
function prefixBytes(domain: Uint8Array, name: string): Uint8Array {
  const encoder = new Encoder(new Set());
  encoder.begin(domain);
  encoder.writeString(name);
  return encoder.bytes().slice();
}

/**
 * Encodes, after `prefix` (the domain, and maybe more), with the shared encoder and returns the hex
 * digest. `write` gets `arg` so that the hot caller (tasks) passes a function made once, not a closure per task.
 */
function digestWith<A>(prefix: Uint8Array, write: (encoder: Encoder, arg: A) => void, arg: A): string {
  const encoder = takeEncoder(prefix);
  try {
    write(encoder, arg);
    return encoder.digestHex();
  } finally {
    putBack(encoder);
  }
}

/**
 * One top-level encoder is reused: a task costs no buffer, set or stack of its own (at 100,000
 * tasks those allocations were a large part of loading, mostly as garbage collection). While it is
 * in use (a [JUG_HASH]() method that hashes a value), other calls make their own.
 */
let idleEncoder: Encoder | null = null;

function takeEncoder(prefix: Uint8Array): Encoder {
  const encoder = idleEncoder ?? new Encoder(new Set());
  idleEncoder = null;
  encoder.begin(prefix);
  return encoder;
}

function putBack(encoder: Encoder): void {
  if (encoder.reusable()) idleEncoder = encoder;
}

const enum Tag {
  Undefined = 0x75, // u
  Null = 0x6e, // n
  True = 0x74, // t
  False = 0x66, // f
  Number = 0x64, // d
  BigInt = 0x62, // b
  String = 0x73, // s  (UTF-8)
  IllFormedString = 0x77, // w  (UTF-16LE code units: lone surrogates stay distinct)
  Array = 0x61, // a
  Object = 0x6f, // o
  Map = 0x6d, // m
  Set = 0x65, // e
  Date = 0x44, // D
  RegExp = 0x72, // r
  ArrayBuffer = 0x42, // B
  View = 0x76, // v  (typed array or DataView)
  Hashable = 0x68, // h
}

/** A container being walked: the explicit stack replaces recursion. */
interface Frame {
  readonly container: object;
  readonly kind: "array" | "object" | "map";
  readonly length: number;
  /** Sorted keys (objects) */
  readonly keys?: readonly string[];
  /** Entries sorted by key digest (maps) */
  readonly entries?: ReadonlyArray<readonly [Buffer, unknown, unknown]>;
  /** Index of the next child to visit. */
  next: number;
}

const FLUSH_AT = 64 * 1024;
const noPathPrefix = (): string => "";
const NAN_BYTES = Buffer.from([0x7f, 0xf8, 0, 0, 0, 0, 0, 0]);
/** Strings up to this length are copied by a loop when ASCII (cheaper than Buffer's native write). */
const SHORT_STRING = 128;
const VIEW_CACHE_MAX = 1024;

class Encoder {
  /** Created only once the bytes outgrow the buffer: a one-shot hash of a small buffer is several times faster. */
  private hash: Hash | null = null;
  private buf = Buffer.allocUnsafe(1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  /** buf.subarray(0, n) by n (up to VIEW_CACHE_MAX): the one-shot digest takes a view of the bytes, and the tasks of a jugfile have few lengths. */
  private prefixViews = new Array<Buffer | undefined>(VIEW_CACHE_MAX + 1);
  private pos = 0;
  /** The prefix that buf starts with (begin wrote it and nothing has overwritten it since), or null. */
  private prefixInBuffer: Uint8Array | null = null;
  private readonly stack: Frame[] = [];
  private rootLabel = "";
  /** Index of the root in the top-level argument list (encodeArgs), or -1. */
  private rootIndex = -1;

  constructor(
    /** Containers on the current path (shared with nested digests of Map keys / Set elements), to reject cycles. */
    private readonly ancestors: Set<object>,
    /** Path of the Map key / Set element this encoder digests, built only for error messages. */
    private readonly pathPrefix: () => string = noPathPrefix,
  ) {}

  /** Starts a digest with the bytes `prefix` (the domain), forgetting whatever an earlier (possibly failed) one left. */
  begin(prefix: Uint8Array): void {
    this.hash = null;
    this.pos = 0;
    this.stack.length = 0;
    this.rootLabel = "";
    this.rootIndex = -1;
    if (prefix === this.prefixInBuffer) {
      // The tasks of one generator share their prefix: it is still at the start of the buffer.
      this.pos = prefix.byteLength;
      return;
    }
    this.writeBytes(prefix);
    this.prefixInBuffer = this.pos === prefix.byteLength ? prefix : null;
  }

  /** After a top-level digest: true when worth keeping for the next one (a failed walk leaves ancestors behind). */
  reusable(): boolean {
    // clear() allocates a new table even for an empty set: only after a failed walk.
    if (this.ancestors.size > 0) this.ancestors.clear();
    return this.buf.length <= FLUSH_AT;
  }

  /** The bytes written so far (before any flush). */
  bytes(): Buffer {
    if (this.pos > VIEW_CACHE_MAX) return this.buf.subarray(0, this.pos);
    return (this.prefixViews[this.pos] ??= this.buf.subarray(0, this.pos));
  }

  digestHex(): string {
    if (!this.hash) return oneShotHash(HASH_ALGORITHM, this.bytes(), "hex");
    this.flush();
    return this.hash.digest("hex");
  }

  digest(): Buffer {
    if (!this.hash) return oneShotHash(HASH_ALGORITHM, this.bytes(), "buffer");
    this.flush();
    return this.hash.digest();
  }

  /** The digest's 32 bytes into `out` at `at`. */
  digestInto(out: Uint8Array, at: number): void {
    if (this.hash) {
      out.set(this.digest(), at);
      return;
    }
    // As a "binary" (latin1) string: one short-lived string is cheaper than a Buffer (an ArrayBuffer each).
    const text = oneShotHash(HASH_ALGORITHM, this.bytes(), "binary");
    for (let i = 0; i < 32; i++) out[at + i] = text.charCodeAt(i);
  }

  /**
   * A top-level argument list: encoded as an array, but the list itself is a fresh array (rest
   * parameters) that cannot be part of a cycle, so it needs no frame or cycle check.
   */
  encodeArgs(args: readonly unknown[], label: string): void {
    this.writeByte(Tag.Array);
    this.writeLength(args.length);
    for (let i = 0; i < args.length; i++) {
      this.rootIndex = i;
      this.encode(args[i], label);
    }
  }

  encode(root: unknown, rootLabel: string): void {
    this.rootLabel = rootLabel;
    this.visit(root);
    const stack = this.stack;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next >= frame.length) {
        stack.pop();
        this.ancestors.delete(frame.container);
        continue;
      }
      const i = frame.next++;
      if (frame.kind === "array") {
        this.visit((frame.container as unknown[])[i]);
      } else if (frame.kind === "object") {
        const key = frame.keys![i]!;
        this.writeString(key);
        this.visit((frame.container as Record<string, unknown>)[key]);
      } else {
        const entry = frame.entries![i]!;
        this.writeBytes(entry[0]);
        this.visit(entry[2]);
      }
    }
  }

  /** Writes a primitive, or a container's header and pushes a frame for its children. */
  private visit(x: unknown): void {
    switch (typeof x) {
      case "undefined":
        return this.writeByte(Tag.Undefined);
      case "boolean":
        return this.writeByte(x ? Tag.True : Tag.False);
      case "number":
        return this.writeNumber(Tag.Number, x);
      case "bigint":
        this.writeByte(Tag.BigInt);
        return this.writeString(x.toString(16));
      case "string":
        return this.writeTaggedString(x);
      case "symbol":
        throw this.error(`${String(x)} is a symbol; symbols have no stable identity`);
      case "function":
        if (isHashable(x)) return this.writeHashable(x);
        throw this.error(
          `${x.name ? `function ${x.name}` : "an anonymous function"} is not a task; functions cannot be hashed ` +
            `(pass a task, or wrap the function with CustomHash)`,
        );
      case "object":
        return this.visitObject(x);
    }
  }

  private visitObject(x: object | null): void {
    if (x === null) return this.writeByte(Tag.Null);
    if (isHashable(x)) return this.writeHashable(x);
    if (Array.isArray(x)) {
      this.enter(x);
      this.writeByte(Tag.Array);
      this.writeLength(x.length);
      this.stack.push({ container: x, kind: "array", length: x.length, next: 0 });
      return;
    }
    if (ArrayBuffer.isView(x)) {
      this.writeByte(Tag.View);
      this.writeString(Object.prototype.toString.call(x).slice(8, -1));
      const elements = types.isDataView(x) ? x.byteLength : (x as unknown as { length: number }).length;
      this.writeLength(elements);
      this.writeLength(x.byteLength);
      return this.writeBytes(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    }
    if (types.isArrayBuffer(x)) {
      this.writeByte(Tag.ArrayBuffer);
      this.writeLength(x.byteLength);
      return this.writeBytes(new Uint8Array(x));
    }
    if (types.isDate(x)) return this.writeNumber(Tag.Date, x.getTime());
    if (types.isRegExp(x)) {
      this.writeByte(Tag.RegExp);
      this.writeString(x.source);
      return this.writeString(x.flags);
    }
    if (types.isMap(x)) {
      this.enter(x);
      const entries = [...x].map(([k, v]) => [this.digestOf(k, () => `${this.path()}.keys()`), k, v] as const);
      entries.sort((a, b) => Buffer.compare(a[0], b[0]));
      this.writeByte(Tag.Map);
      this.writeLength(entries.length);
      this.stack.push({ container: x, kind: "map", length: entries.length, entries, next: 0 });
      return;
    }
    if (types.isSet(x)) {
      this.enter(x);
      const digests = [...x].map((e) => this.digestOf(e, () => `${this.path()}.values()`));
      this.ancestors.delete(x);
      digests.sort(Buffer.compare);
      this.writeByte(Tag.Set);
      this.writeLength(digests.length);
      for (const d of digests) this.writeBytes(d);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) {
      this.enter(x);
      const keys = Object.keys(x).sort();
      this.writeByte(Tag.Object);
      this.writeLength(keys.length);
      this.stack.push({ container: x, kind: "object", length: keys.length, keys, next: 0 });
      return;
    }
    const className = (x.constructor as { name?: string } | undefined)?.name || "(anonymous)";
    throw this.error(
      `an instance of class ${className} has no stable identity; give the class a [JUG_HASH]() method, ` +
        `wrap the value with CustomHash, or pass a plain object`,
    );
  }

  private enter(x: object): void {
    if (this.ancestors.has(x)) throw this.error("the value contains itself (a cycle)");
    this.ancestors.add(x);
  }

  private digestOf(x: unknown, path: () => string): Buffer {
    const sub = new Encoder(this.ancestors, path);
    sub.begin(DOMAIN_VALUE);
    sub.encode(x, "");
    return sub.digest();
  }

  private writeHashable(x: Hashable): void {
    const intoHex = (x as Partial<HexHashable>)[JUG_HASH_HEX_INTO];
    if (intoHex) {
      // What writeString writes for the 64 hex digits, without making the string.
      this.ensure(9 + 64);
      this.buf[this.pos++] = Tag.Hashable;
      this.writeLength(64);
      intoHex.call(x, this.buf, this.pos);
      this.pos += 64;
      return;
    }
    const h = x[JUG_HASH]();
    if (typeof h !== "string") throw this.error(`[JUG_HASH]() returned ${typeof h}, not a string`);
    this.writeByte(Tag.Hashable);
    this.writeString(h);
  }

  /** Path of the value being visited, built only for error messages. */
  private path(): string {
    let p = this.pathPrefix() + this.rootLabel + (this.rootIndex >= 0 ? `[${this.rootIndex}]` : "");
    for (const frame of this.stack) {
      const i = frame.next - 1;
      if (frame.kind === "array") p += `[${i}]`;
      else if (frame.kind === "object") {
        const key = frame.keys![i]!;
        p += /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
      } else p += `.get(${describeKey(frame.entries![i]![1])})`;
    }
    return p || "value";
  }

  private error(reason: string): UnhashableValueError {
    return new UnhashableValueError(this.path(), reason);
  }

  // --- byte output -------------------------------------------------------------------------

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos + n > FLUSH_AT) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    const grown = Buffer.allocUnsafe(Math.max(this.pos + n, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    this.prefixViews = new Array<Buffer | undefined>(VIEW_CACHE_MAX + 1);
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.prefixInBuffer = null;
    (this.hash ??= createHash(HASH_ALGORITHM)).update(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private writeByte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned 64-bit big-endian length. */
  private writeLength(n: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, Math.floor(n / 0x1_0000_0000));
    this.view.setUint32(this.pos + 4, n >>> 0);
    this.pos += 8;
  }

  private writeNumber(tag: Tag, n: number): void {
    this.ensure(9);
    this.buf[this.pos++] = tag;
    if (Number.isNaN(n)) this.buf.set(NAN_BYTES, this.pos);
    else this.view.setFloat64(this.pos, n); // big-endian
    this.pos += 8;
  }

  /** A string without a tag: u64 UTF-8 length + bytes (ill-formed strings are tagged, see writeTaggedString). */
  writeString(s: string): void {
    if (s.length <= SHORT_STRING) {
      this.ensure(8 + s.length);
      if (this.writeShortAscii(s)) return;
    }
    if (!isWellFormed(s)) {
      // Only reachable for untagged strings (names, keys): tag it so it cannot collide with a well-formed one.
      return this.writeIllFormed(s);
    }
    this.writeUtf8(s);
  }

  private writeTaggedString(s: string): void {
    if (s.length <= SHORT_STRING) {
      this.ensure(9 + s.length);
      this.buf[this.pos++] = Tag.String;
      if (this.writeShortAscii(s)) return;
      this.pos--;
    }
    if (!isWellFormed(s)) return this.writeIllFormed(s);
    this.writeByte(Tag.String);
    this.writeUtf8(s);
  }

  /**
   * Length and bytes of `s` when it is ASCII (then its UTF-8 bytes are its char codes), copied by
   * a loop; false, with nothing written, otherwise. The caller has ensured 8 + s.length bytes.
   */
  private writeShortAscii(s: string): boolean {
    const n = s.length;
    const buf = this.buf;
    const start = this.pos + 8;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[start + i] = c;
    }
    this.writeLength(n);
    this.pos += n;
    return true;
  }

  private writeUtf8(s: string): void {
    const n = Buffer.byteLength(s, "utf8");
    this.writeLength(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  private writeIllFormed(s: string): void {
    this.writeByte(Tag.IllFormedString);
    this.writeLength(s.length);
    this.ensure(s.length * 2);
    this.pos += this.buf.write(s, this.pos, "utf16le");
  }

  private writeBytes(bytes: Uint8Array): void {
    if (bytes.byteLength >= FLUSH_AT) {
      // Large buffers go to the hash directly, without a copy.
      this.flush();
      (this.hash ??= createHash(HASH_ALGORITHM)).update(bytes);
      return;
    }
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
  }
}

function describeKey(k: unknown): string {
  if (typeof k === "string") return JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k);
  if (typeof k === "object" && k !== null) return Array.isArray(k) ? "[…]" : "{…}";
  return String(k);
}

/** String.prototype.isWellFormed (Node 20+; not in the ES2022 lib typings). */
function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
