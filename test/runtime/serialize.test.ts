import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as v8 from "node:v8";
import { UnreadableResultError, UnserializableResultError, decodeResult, encodeResult, previewOf } from "jug/serialize";

const roundTrip = (x: unknown) => decodeResult(encodeResult(x, "jugfile.t"));

test("structured-clone values round-trip exactly", () => {
  const values: unknown[] = [
    0, -0, 1.5, NaN, Infinity, 12345678901234567890n, -3n, "", "é\u{1F600}", true, false, null, undefined,
    [1, , 3], [[[]]], { a: 1, nested: { b: [2, "x"] } },
    new Map<unknown, unknown>([[1, "a"], [{ k: 1 }, new Set([2n])]]), new Set(["a", 1]), new Date(1_700_000_000_123),
    /a+b/giu, new Float64Array([1.5, -0, NaN]), new Int16Array([-1, 2]), new BigInt64Array([5n]),
    new Uint8ClampedArray([255]), new Uint8Array([1, 2, 3]).buffer, new RangeError("bad"),
  ];
  for (const v of values) assert.deepStrictEqual(roundTrip(v), v);
  assert.ok(Number.isNaN((roundTrip(new Date(NaN)) as Date).getTime()), "an invalid Date stays invalid");
  assert.deepStrictEqual(roundTrip(Object.assign(Object.create(null), { a: 1 })), { a: 1 }, "null-prototype objects become plain");
  const shared = { s: 1 };
  const cyclic: Record<string, unknown> = { shared, again: shared };
  cyclic.self = cyclic;
  const back = roundTrip(cyclic) as typeof cyclic;
  assert.equal(back.self, back, "cycles survive");
  assert.equal(back.shared, back.again, "shared references survive");
});

test("numbers, booleans, null and undefined (encoded and decoded without v8's serializer) are what v8 reads back; small integers byte for byte what v8 writes", () => {
  const values: unknown[] = [0, -0, 1, -1, 63, 64, -64, -65, 127, 128, 300, 2 ** 30, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 53), 1.5, NaN, Infinity, -Infinity, Number.MIN_VALUE, true, false, null, undefined];
  for (let i = 0; i < 2000; i++) values.push((Math.random() * 2 ** 32) | 0, Math.random() * 1e6);
  for (const x of values) {
    const bytes = Buffer.from(encodeResult(x, "t"));
    assert.ok(Object.is(decodeResult(bytes), x), `${String(x)} round-trips`);
    assert.ok(Object.is(v8.deserialize(bytes.subarray(2)), x), `${String(x)} is what v8 reads`);
    if (typeof x === "number" && (x | 0) === x && !Object.is(x, -0)) assert.deepEqual(bytes.subarray(2), v8.serialize(x), `${x} as v8 writes it`);
    // What v8's serializer itself wrote (results stored before this fast path) reads the same.
    assert.ok(Object.is(decodeResult(Buffer.concat([bytes.subarray(0, 2), v8.serialize(x)])), x), `${String(x)} from v8's bytes`);
  }
});

test("typed arrays come back with their type and an exactly-sized buffer of their own", () => {
  const big = new Float64Array(1_000_000).map((_, i) => i / 3);
  const encoded = encodeResult({ big, view: big.subarray(10, 12), buf: Buffer.from("hi") }, "t");
  assert.ok(encoded.byteLength < 8_000_000 + 200, "the encoding holds the array once");
  const back = decodeResult(encoded) as { big: Float64Array; view: Float64Array; buf: Buffer };
  assert.ok(back.big instanceof Float64Array);
  assert.deepStrictEqual(back.big, big);
  assert.equal(back.big.buffer.byteLength, 8_000_000);
  assert.deepStrictEqual(back.view, new Float64Array([10 / 3, 11 / 3]));
  assert.equal(back.view.buffer.byteLength, 16, "a view is stored as its own range only");
  assert.ok(Buffer.isBuffer(back.buf));
  assert.equal(back.buf.toString(), "hi");
});

test("a result that cannot be stored names the task and the offending path", () => {
  class KMeansResult {
    k = 3;
  }
  const cases: Array<[unknown, string]> = [
    [{ models: [0, 1, 2, { fit() {} }] }, "result.models[3].fit is a function (fit)"],
    [{ model: new KMeansResult() }, "result.model is an instance of class KMeansResult"],
    [new Map([["k", Symbol("q")]]), 'result.get("k") is a symbol'],
    [[new Set([1, () => 0])], "result[0].values()[1] is a function"],
    [() => 1, "result is a function"],
    [{ "odd key": Promise.resolve(1) }, 'result["odd key"] is an instance of class Promise'],
    [new (class Mat extends Float64Array {})(2), "result is an instance of class Mat"],
  ];
  for (const [value, expected] of cases) {
    assert.throws(
      () => encodeResult(value, "jugfile.fit(k=3)"),
      (e: unknown) =>
        e instanceof UnserializableResultError &&
        e.message.startsWith("task jugfile.fit(k=3) returned a value that cannot be stored: ") &&
        e.message.includes(expected),
      expected,
    );
  }
});

test("decoded arrays of numbers are unboxed doubles, as the task computed them (fast numeric code); sharing is kept", () => {
  // %HasDoubleElements needs V8's natives syntax, so the check runs in a child process.
  const script = `
    const { encodeResult, decodeResult } = require(${JSON.stringify(require.resolve("jug/serialize"))});
    const shared = [0.25, 0.5];
    const v = decodeResult(encodeResult({ points: [[0.5, 1.5], [2.5, 3.5]], byName: new Map([["a", [1.5]]]), pair: [shared, shared], mixed: [1.5, "a"] }, "t"));
    console.log(JSON.stringify([%HasDoubleElements(v.points[0]), %HasDoubleElements(v.points[1]), %HasDoubleElements(v.byName.get("a")),
      %HasDoubleElements(v.pair[0]), v.pair[0] === v.pair[1], %HasDoubleElements(v.mixed)]));`;
  const out = execFileSync(process.execPath, ["--allow-natives-syntax", "-e", script], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), [true, true, true, true, true, false]);
});

test("decodeResult rejects bytes that are not a result of a known format", () => {
  assert.throws(() => decodeResult(new Uint8Array([1, 2, 3])), UnreadableResultError);
  const future = encodeResult(1, "t").slice();
  future[1] = 99;
  assert.throws(() => decodeResult(future), /result format 99 is not supported/);
  const truncated = encodeResult({ a: "x".repeat(100) }, "t").subarray(0, 20);
  assert.throws(() => decodeResult(truncated), UnreadableResultError);
});

test("previewOf gives a short plain-text preview", () => {
  assert.equal(previewOf({ k: 3, bic: 12.5 }), "{ k: 3, bic: 12.5 }");
  assert.equal(previewOf([1, "a", null, undefined, 2n, -0]), '[1, "a", null, undefined, 2n, -0]');
  assert.equal(previewOf(new Map([["a", new Set([1])]])), 'Map(1) {"a" => Set(1) {1}}');
  assert.equal(previewOf(new Date(0)), "1970-01-01T00:00:00.000Z");
  assert.equal(previewOf({ a: { b: { c: { d: 1 } } } }), "{ a: { b: { c: { … } } } }");
  const arr = new Float64Array(1000).fill(0.5);
  const p = previewOf(arr, 40);
  assert.ok(p.startsWith("Float64Array(1000) [0.5, 0.5"), p);
  assert.ok(p.length <= 40 && p.endsWith("…"), p);
  assert.equal(previewOf("x".repeat(1000)).length, 200);
  assert.equal(previewOf(new Uint8Array(3).buffer), "ArrayBuffer(3)");
  const huge = Array.from({ length: 1_000_000 }, (_, i) => i);
  const started = process.hrtime.bigint();
  assert.ok(previewOf(huge).startsWith("Array(1000000) [0, 1, 2"));
  assert.ok(Number(process.hrtime.bigint() - started) < 20e6, "preview work is bounded by its length");
});
