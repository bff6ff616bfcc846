// Result viewing decisions (no `vscode`): the read-only text document of one result page, the
// virtual-document address that names it, and the webview HTML with an SVG plot of number
// arrays and a table of records. Result data is untrusted text: everything is escaped, the page
// has no scripts and a CSP that allows only its own inline styles.
import type { ResultPage } from "../../server/src/protocol";
import { escapeHtml, shortName } from "./format";

export const RESULT_SCHEME = "jug-result";
/** Characters per page of the text view: large results page instead of freezing the editor. */
export const RESULT_PAGE_SIZE = 65_536;

export interface ResultAddress {
  /** file: URI of the jugfile. */
  jugfile: string;
  hash: string;
  name: string;
  offset: number;
}

/** Path and query of the jug-result: URI of a page (the path names the editor tab). */
export function resultUriParts(address: ResultAddress): { path: string; query: string } {
  const query = new URLSearchParams({
    jugfile: address.jugfile,
    hash: address.hash,
    name: address.name,
    offset: String(address.offset),
  });
  return { path: `/${shortName(address.name)}-${address.hash.slice(0, 8)}.txt`, query: query.toString() };
}

export function parseResultQuery(query: string): ResultAddress | null {
  const q = new URLSearchParams(query);
  const jugfile = q.get("jugfile");
  const hash = q.get("hash");
  const offset = Number(q.get("offset") ?? "0");
  if (!jugfile || !hash || !Number.isInteger(offset) || offset < 0) return null;
  return { jugfile, hash, name: q.get("name") ?? hash, offset };
}

export interface PageInfo {
  page: number;
  pages: number;
  previousOffset: number | null;
  nextOffset: number | null;
}

export function pageInfo(page: Pick<ResultPage, "offset" | "totalLength" | "text">, pageSize = RESULT_PAGE_SIZE): PageInfo {
  const pages = Math.max(1, Math.ceil(page.totalLength / pageSize));
  const end = page.offset + page.text.length;
  return {
    page: Math.floor(page.offset / pageSize) + 1,
    pages,
    previousOffset: page.offset > 0 ? Math.max(0, page.offset - pageSize) : null,
    nextOffset: end < page.totalLength ? end : null,
  };
}

/** The text of the read-only result document: a short header, then the formatted value. */
export function resultDocumentText(page: ResultPage, pageSize = RESULT_PAGE_SIZE): string {
  const info = pageInfo(page, pageSize);
  const header = [`// ${page.name}  (task ${page.hash})`];
  if (info.pages > 1) {
    header.push(
      `// page ${info.page} of ${info.pages}: characters ${page.offset + 1}-${page.offset + page.text.length} of ${page.totalLength}` +
        ` (Jug: Next Result Page / Previous Result Page)`,
    );
  }
  return `${header.join("\n")}\n\n${page.text}${page.text.endsWith("\n") ? "" : "\n"}`;
}

function niceNumber(value: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  return abs >= 1e5 || abs < 1e-3 ? value.toExponential(2) : String(Number(value.toPrecision(4)));
}

interface Box {
  width: number;
  height: number;
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
}
const BOX: Box = { width: 640, height: 260, left: 64, top: 16, plotWidth: 560, plotHeight: 200 };

function axes(box: Box, minY: number, maxY: number, xLabel: string): string {
  const bottom = box.top + box.plotHeight;
  return [
    `<line x1="${box.left}" y1="${bottom}" x2="${box.left + box.plotWidth}" y2="${bottom}" class="axis"/>`,
    `<line x1="${box.left}" y1="${box.top}" x2="${box.left}" y2="${bottom}" class="axis"/>`,
    `<text x="${box.left - 6}" y="${box.top + 4}" class="label" text-anchor="end">${escapeHtml(niceNumber(maxY))}</text>`,
    `<text x="${box.left - 6}" y="${bottom}" class="label" text-anchor="end">${escapeHtml(niceNumber(minY))}</text>`,
    `<text x="${box.left + box.plotWidth / 2}" y="${bottom + 30}" class="label" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  ].join("");
}

/** Line plot of the values in order (index on x). */
export function linePlotSvg(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "";
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min || 1;
  const n = values.length;
  const points: string[] = [];
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const x = BOX.left + (n === 1 ? BOX.plotWidth / 2 : (i / (n - 1)) * BOX.plotWidth);
    const y = BOX.top + BOX.plotHeight - ((v - min) / span) * BOX.plotHeight;
    points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  const marks = n <= 60 ? points.map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" class="mark"/>`).join("") : "";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${BOX.width} ${BOX.height}" role="img" aria-label="line plot of ${n} values">` +
    axes(BOX, min, max, `index (0 to ${n - 1})`) +
    `<polyline points="${points.join(" ")}" class="line"/>${marks}</svg>`
  );
}

/** Histogram of the values with `bins` equal-width bins. */
export function histogramSvg(values: readonly number[], bins = 20): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return "";
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const binCount = min === max ? 1 : bins;
  const width = (max - min) / binCount || 1;
  const counts = new Array<number>(binCount).fill(0);
  for (const v of finite) counts[Math.min(binCount - 1, Math.floor((v - min) / width))]!++;
  const top = Math.max(...counts);
  const barWidth = BOX.plotWidth / binCount;
  const bars = counts
    .map((c, i) => {
      const h = (c / top) * BOX.plotHeight;
      const from = min + i * width;
      return (
        `<rect x="${(BOX.left + i * barWidth + 1).toFixed(1)}" y="${(BOX.top + BOX.plotHeight - h).toFixed(1)}" ` +
        `width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${h.toFixed(1)}" class="bar">` +
        `<title>${escapeHtml(`${niceNumber(from)} to ${niceNumber(from + width)}: ${c}`)}</title></rect>`
      );
    })
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${BOX.width} ${BOX.height}" role="img" aria-label="histogram of ${finite.length} values">` +
    axes(BOX, 0, top, `value (${niceNumber(min)} to ${niceNumber(max)})`) +
    bars +
    `</svg>`
  );
}

function cellText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined) return "";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

export function tableHtml(table: NonNullable<ResultPage["table"]>): string {
  const head = table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const rows = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cellText(cell))}</td>`).join("")}</tr>`)
    .join("");
  const note =
    table.totalRows > table.rows.length ? `<p class="note">First ${table.rows.length} of ${table.totalRows} rows.</p>` : "";
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${note}`;
}

/** Whether a result page has anything to draw or tabulate. */
export function hasPicture(page: ResultPage): boolean {
  return (page.numbers !== null && page.numbers.some(Number.isFinite)) || (page.table !== null && page.table.columns.length > 0);
}

/**
 * The whole webview page. `nonce` authorises the one inline <style>; the CSP forbids scripts,
 * remote content, images and frames.
 */
export function resultPictureHtml(page: ResultPage, nonce: string): string {
  const sections: string[] = [];
  if (page.numbers && page.numbers.some(Number.isFinite)) {
    const n = page.numbers.length;
    sections.push(
      `<h2>Values${n >= 10_000 ? " (sample)" : ""}: ${n}</h2>${linePlotSvg(page.numbers)}`,
      `<h2>Histogram</h2>${histogramSvg(page.numbers)}`,
    );
  }
  if (page.table && page.table.columns.length) sections.push(`<h2>Table</h2>${tableHtml(page.table)}`);
  const title = `${shortName(page.name)} (${page.hash.slice(0, 8)})`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${escapeHtml(nonce)}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style nonce="${escapeHtml(nonce)}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1em; }
h1 { font-size: 1.2em; } h2 { font-size: 1em; margin-top: 1.5em; }
svg { width: 100%; max-width: 720px; height: auto; display: block; }
.axis { stroke: var(--vscode-foreground); stroke-width: 1; opacity: 0.6; }
.label { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.line { fill: none; stroke: var(--vscode-charts-blue); stroke-width: 1.5; }
.mark { fill: var(--vscode-charts-blue); }
.bar { fill: var(--vscode-charts-blue); opacity: 0.85; }
table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); font-size: 12px; }
th, td { border: 1px solid var(--vscode-panel-border); padding: 2px 8px; text-align: right; }
th { background: var(--vscode-editorWidget-background); position: sticky; top: 0; }
.note { color: var(--vscode-descriptionForeground); }
</style>
</head>
<body>
<h1>${escapeHtml(page.name)} <small>${escapeHtml(page.hash.slice(0, 12))}</small></h1>
${sections.join("\n")}
</body>
</html>`;
}
