/**
 * A decoded result as text for the result viewer, in pages, plus shape hints: the numbers of an
 * array of numbers (to plot) and the columns and rows of an array of records (to tabulate).
 * Pure; the text is plain (the client shows it as text, never as markup).
 */
import { inspect } from "node:util";

export const MAX_PLOT_NUMBERS = 10_000;
export const MAX_TABLE_ROWS = 1_000;
export const DEFAULT_PAGE = 65_536;

export interface FormattedResult {
  text: string;
  numbers: number[] | null;
  table: { columns: string[]; rows: unknown[][]; totalRows: number } | null;
}

export function formatResult(value: unknown): FormattedResult {
  const text = inspect(value, {
    depth: Infinity,
    maxArrayLength: Infinity,
    maxStringLength: Infinity,
    breakLength: 100,
    colors: false,
    compact: 3,
    sorted: false,
  });
  return { text, numbers: numbersOf(value), table: tableOf(value) };
}

function numbersOf(value: unknown): number[] | null {
  let values: ArrayLike<unknown> | null = null;
  if (Array.isArray(value)) values = value;
  else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) values = value as unknown as ArrayLike<unknown>;
  if (!values || values.length === 0) return null;
  const out: number[] = [];
  const step = Math.max(1, values.length / MAX_PLOT_NUMBERS);
  for (let i = 0; i < values.length; i += step) {
    const v = values[Math.floor(i)];
    const n = typeof v === "bigint" ? Number(v) : v;
    if (typeof n !== "number") return null;
    out.push(n);
  }
  // Every element must be a number, not only the sampled ones.
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" && typeof v !== "bigint") return null;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function cell(v: unknown): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
  if (typeof v === "bigint") return v.toString();
  if (v === undefined) return null;
  return inspect(v, { depth: 2, breakLength: Infinity, compact: true, maxArrayLength: 20, maxStringLength: 200 });
}

function tableOf(value: unknown): FormattedResult["table"] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isRecord)) return null;
  const records = value as Record<string, unknown>[];
  const columns: string[] = [];
  const seen = new Set<string>();
  const shown = records.slice(0, MAX_TABLE_ROWS);
  for (const record of shown) {
    for (const key of Object.keys(record)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  return { columns, rows: shown.map((r) => columns.map((c) => cell(r[c]))), totalRows: records.length };
}

/** A page of `text` (offsets in characters, clamped). */
export function pageOf(text: string, offset = 0, limit = DEFAULT_PAGE): { text: string; offset: number } {
  const start = Math.max(0, Math.min(text.length, Math.floor(offset)));
  const length = Math.max(1, Math.min(1_000_000, Math.floor(limit)));
  return { text: text.slice(start, start + length), offset: start };
}
