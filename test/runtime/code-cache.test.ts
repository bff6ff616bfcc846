// The CLI bundle runs with a V8 code cache: the first run keeps one, the next runs use it, and a
// changed bundle gets a new one (the old one removed), never the stale one.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CacheDir, requireWithCodeCache } from "jug/internal";

test("a kept code cache is used, and replaced when the file changes", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "jug-code-cache-"));
  const cache = new CacheDir(path.join(dir, "cache"));
  const file = path.join(dir, "bundle.js");
  fs.writeFileSync(file, `exports.answer = () => 40 + 2; exports.dir = __dirname; exports.pathSep = require("node:path").sep;`);

  const first = requireWithCodeCache(file, cache);
  const exports = first.exports as { answer(): number; dir: string; pathSep: string };
  assert.equal(exports.answer(), 42);
  assert.equal(exports.dir, dir);
  assert.equal(exports.pathSep, path.sep);
  first.saveCodeCache();
  const entries = fs.readdirSync(cache.dir);
  assert.equal(entries.length, 1);
  const kept = fs.statSync(path.join(cache.dir, entries[0]!));

  delete require.cache[file];
  requireWithCodeCache(file, cache).saveCodeCache();
  assert.deepEqual(fs.readdirSync(cache.dir), entries, "the valid cache is used, not made again");
  assert.equal(fs.statSync(path.join(cache.dir, entries[0]!)).mtimeMs, kept.mtimeMs);

  delete require.cache[file];
  fs.writeFileSync(file, `exports.answer = () => 7;`);
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const changed = requireWithCodeCache(file, cache);
  assert.equal((changed.exports as { answer(): number }).answer(), 7);
  changed.saveCodeCache();
  const now = fs.readdirSync(cache.dir);
  assert.equal(now.length, 1);
  assert.notDeepEqual(now, entries, "a new entry replaced the old one");
});
