/**
 * Result encoding: structured-clone values to bytes and back (v8's serializer, behind a 2-byte
 * format header), a walk that rejects values that would not come back as they were, and a short
 * plain-text preview for hover and status.
 */
import { DefaultDeserializer, DefaultSerializer } from "node:v8";
import { types } from "node:util";

/** First byte of every encoded result ("J"), then the format version. */
const MAGIC = 0x4a;
export const RESULT_FORMAT_VERSION = 1;

/** A task returned something that cannot be stored; the message names the task and the path. */
export class UnserializableResultError extends Error {
  constructor(
    readonly taskLabel: string,
    /** e.g. `result.models[3].fit` */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`task ${taskLabel} returned a value that cannot be stored: ${path} ${reason}`);
    this.name = "UnserializableResultError";
  }
}

export class UnreadableResultError extends Error {
  constructor(detail: string) {
    super(`cannot decode result: ${detail}`);
    this.name = "UnreadableResultError";
  }
}

/** v8's serialization header (0xff, its format version) as this Node writes it. */
const V8_HEADER = ((): Buffer => {
  const serializer = new DefaultSerializer();
  serializer.writeHeader();
  return serializer.releaseBuffer();
})();
/** v8 serialization tags of the values encodePrimitive writes. */
const V8_DOUBLE = 0x4e; // 'N', then the double's 8 bytes in host order
const V8_INT32 = 0x49; // 'I', then the zigzag varint (what v8 writes for small integers: shorter)
const V8_TRUE = 0x54; // 'T'
const V8_FALSE = 0x46; // 'F'
const V8_NULL = 0x30; // '0'
const V8_UNDEFINED = 0x5f; // '_'
const doubleScratch = new Float64Array(1);
const doubleBytes = new Uint8Array(doubleScratch.buffer);

/**
 * A number, boolean, null or undefined as v8's serializer encodes it, without one (making a
 * DefaultSerializer costs ~2 µs, most of what storing a small result costs); null for other values.
 */
function encodePrimitive(value: unknown): Uint8Array | null {
  let tag: number;
  if (typeof value === "number") tag = (value | 0) === value && !Object.is(value, -0) ? V8_INT32 : V8_DOUBLE;
  else if (typeof value === "boolean") tag = value ? V8_TRUE : V8_FALSE;
  else if (value === null) tag = V8_NULL;
  else if (value === undefined) tag = V8_UNDEFINED;
  else return null;
  const at = 3 + V8_HEADER.length;
  // Zigzag: small negative and positive integers both get short varints (7 bits per byte, low first).
  const zigzag = tag === V8_INT32 ? (((value as number) << 1) ^ ((value as number) >> 31)) >>> 0 : 0;
  let varintBytes = 1;
  while (tag === V8_INT32 && zigzag >= 128 ** varintBytes) varintBytes++;
  const out = Buffer.allocUnsafe(at + (tag === V8_DOUBLE ? 8 : tag === V8_INT32 ? varintBytes : 0));
  out[0] = MAGIC;
  out[1] = RESULT_FORMAT_VERSION;
  out.set(V8_HEADER, 2);
  out[at - 1] = tag;
  if (tag === V8_DOUBLE) {
    doubleScratch[0] = value as number;
    out.set(doubleBytes, at);
  } else if (tag === V8_INT32) {
    let rest = zigzag;
    for (let i = at; i < out.length; i++, rest = Math.floor(rest / 128)) out[i] = (rest % 128) | (i < out.length - 1 ? 0x80 : 0);
  }
  return out;
}

const NOT_PRIMITIVE = Symbol("not a primitive");

/**
 * The value of an encoded result that is one number, boolean, null or undefined (as
 * encodePrimitive or v8 writes them), read without a deserializer; NOT_PRIMITIVE otherwise.
 */
function decodePrimitive(buffer: Buffer): unknown {
  // MAGIC, format, then v8's 0xff and its version (a one-byte varint), then the value's tag.
  if (buffer.length < 5 || buffer[2] !== 0xff || buffer[3]! >= 0x80) return NOT_PRIMITIVE;
  const tag = buffer[4];
  const end = buffer.length;
  if (end === 5) {
    if (tag === V8_TRUE) return true;
    if (tag === V8_FALSE) return false;
    if (tag === V8_NULL) return null;
    if (tag === V8_UNDEFINED) return undefined;
    return NOT_PRIMITIVE;
  }
  if (tag === V8_DOUBLE && end === 13) {
    for (let i = 0; i < 8; i++) doubleBytes[i] = buffer[5 + i]!;
    return doubleScratch[0];
  }
  if (tag === V8_INT32 && end <= 10) {
    let zigzag = 0;
    for (let i = 5, scale = 1; i < end; i++, scale *= 128) {
      const byte = buffer[i]!;
      if ((byte & 0x80) === 0 ? i !== end - 1 : i === end - 1) return NOT_PRIMITIVE; // the varint must end exactly at the end
      zigzag += (byte & 0x7f) * scale;
    }
    // Undo the zigzag: even -> n / 2, odd -> -(n + 1) / 2.
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }
  return NOT_PRIMITIVE;
}

/** Encodes a task's result. Throws UnserializableResultError naming `taskLabel` and the offending path. */
export function encodeResult(value: unknown, taskLabel: string): Uint8Array {
  const primitive = encodePrimitive(value);
  if (primitive) return primitive;
  const problem = findUnserializable(value);
  if (problem) throw new UnserializableResultError(taskLabel, problem.path, problem.reason);
  const serializer = new DefaultSerializer();
  serializer.writeRawBytes(Buffer.from([MAGIC, RESULT_FORMAT_VERSION]));
  serializer.writeHeader();
  try {
    serializer.writeValue(value);
  } catch (e) {
    throw new UnserializableResultError(taskLabel, "result", `could not be serialized (${(e as Error).message})`);
  }
  return serializer.releaseBuffer();
}

/** Decodes bytes from encodeResult. Typed arrays come back with their own exactly-sized ArrayBuffer. */
export function decodeResult(bytes: Uint8Array): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 2 || buffer[0] !== MAGIC) throw new UnreadableResultError("not a jug result (bad header)");
  if (buffer[1] !== RESULT_FORMAT_VERSION) {
    throw new UnreadableResultError(`result format ${buffer[1]} is not supported (this jug reads format ${RESULT_FORMAT_VERSION})`);
  }
  const primitive = decodePrimitive(buffer);
  if (primitive !== NOT_PRIMITIVE) return primitive;
  const deserializer = new ExactDeserializer(buffer);
  deserializer.readRawBytes(2);
  try {
    deserializer.readHeader();
    return repackNumberArrays(deserializer.readValue());
  } catch (e) {
    throw new UnreadableResultError((e as Error).message);
  }
}

/**
 * v8's deserializer builds every array with generic elements, so an array of fractional numbers
 * comes back with each number boxed on the heap, and numeric code over it runs 2-3x slower than
 * over the array the task returned. Copy such arrays into V8's unboxed double representation.
 * Shared references stay shared (one copy per original array); walks iteratively.
 */
function repackNumberArrays(root: unknown): unknown {
  const copies = new Map<unknown[], number[]>();
  const seen = new Set<object>();
  const repacked = (value: unknown): unknown => {
    if (!Array.isArray(value)) return value;
    const copy = copies.get(value);
    if (copy) return copy;
    if (value.length === 0 || !isDenseNumberArray(value)) return value;
    // Element by element into a preallocated array: copying the array as a whole would keep its
    // generic elements kind; storing a number into an empty slot makes the elements unboxed doubles.
    const packed = new Array<number>(value.length);
    for (let i = 0; i < value.length; i++) packed[i] = value[i] as number;
    copies.set(value, packed);
    return packed;
  };
  const stack: object[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === "object" && value !== null && !seen.has(value) && !ArrayBuffer.isView(value)) {
      seen.add(value);
      stack.push(value);
    }
  };
  const top = repacked(root);
  visit(top);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        if (!(i in node)) continue; // a hole stays a hole
        const next = repacked(node[i]);
        if (next !== node[i]) node[i] = next;
        visit(next);
      }
    } else if (node instanceof Map) {
      for (const [key, item] of node) {
        const next = repacked(item);
        if (next !== item) node.set(key, next);
        visit(key);
        visit(next);
      }
    } else if (node instanceof Set) {
      for (const item of node) visit(item);
    } else if (Object.getPrototypeOf(node) === Object.prototype || Object.getPrototypeOf(node) === null) {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const next = repacked(record[key]);
        if (next !== record[key]) record[key] = next;
        visit(next);
      }
    }
  }
  return top;
}

/** Every slot holds a number (holes stay holes: they are not numbers). */
function isDenseNumberArray(array: unknown[]): boolean {
  for (let i = 0; i < array.length; i++) if (!(i in array) || typeof array[i] !== "number") return false;
  return true;
}

/**
 * Node's deserializer returns typed arrays that view the whole input (or a pooled buffer), so
 * `result.buffer` would be larger than the array and keep the input alive; give each its own buffer.
 */
class ExactDeserializer extends DefaultDeserializer {
  _readHostObject(): unknown {
    const view = (DefaultDeserializer.prototype as unknown as { _readHostObject(): ArrayBufferView })._readHostObject.call(this);
    const own = new ArrayBuffer(view.byteLength);
    new Uint8Array(own).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    if (Buffer.isBuffer(view)) return Buffer.from(own);
    if (types.isDataView(view)) return new DataView(own);
    return new (view.constructor as new (b: ArrayBuffer) => ArrayBufferView)(own);
  }
}

const TYPED_ARRAY_CONSTRUCTORS = new Set<unknown>([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView, Buffer,
]);
const ERROR_PROTOTYPES = new Set<unknown>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => c.prototype),
);

interface Problem {
  path: string;
  reason: string;
}

/** Walks the value (iteratively; shared and cyclic references are visited once) for what v8 would drop or reject. */
function findUnserializable(root: unknown): Problem | undefined {
  if (typeof root !== "object" && typeof root !== "function" && typeof root !== "symbol") return undefined;
  const seen = new Set<object>();
  const pending: Array<{ value: unknown; path: () => string }> = [{ value: root, path: () => "result" }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value === "function") {
      return { path: path(), reason: `is a function${value.name ? ` (${value.name})` : ""}` };
    }
    if (typeof value === "symbol") return { path: path(), reason: `is a symbol (${String(value)})` };
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      if (!TYPED_ARRAY_CONSTRUCTORS.has(value.constructor)) return classProblem(value, path());
      continue;
    }
    if (types.isArrayBuffer(value) || types.isDate(value) || types.isRegExp(value) || types.isBoxedPrimitive(value)) {
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (types.isMap(value) && proto === Map.prototype) {
      let i = 0;
      for (const [k, v] of value) {
        const at = i++;
        pending.push({ value: k, path: () => `${path()}.keys()[${at}]` });
        pending.push({ value: v, path: () => `${path()}.get(${describeKey(k)})` });
      }
      continue;
    }
    if (types.isSet(value) && proto === Set.prototype) {
      let i = 0;
      for (const e of value) {
        const at = i++;
        pending.push({ value: e, path: () => `${path()}.values()[${at}]` });
      }
      continue;
    }
    if (types.isNativeError(value) && ERROR_PROTOTYPES.has(proto)) continue;
    if (!(Array.isArray(value) && proto === Array.prototype) && proto !== Object.prototype && proto !== null) {
      return classProblem(value, path());
    }
    const isArray = Array.isArray(value);
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child = record[key];
      if (typeof child === "object" ? child === null : typeof child !== "function" && typeof child !== "symbol") continue;
      pending.push({ value: child, path: () => path() + accessor(key, isArray) });
    }
  }
  return undefined;
}

function classProblem(value: object, path: string): Problem {
  const name = (value.constructor as { name?: string } | undefined)?.name || "(anonymous)";
  return {
    path,
    reason: `is an instance of class ${name} (it would not come back as one); return plain data: ` +
      `objects, arrays, Map, Set, Date, typed arrays`,
  };
}

function accessor(key: string, inArray: boolean): string {
  if (inArray && /^\d+$/.test(key)) return `[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function describeKey(k: unknown): string {
  if (typeof k === "string") return JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k);
  if (typeof k === "bigint") return `${k}n`;
  if (typeof k === "object" && k !== null) return Array.isArray(k) ? "[…]" : "{…}";
  return String(k);
}

// --- preview -------------------------------------------------------------------------------

/**
 * A short plain-text preview, e.g. `Float64Array(1000) [0.1, 0.5, …]` or `{ k: 3, bic: 12.5, … }`.
 * Work is bounded by maxChars (it never walks more of the value than it prints).
 */
export function previewOf(value: unknown, maxChars = 200): string {
  const out = new PreviewWriter(maxChars);
  out.value(value, 0);
  return out.text();
}

const PREVIEW_DEPTH = 3;

class PreviewWriter {
  private parts: string[] = [];
  private length = 0;
  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.length >= this.max;
  }

  text(): string {
    const s = this.parts.join("");
    return s.length > this.max ? `${s.slice(0, this.max - 1)}…` : s;
  }

  private put(s: string): void {
    this.parts.push(s);
    this.length += s.length;
  }

  value(x: unknown, depth: number): void {
    if (this.full) return;
    switch (typeof x) {
      case "string":
        return this.put(JSON.stringify(x.length > this.max ? x.slice(0, this.max) : x));
      case "bigint":
        return this.put(`${x}n`);
      case "number":
        return this.put(Object.is(x, -0) ? "-0" : String(x));
      case "function":
        return this.put(`[function ${x.name || "(anonymous)"}]`);
      case "object":
        return this.object(x, depth);
      default:
        return this.put(String(x));
    }
  }

  private object(x: object | null, depth: number): void {
    if (x === null) return this.put("null");
    if (types.isDate(x)) return this.put(Number.isNaN(x.getTime()) ? "Invalid Date" : x.toISOString());
    if (types.isRegExp(x)) return this.put(String(x));
    if (types.isNativeError(x)) return this.put(`${x.name}: ${x.message}`);
    if (types.isArrayBuffer(x)) return this.put(`ArrayBuffer(${x.byteLength})`);
    if (types.isDataView(x)) return this.put(`DataView(${x.byteLength})`);
    const ctor = (x.constructor as { name?: string } | undefined)?.name;
    if (ArrayBuffer.isView(x)) {
      const items = x as unknown as ArrayLike<number | bigint>;
      return this.items(`${ctor}(${items.length}) `, "[", "]", items.length, depth, (i) => this.value(items[i], depth + 1));
    }
    if (types.isMap(x)) {
      const it = x.entries();
      return this.items(`Map(${x.size}) `, "{", "}", x.size, depth, () => {
        const [k, v] = it.next().value as [unknown, unknown];
        this.value(k, depth + 1);
        this.put(" => ");
        this.value(v, depth + 1);
      });
    }
    if (types.isSet(x)) {
      const it = x.values();
      return this.items(`Set(${x.size}) `, "{", "}", x.size, depth, () => this.value(it.next().value, depth + 1));
    }
    if (Array.isArray(x)) {
      return this.items(x.length > 8 ? `Array(${x.length}) ` : "", "[", "]", x.length, depth, (i) => this.value(x[i], depth + 1));
    }
    const prefix = ctor && ctor !== "Object" ? `${ctor} ` : "";
    const record = x as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 0) return this.put(`${prefix}{}`);
    this.items(prefix, "{ ", " }", keys.length, depth, (i) => {
      const key = keys[i]!;
      this.put(/^[A-Za-z_$][\w$]*$/.test(key) ? `${key}: ` : `${JSON.stringify(key)}: `);
      this.value(record[key], depth + 1);
    });
  }

  /** `label{item, item, …}`: stops when the preview is full, and elides containers nested too deep. */
  private items(label: string, open: string, close: string, count: number, depth: number, item: (i: number) => void): void {
    if (depth >= PREVIEW_DEPTH && count > 0) return this.put(`${label}${open}…${close}`);
    this.put(label + open);
    let i = 0;
    for (; i < count && !this.full; i++) {
      if (i > 0) this.put(", ");
      item(i);
    }
    if (i < count) this.put(i > 0 ? ", …" : "…");
    this.put(close);
  }
}
