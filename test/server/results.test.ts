import { test } from "node:test";
import assert from "node:assert/strict";
import type * as FormatModule from "../../server/src/results/format";
import type * as MarkdownModule from "../../server/src/features/markdown";
import type * as FormatTextModule from "../../server/src/features/format";
import { serverModule } from "./fixtures";

const { formatResult, pageOf } = serverModule<typeof FormatModule>("results/format");
const { codeBlock, escapeMarkdown } = serverModule<typeof MarkdownModule>("features/markdown");
const { formatCounts } = serverModule<typeof FormatTextModule>("features/format");

test("arrays of numbers come with their numbers (sampled when large)", () => {
  assert.deepEqual(formatResult([1, 2.5, 3]).numbers, [1, 2.5, 3]);
  assert.equal(formatResult(Array.from({ length: 50_000 }, (_, i) => i)).numbers!.length, 10_000);
  assert.deepEqual(formatResult(new Float64Array([0.5, 1.5])).numbers, [0.5, 1.5]);
  assert.equal(formatResult([1, "2"]).numbers, null);
});

test("arrays of records come with a table: columns in order of appearance, cells as JSON values", () => {
  const table = formatResult([{ k: 2, bic: 10.5 }, { k: 3, bic: 9.25, note: { deep: [1] } }]).table!;
  assert.deepEqual(table.columns, ["k", "bic", "note"]);
  assert.deepEqual(table.rows, [[2, 10.5, null], [3, 9.25, "{ deep: [ 1 ] }"]]);
  assert.equal(table.totalRows, 2);
  assert.equal(formatResult([{ a: 1 }, [2]]).table, null);
});

test("text is pretty and pages are slices of it", () => {
  const formatted = formatResult({ name: "x", values: [1, 2, 3], nested: new Map([["a", 1]]) });
  assert.match(formatted.text, /name: 'x'/);
  assert.match(formatted.text, /Map\(1\) \{ 'a' => 1 \}/);
  const long = formatResult("y".repeat(100)).text;
  assert.deepEqual(pageOf(long, 10, 20), { text: long.slice(10, 30), offset: 10 });
  assert.equal(pageOf(long, 1e9, 20).text, "");
});

test("markdown escaping: links, images, HTML and commands stay text; code fences cannot be closed from inside", () => {
  const evil = "[x](command:jug.evil) ![i](http://e/x.png) <b>hi</b> `code`";
  const escaped = escapeMarkdown(evil);
  assert.equal(/(?<!\\)\[/.test(escaped), false);
  assert.equal(/(?<!\\)</.test(escaped), false);
  assert.equal(/(?<!\\):/.test(escaped), false);
  const block = codeBlock("a\n````\nb");
  assert.ok(block.startsWith("`````text\n") && block.endsWith("\n`````"));
});

test("counts read like the issue asks", () => {
  assert.equal(formatCounts({ complete: 150, running: 2, failed: 1, waiting: 37, ready: 0 }), "190 tasks: 150 done, 2 running, 1 failed, 37 waiting");
});
