import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { JUG_HASH, UnhashableValueError, hashTask, hashTasklet, hashValue } from "jug/hash";

const taskLike = (hash: string) => ({ [JUG_HASH]: () => hash });

test("golden vectors: hashes are stable across processes, machines and Node versions", () => {
  const double0 = hashTask("jugfile.double", [0]);
  const golden: Array<[string, string]> = [
    [double0, "a722c7a7af8857d2e41aaae9f731444765a2f47e92693edc956f33d510e56e8c"],
    [hashTask("jugfile.double", [taskLike(double0)]), "e6de6d5d6a1a1d70e40c7146d6041767578ebd145325d3253cb32b26e6d11dd8"],
    [hashTasklet(double0, ["at", 1]), "a45a448867c2365bf85ea9bb70644990a6b21a55ced91686e754b2b0b8d69659"],
    [hashValue(1), "8ff0b0e1c9eff2f92688cf5805170aed1feceed0d6c0b0bf7ce739336d1da3c0"],
    [hashValue(1n), "f74eaf42f90f6d2963a73121cf23979b8a9c002b1d6713d8037c5525273a0503"],
    [hashValue("1"), "1157421ef643dd4193288553cb83ae846d5e17c3147a066fa3f306e302486382"],
    [hashValue(true), "295bb4e2a228cfd43b796abf7c011c7f71f7042f19445ea023d95f022cae22c1"],
    [hashValue(null), "80e7f2847749269923cad51a37ba18fd39ea75cb7efceeb71cc88888f4faa2f1"],
    [hashValue(undefined), "4637b12c376215e97fb73532739e59ff3eeafde38443a09d84b791112a53c0a1"],
    [hashValue(0), "42cb2f2e7a63bad8a0dd809cb4e58a63808b574dc652a19c91216be33b109644"],
    [hashValue(-0), "49c6624f2b5d560d02299c0928dae715d5c8df9fa30cf9113b7f8020f7c4202e"],
    [hashValue(NaN), "df57174193f93daf180318161ab2bc0028de97c9d96d7daf40f08f7143b0998d"],
    [hashValue([1, 2]), "8108d5fc1c5c96153f40530b1985f293b4d58b28c0272da725c72e8e7c29f5f7"],
    [hashValue({ a: 1, b: [2] }), "c32110a53557061ff6f3a32c5a987e98c4bfc1851734a8c81a77d1b8c7f4e68c"],
    [hashValue(new Map([["a", 1]])), "2a3f91284d86e949a06dca4b06fa844444ffc92d1561b42e3b9864f5a11864cd"],
    [hashValue(new Set([1, 2])), "a98820645d60cba60ca1e61616da4e41d60d340a462a878d9fa45702ba997ead"],
    [hashValue(new Float64Array([1.5])), "c38154cfffd543da8e31671b6d4c572c69ec92d49179534413749ae5f78a6c0c"],
    [hashValue(new Date(0)), "5c34c1976474dadcd3d4a59c31cbe7054a85abbda54917631caa46a5697e4363"],
    [hashValue(/a+/gi), "ef88cd98f0a160061dc13b210a4f6687889deba4ce0c2733b207c8001d686fa5"],
    [hashValue(new Uint8Array([1, 2]).buffer), "d0e4a2a7bf3a40d141e50db6ddf6f16812c0710647a8f7e9b61831cee4529635"],
    [hashValue("é"), "705b5e0b02ab299c3a498340eea5c58dcbb7f43018b0449d1187dccf03de4397"],
  ];
  for (const [actual, expected] of golden) assert.equal(actual, expected);
});

test("the first golden vector follows the byte layout documented in docs/hashing.md", () => {
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(n, 4);
    return b;
  };
  const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
  const zero = Buffer.alloc(9);
  zero[0] = 0x64; // "d" + float64 BE of 0
  const bytes = Buffer.concat([Buffer.from("jug1:task\n"), str("jugfile.double"), Buffer.from("a"), u64(1), zero]);
  assert.equal(hashTask("jugfile.double", [0]), createHash("sha256").update(bytes).digest("hex"));
});

test("values that a task could tell apart hash differently", () => {
  const distinct = [1, 1n, "1", true, null, undefined, 0, -0, NaN, [1], [[1]], { 0: 1 }, new Set([1]), new Map([[1, 1]]),
    new Float64Array([1]), new Float32Array([1]), new Int32Array([1]), new Uint8Array(8), new Uint8Array(8).buffer,
    new Date(1), /1/, /1/g, "", [], {}, [undefined], [null], "\ud800", "\ud801"];
  const hashes = distinct.map(hashValue);
  assert.equal(new Set(hashes).size, distinct.length);
  assert.notEqual(hashTask("f", [1]), hashTask("g", [1]));
  assert.notEqual(hashTask("f", [1, 2]), hashTask("f", [[1, 2]]));
});

test("object keys and Map/Set entries do not depend on insertion order", () => {
  assert.equal(hashValue({ a: 1, b: { c: 2, d: 3 } }), hashValue({ b: { d: 3, c: 2 }, a: 1 }));
  assert.equal(hashValue(new Map<unknown, number>([["x", 1], [2, 2], [{ k: 1 }, 3]])),
    hashValue(new Map<unknown, number>([[{ k: 1 }, 3], [2, 2], ["x", 1]])));
  assert.equal(hashValue(new Set([3, "a", [1]])), hashValue(new Set([[1], "a", 3])));
  assert.equal(hashValue(Object.assign(Object.create(null), { a: 1 })), hashValue({ a: 1 }));
  assert.notEqual(hashValue({ a: 1 }), hashValue(new Map([["a", 1]])));
});

test("typed arrays hash their element type, length and bytes, not the rest of their buffer", () => {
  const backing = new Float64Array([9, 1, 2, 9]);
  assert.equal(hashValue(backing.subarray(1, 3)), hashValue(new Float64Array([1, 2])));
  assert.equal(hashValue(Buffer.from([1, 2])), hashValue(new Uint8Array([1, 2])));
  assert.notEqual(hashValue(new Uint8Array([1, 2])), hashValue(new Uint8ClampedArray([1, 2])));
  assert.notEqual(hashValue(new Float64Array([1, 2])), hashValue(new Float64Array([1, 3])));
  const big = new Float64Array(1_000_000).fill(0.5);
  const other = big.slice();
  other[999_999] = 0.25;
  assert.notEqual(hashValue(big), hashValue(other));
});

test("a dependency contributes its own hash (Merkle chain), and a 100,000-long chain hashes without recursion", () => {
  let h = hashTask("jugfile.double", [0]);
  for (let i = 0; i < 100_000; i++) h = hashTask("jugfile.double", [taskLike(h)]);
  assert.match(h, /^[0-9a-f]{64}$/);
  let nested: unknown[] = [];
  for (let i = 0; i < 200_000; i++) nested = [nested, { x: i }];
  assert.match(hashValue(nested), /^[0-9a-f]{64}$/);
});

test("un-hashable arguments are rejected with the path of the offending value", () => {
  const cases: Array<[unknown[], RegExp]> = [
    [[1, { model: { fit: function fit() {} } }], /^cannot hash args\[1\]\.model\.fit: function fit is not a task/],
    [[Symbol("s")], /^cannot hash args\[0\]: Symbol\(s\) is a symbol/],
    [[{ "a b": [new (class KMeans {})()] }], /^cannot hash args\[0\]\["a b"\]\[0\]: an instance of class KMeans/],
    [[new Map([["k", () => 1]])], /^cannot hash args\[0\]\.get\("k"\): /],
    [[new Set([[Symbol()]])], /^cannot hash args\[0\]\.values\(\)\[0\]/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => hashTask("f", args), (e: unknown) => e instanceof UnhashableValueError && message.test(e.message));
  }
  const cyclic: unknown[] = [];
  cyclic.push({ again: cyclic });
  assert.throws(() => hashValue(cyclic), /value\[0\]\.again: the value contains itself/);
  const shared = [1];
  assert.doesNotThrow(() => hashValue([shared, shared]), "a shared (non-cyclic) sub-value is fine");
  const generator = Object.assign(() => 1, { [JUG_HASH]: () => "abc" });
  assert.notEqual(hashTask("f", [generator]), hashTask("f", ["abc"]), "a function carrying [JUG_HASH] is hashed by it");
});
