// The file store's own guarantees: damaged results are detected and named, layouts are checked,
// an unwritable directory is named, trivial results are small on disk.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  CorruptResultError,
  STORE_LAYOUT_VERSION,
  StoreAccessError,
  StoreLayoutError,
  openStore,
  type ResultMeta,
} from "jug/store";

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "jug-store-file-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(tmpRoot, `s${n++}.jugdata`);
const meta: ResultMeta = { name: "jugfile.double", duration: 0.001, size: 0, worker: "h:1", time: "2026-11-25T12:00:00.000Z", preview: "2", codeHash: "c" };
const fixture = path.resolve(__dirname, "../../runtime/fixtures/store-worker.js");

function onlyLog(dir: string): string {
  const logs = fs.readdirSync(path.join(dir, "logs")).filter((f) => f.endsWith(".log"));
  assert.equal(logs.length, 1);
  return path.join(dir, "logs", logs[0]!);
}

test("an altered inline result is reported (task hash and file) and counts as missing; rewriting it works", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.write("good1", Buffer.from("first"), meta);
  await store.write("victim", Buffer.from("precious-bytes"), meta);
  await store.write("good2", Buffer.from("last"), meta);
  await store.close();
  const log = onlyLog(dir);
  const content = fs.readFileSync(log);
  const at = content.indexOf("precious-bytes");
  content[at] ^= 0xff;
  fs.writeFileSync(log, content);

  const problems: string[] = [];
  const reader = await openStore(dir, { onProblem: (m) => problems.push(m) });
  const snap = await reader.snapshot();
  assert.deepEqual([...snap.results.keys()].sort(), ["good1", "good2"], "records after the damaged one still count");
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /damaged record in .*logs.*\.log at byte \d+ \(task victim\): checksum mismatch/);
  assert.deepEqual(snap.problems, problems);
  assert.equal(await reader.has("victim"), false);
  await reader.write("victim", Buffer.from("recomputed"), meta);
  assert.equal(Buffer.from(await reader.read("victim")).toString(), "recomputed");
  await reader.close();
});

test("a result altered after it was indexed fails read() with CorruptResultError and is then missing", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.write("h1", Buffer.from("value-one"), meta);
  const log = onlyLog(dir);
  const content = fs.readFileSync(log);
  content[content.indexOf("value-one")] ^= 1;
  fs.writeFileSync(log, content);
  await assert.rejects(store.read("h1"), (e: unknown) => e instanceof CorruptResultError && e.hash === "h1" && e.message.includes(log));
  assert.equal(await store.has("h1"), false);
  await store.close();
});

test("a truncated or altered large result (blob) is named and treated as missing", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.write("big1", Buffer.alloc(300_000, 1), meta);
  await store.write("big2", Buffer.alloc(300_000, 2), meta);
  await store.close();
  const blobs = (h: string) => {
    const sub = path.join(dir, "blobs", h.slice(0, 2));
    return path.join(sub, fs.readdirSync(sub).find((f) => f.startsWith(h))!);
  };
  fs.truncateSync(blobs("big1"), 1000);
  const altered = fs.readFileSync(blobs("big2"));
  altered[123_456] = 7;
  fs.writeFileSync(blobs("big2"), altered);

  const reader = await openStore(dir);
  await assert.rejects(reader.read("big1"), (e: unknown) =>
    e instanceof CorruptResultError && e.hash === "big1" && e.where === blobs("big1") && /1000 bytes, 300000 expected/.test(e.message));
  await assert.rejects(reader.read("big2"), (e: unknown) => e instanceof CorruptResultError && /checksum mismatch/.test(e.message));
  assert.equal(await reader.has("big1"), false);
  assert.equal(await reader.has("big2"), false);
  assert.equal((await reader.snapshot()).problems?.length, 2);
  await reader.close();
});

test("a torn record at the end of a log (crash mid-append) is ignored", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.write("kept", Buffer.from("k"), meta);
  await store.write("torn", Buffer.from("t"), meta);
  await store.close();
  const log = onlyLog(dir);
  fs.truncateSync(log, fs.statSync(log).size - 5);
  const reader = await openStore(dir);
  const snap = await reader.snapshot();
  assert.deepEqual([...snap.results.keys()], ["kept"]);
  assert.deepEqual(snap.problems, []);
  await reader.close();
});

test("a store written with another layout version is refused with a clear message", async () => {
  const dir = freshDir();
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "jug-store.json"), JSON.stringify({ format: "jug-store", layout: STORE_LAYOUT_VERSION + 1 }));
  await assert.rejects(openStore(dir), (e: unknown) =>
    e instanceof StoreLayoutError && e.message.includes(dir) && e.message.includes(`store layout ${STORE_LAYOUT_VERSION + 1}`) &&
    e.message.includes(`reads layout ${STORE_LAYOUT_VERSION}`));
  const foreign = freshDir();
  fs.mkdirSync(path.join(foreign, "00"), { recursive: true });
  await assert.rejects(openStore(foreign), /is not empty and has no jug-store.json, so it is not a jug store/);
});

test("opening creates nothing; the first write does", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  assert.equal((await store.snapshot()).results.size, 0);
  assert.equal(fs.existsSync(dir), false, "read-only users (status, the editor) leave no trace");
  await store.write("a", Buffer.from("1"), meta);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "jug-store.json"), "utf8")), { format: "jug-store", layout: STORE_LAYOUT_VERSION });
  await store.close();
});

test("a directory that is not writable gives an error naming it", async (t) => {
  const parent = path.join(tmpRoot, `readonly${n++}`);
  fs.mkdirSync(parent);
  fs.chmodSync(parent, 0o555);
  const dir = path.join(parent, "jugfile.jugdata");
  if (process.getuid?.() === 0) {
    // root ignores permission bits: try as the unprivileged "nobody" user, in a real process
    fs.chmodSync(tmpRoot, 0o755);
    const r = spawnSync(process.execPath, [fixture, "write", dir], { uid: 65534, gid: 65534, encoding: "utf8" });
    if (r.error) return t.skip(`cannot run as nobody: ${r.error.message}`);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stdout, new RegExp(`store directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not writable \\(EACCES`));
    return;
  }
  const store = await openStore(dir);
  await assert.rejects(store.write("a", Buffer.from("1"), meta), (e: unknown) => e instanceof StoreAccessError && e.where === dir);
});

test("a trivial result takes under 0.5 KiB on disk", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  const count = 2000;
  for (let i = 0; i < count; i++) {
    await store.write(`${i}`.padStart(64, "0"), Buffer.from([0x4a, 1, 0xff, 0x0f, 0x49, i % 128]), {
      ...meta, time: new Date().toISOString(), preview: String(2 * i), codeHash: "c".repeat(64), worker: `${os.hostname()}:${process.pid}`,
    });
  }
  await store.close();
  const du = spawnSync("du", ["-s", "--block-size=1", dir], { encoding: "utf8" });
  const bytes = Number(du.stdout.split("\t")[0]);
  assert.ok(bytes / count < 512, `${bytes / count} bytes per result`);
});

test("removals name the record they remove: a result recomputed after an invalidation survives, whatever order logs are read in", async () => {
  // Log names are random, so across these stores a fresh reader meets the remover's log first in some, last in others.
  for (let round = 0; round < 6; round++) {
    const dir = freshDir();
    const a = await openStore(dir);
    const b = await openStore(dir);
    await a.write("r", Buffer.from("old"), meta);
    await a.write("gone", Buffer.from("g"), meta);
    assert.equal(await b.remove(["r", "gone"]), 2);
    await a.write("r", Buffer.from("new"), meta);
    await a.close();
    await b.close();
    const fresh = await openStore(dir);
    assert.equal(Buffer.from(await fresh.read("r")).toString(), "new");
    assert.deepEqual([...(await fresh.snapshot()).results.keys()], ["r"]);
    await fresh.close();
  }
});

test("a new reader of a large log of small results sees each result, its metadata and bytes, and a rewrite replaces one", async () => {
  const dir = freshDir();
  const writer = await openStore(dir);
  const count = 2_000; // ~190 KiB of log, read in one chunk that the index keeps instead of copying heads out of it
  for (let i = 0; i < count; i++) await writer.write(`h${i}`, Buffer.from(String(i)), { ...meta, name: `jugfile.t${i % 7}`, preview: String(i) });
  await writer.write("h5", Buffer.from("five"), { ...meta, preview: "five" });
  await writer.write("big", Buffer.alloc(100_000, 7), meta); // a blob among them
  await writer.close();
  assert.ok(fs.statSync(onlyLog(dir)).size > 128 * 1024);

  const reader = await openStore(dir);
  const snap = await reader.snapshot();
  assert.equal(snap.results.size, count + 1);
  assert.deepEqual([...snap.results.keys()].slice(0, 3), ["h0", "h1", "h2"]);
  assert.equal(snap.results.get("h1999")?.name, "jugfile.t4");
  assert.equal(snap.results.get("h1999")?.preview, "1999");
  assert.equal(snap.results.get("h5")?.preview, "five");
  assert.equal(snap.results.has("h2000"), false);
  assert.equal(Buffer.from(await reader.read("h1234")).toString(), "1234");
  assert.equal(Buffer.from(await reader.read("h5")).toString(), "five");
  assert.equal((await reader.read("big")).length, 100_000);
  assert.equal(await reader.remove(["h7"]), 1);
  await reader.write("héllo", Buffer.from("non-ASCII hash"), meta);
  assert.equal(Buffer.from(await reader.read("héllo")).toString(), "non-ASCII hash");
  await reader.close();

  const again = await openStore(dir);
  assert.equal(await again.has("h7"), false);
  assert.equal(await again.has("h8"), true);
  assert.equal(await again.has("héllo"), true);
  assert.equal((await again.snapshot()).results.size, count + 1);
  await again.close();
});

// --- the saved index of a closed log (logs/<name>.idx): used instead of reading the log -------------

const taskHash = (i: number) => createHash("sha256").update(`task ${i}`).digest("hex");

/** A closed store of `count` small results with task-shaped hashes (a log large enough to get a saved index). */
async function storeWithSavedIndex(count: number): Promise<string> {
  const dir = freshDir();
  const writer = await openStore(dir);
  for (let i = 0; i < count; i++) await writer.write(taskHash(i), Buffer.from(String(i)), { ...meta, preview: String(i) });
  await writer.close();
  assert.equal(fs.readdirSync(path.join(dir, "logs")).filter((f) => f.endsWith(".idx")).length, 1, "the closed log has its saved index");
  return dir;
}

test("a new reader of a closed log with a saved index sees the same results, metadata, bytes, failures, removals and rewrites", async () => {
  const dir = freshDir();
  const writer = await openStore(dir);
  const count = 1_500;
  for (let i = 0; i < count; i++) await writer.write(taskHash(i), Buffer.from(String(i)), { ...meta, name: `jugfile.t${i % 7}`, preview: String(i) });
  await writer.write(taskHash(5), Buffer.from("five"), { ...meta, preview: "five" }); // a rewrite: the later record counts
  await writer.write(taskHash(count), Buffer.alloc(100_000, 7), meta); // a blob among them
  // Hashes that differ only in their last digits (sorted in full, not by their first bytes), one written twice.
  const alike = Array.from({ length: 300 }, (_, i) => `${"0".repeat(60)}${i.toString(16).padStart(4, "0")}`);
  for (const h of [...alike].reverse()) await writer.write(h, Buffer.from(h.slice(-4)), meta);
  await writer.write(alike[17]!, Buffer.from("again"), meta);
  assert.equal(await writer.remove([taskHash(7)]), 1);
  await writer.markFailed(taskHash(-1), { name: "jugfile.f", message: "boom", stack: "", worker: "h:1", time: meta.time });
  await writer.close();
  assert.ok(fs.readdirSync(path.join(dir, "logs")).some((f) => f.endsWith(".idx")));

  const problems: string[] = [];
  const reader = await openStore(dir, { onProblem: (m) => problems.push(m) });
  const snap = await reader.snapshot();
  assert.equal(snap.results.size, count + alike.length); // count + the blob - the removed one, and the alike ones
  assert.equal(snap.results.has(taskHash(7)), false);
  assert.equal(snap.results.get(taskHash(1499))?.name, "jugfile.t1");
  assert.equal(snap.results.get(taskHash(1499))?.preview, "1499");
  assert.equal(snap.results.get(taskHash(5))?.preview, "five");
  assert.equal(snap.failures.get(taskHash(-1))?.message, "boom");
  assert.deepEqual(new Set(snap.results.keys()), new Set([...Array.from({ length: count + 1 }, (_, i) => taskHash(i)), ...alike].filter((h) => h !== taskHash(7))));
  assert.equal(Buffer.from(await reader.read(taskHash(1234))).toString(), "1234");
  for (const h of alike) assert.equal(Buffer.from(await reader.read(h)).toString(), h === alike[17] ? "again" : h.slice(-4));
  assert.equal(Buffer.from(await reader.read(taskHash(5))).toString(), "five");
  assert.equal((await reader.read(taskHash(count))).length, 100_000);
  assert.equal(await reader.has("not-a-task-hash"), false);
  // Changes by another process on top of the indexed log: a removal and a rewrite.
  assert.equal(await reader.remove([taskHash(8), alike[100]!, alike[17]!]), 3);
  await reader.write(taskHash(9), Buffer.from("nine"), { ...meta, preview: "nine" });
  await reader.clearFailed(taskHash(-1));
  await reader.close();
  assert.deepEqual(problems, []);

  const again = await openStore(dir);
  assert.equal(await again.has(taskHash(8)), false);
  assert.equal(await again.has(alike[100]!), false);
  assert.equal(await again.has(alike[17]!), false, "both records of a hash written twice are removed");
  assert.equal(await again.has(alike[101]!), true);
  assert.equal(Buffer.from(await again.read(taskHash(9))).toString(), "nine");
  assert.equal((await again.meta(taskHash(9)))?.preview, "nine");
  assert.equal((await again.snapshot()).failures.size, 0);
  assert.equal((await again.snapshot()).results.size, count + alike.length - 3);
  await again.close();
});

test("a damaged saved index is reported and the log is read instead", async () => {
  const dir = await storeWithSavedIndex(1_000);
  const index = path.join(dir, "logs", fs.readdirSync(path.join(dir, "logs")).find((f) => f.endsWith(".idx"))!);
  const bytes = fs.readFileSync(index);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(index, bytes);
  const problems: string[] = [];
  const reader = await openStore(dir, { onProblem: (m) => problems.push(m) });
  assert.equal((await reader.snapshot()).results.size, 1_000);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /saved index .*\.idx is damaged \(checksum mismatch\); reading .*\.log instead/);
  await reader.close();
});

test("a log altered after its index was written is read again, and the damaged record is found and named", async () => {
  const dir = await storeWithSavedIndex(1_000);
  const log = onlyLog(dir);
  const content = fs.readFileSync(log);
  content[content.indexOf(taskHash(500)) + 100] ^= 0xff; // in the metadata of that result
  fs.writeFileSync(log, content); // same size, at once (within the same clock tick, often)
  const problems: string[] = [];
  const reader = await openStore(dir, { onProblem: (m) => problems.push(m) });
  assert.equal(await reader.has(taskHash(500)), false);
  assert.equal(await reader.has(taskHash(501)), true);
  assert.match(problems.join("\n"), new RegExp(`damaged record in .*\\.log at byte \\d+ \\(task ${taskHash(500)}\\): checksum mismatch`));
  await reader.close();
});

test("a record altered after a reader used the saved index fails read() and its metadata, and is then missing", async () => {
  const dir = await storeWithSavedIndex(1_000);
  const reader = await openStore(dir);
  assert.equal(await reader.has(taskHash(10)), true); // indexed from the saved index
  const log = onlyLog(dir);
  const content = fs.readFileSync(log);
  content[content.indexOf(taskHash(10)) + 100] ^= 0xff;
  content[content.indexOf(taskHash(20)) + 100] ^= 0xff;
  fs.writeFileSync(log, content);
  await assert.rejects(reader.read(taskHash(10)), (e: unknown) => e instanceof CorruptResultError && e.hash === taskHash(10) && e.message.includes(log));
  assert.equal(await reader.has(taskHash(10)), false);
  // Reading metadata checks each record read: the other altered one is found there.
  const snap = await reader.snapshot();
  assert.equal(snap.results.get(taskHash(30))?.preview, "30");
  assert.equal(await reader.has(taskHash(20)), false);
  assert.match((await reader.snapshot()).problems!.join("\n"), new RegExp(`task ${taskHash(20)}\\): checksum mismatch`));
  await reader.close();
});

test("removals of records in an indexed log apply whatever order a new reader meets the logs in", async () => {
  // Log names are random: across these stores the remover's log is read before the indexed one in some, after it in others.
  for (let round = 0; round < 6; round++) {
    const dir = freshDir();
    const writer = await openStore(dir);
    for (let i = 0; i < 600; i++) await writer.write(taskHash(i), Buffer.from(String(i)), meta);
    await writer.close();
    assert.ok(fs.readdirSync(path.join(dir, "logs")).some((f) => f.endsWith(".idx")));
    const remover = await openStore(dir);
    assert.equal(await remover.remove([taskHash(1), taskHash(2)]), 2);
    await remover.write(taskHash(2), Buffer.from("two again"), meta);
    await remover.close();
    const fresh = await openStore(dir);
    assert.equal(await fresh.has(taskHash(1)), false);
    assert.equal(Buffer.from(await fresh.read(taskHash(2))).toString(), "two again");
    assert.equal(Buffer.from(await fresh.read(taskHash(3))).toString(), "3");
    assert.equal((await fresh.snapshot()).results.size, 599);
    await fresh.close();
  }
});

test("the log of a killed writer gets its saved index from the first reader that reads it in full", async () => {
  const dir = freshDir();
  const writer = `const { openStore } = require(${JSON.stringify(require.resolve("jug/store"))});
    (async () => {
      const store = await openStore(${JSON.stringify(dir)});
      for (let i = 0; i < 700; i++) await store.write(${JSON.stringify(taskHash(0).slice(0, 60))} + String(1000 + i), Buffer.from(String(i)), ${JSON.stringify(meta)});
      process.kill(process.pid, "SIGKILL");
    })();`;
  const killed = spawnSync(process.execPath, ["-e", writer]);
  assert.equal(killed.signal, "SIGKILL");
  const indexes = () => fs.readdirSync(path.join(dir, "logs")).filter((f) => f.endsWith(".idx"));
  assert.deepEqual(indexes(), [], "a killed writer leaves no index");
  const reader = await openStore(dir);
  assert.equal((await reader.snapshot()).results.size, 700);
  await reader.close();
  assert.equal(indexes().length, 1);
  const again = await openStore(dir);
  assert.equal((await again.snapshot()).results.size, 700);
  assert.equal(Buffer.from(await again.read(`${taskHash(0).slice(0, 60)}1699`)).toString(), "699");
  await again.close();
});

test("a task hash written twice by one process reads back its latest value, in that process and after", async () => {
  const dir = freshDir();
  const store = await openStore(dir);
  await store.write(taskHash(1), Buffer.from("first"), meta);
  await store.write(taskHash(2), Buffer.from("other"), meta);
  await store.write(taskHash(1), Buffer.from("second"), meta);
  assert.equal(Buffer.from(await store.read(taskHash(1))).toString(), "second");
  assert.equal((await store.snapshot()).results.size, 2);
  assert.equal(await store.remove([taskHash(1)]), 1);
  assert.equal(await store.has(taskHash(1)), false, "both records are removed");
  await store.close();
});
