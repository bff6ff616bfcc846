import { test } from "node:test";
import assert from "node:assert/strict";
import { load } from "./load";

const view = load<typeof import("../../client/src/resultView")>("resultView");
const format = load<typeof import("../../client/src/format")>("format");
type ResultPage = import("../../server/src/protocol").ResultPage;

function page(extra: Partial<ResultPage>): ResultPage {
  return { hash: "0123456789abcdef", name: "jugfile.bics", text: "[1, 2]", offset: 0, totalLength: 6, numbers: null, table: null, ...extra };
}

test("the result document has a header naming the task, then the value", () => {
  assert.equal(view.resultDocumentText(page({})), "// jugfile.bics  (task 0123456789abcdef)\n\n[1, 2]\n");
});

test("large results page: header and offsets of the previous and next pages", () => {
  const p = page({ text: "x".repeat(100), offset: 100, totalLength: 250 });
  assert.deepEqual(view.pageInfo(p, 100), { page: 2, pages: 3, previousOffset: 0, nextOffset: 200 });
  assert.match(view.resultDocumentText(p, 100), /page 2 of 3: characters 101-200 of 250/);
  assert.deepEqual(view.pageInfo(page({}), 100), { page: 1, pages: 1, previousOffset: null, nextOffset: null });
});

test("the virtual document address round-trips and names the tab", () => {
  const address = { jugfile: "file:///w/jugfile.ts", hash: "0123456789abcdef", name: "jugfile.bics", offset: 65536 };
  const parts = view.resultUriParts(address);
  assert.equal(parts.path, "/bics-01234567.txt");
  assert.deepEqual(view.parseResultQuery(parts.query), address);
  assert.equal(view.parseResultQuery("hash=1"), null);
  assert.equal(view.parseResultQuery("jugfile=x&hash=1&offset=-3"), null);
});

test("numbers get a line plot and a histogram", () => {
  const html = view.resultPictureHtml(page({ numbers: [3, 1, 4, 1, 5, 9, 2, 6] }), "n0nce");
  assert.match(html, /<polyline points="[\d., ]+"/);
  assert.equal((html.match(/<rect /g) ?? []).length, 20);
  assert.match(html, /aria-label="histogram of 8 values"/);
  assert.ok(view.hasPicture(page({ numbers: [1] })));
  assert.ok(!view.hasPicture(page({ numbers: [Number.NaN] })));
  assert.ok(!view.hasPicture(page({})));
});

test("the page allows no scripts and escapes every text from the result", () => {
  const evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
  const html = view.resultPictureHtml(
    page({ name: evil, table: { columns: [evil, "n"], rows: [[evil, 1], [{ a: "<b>" }, null]], totalRows: 5000 } }),
    "n0nce",
  );
  assert.match(html, /content="default-src 'none'; style-src 'nonce-n0nce';"/);
  assert.ok(!html.includes("<script"), "no script element");
  assert.ok(!html.includes("<img"), "no injected element");
  assert.match(html, /&#60;script&#62;alert\(2\)&#60;\/script&#62;/);
  assert.match(html, /<td>\{&#34;a&#34;:&#34;&#60;b&#62;&#34;\}<\/td>/);
  assert.match(html, /First 2 of 5000 rows/);
});

test("firstLine keeps one line of a message", () => {
  assert.equal(format.firstLine("a\nb"), "a");
});
