/**
 * A table whose cells have a display text, a raw value for CSV and optionally a link, so the
 * markdown, the CSV and the terminal show the same figures from one construction.
 */
import { relative, sep } from "node:path";
import { fixed, integer, MISSING, percent } from "../report/format.js";
import { toMarkdown, toTerminal } from "../report/tables.js";

export interface Column {
  header: string;
  /** CSV header; null: not in the CSV. */
  csv: string | null;
  /** False: CSV only (e.g. the run folder of a linked cell). */
  markdown: boolean;
  align: "left" | "right";
}

export interface Value {
  text: string;
  raw: string | number | null;
  href?: string;
}

export interface AblationTable {
  /** File stem of the CSV. */
  name: string;
  title: string;
  columns: Column[];
  rows: Value[][];
}

export const col = (header: string, csv: string | null, align: Column["align"] = "right", markdown = true): Column => ({ header, csv, markdown, align });
export const label = (text: string): Value => ({ text, raw: text });
export const blank: Value = { text: MISSING, raw: null };
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
export const rateValue = (rate: number | null | undefined, href?: string): Value =>
  rate === null || rate === undefined ? { text: MISSING, raw: null, ...(href ? { href } : {}) } : { text: percent(rate), raw: round(rate * 100, 2), ...(href ? { href } : {}) };
export const numberValue = (x: number | null | undefined, digits = 2): Value => (x === null || x === undefined ? blank : { text: fixed(x, digits), raw: round(x, digits) });
export const countValue = (x: number | null | undefined): Value => (x === null || x === undefined ? blank : { text: integer(x), raw: Math.round(x) });
/** The paper's figures are already percentages. */
export const paperValue = (x: number | undefined): Value => (x === undefined ? blank : { text: x.toFixed(2), raw: x });

/** A markdown link target from `fromDir` to `path`: relative, with forward slashes, each segment escaped. */
export function linkTo(fromDir: string, path: string): string {
  return relative(fromDir, path).split(sep).map(encodeURIComponent).join("/");
}

function markdownColumns(t: AblationTable): number[] {
  return t.columns.flatMap((c, i) => (c.markdown ? [i] : []));
}

export function tableMarkdown(t: AblationTable): string {
  const keep = markdownColumns(t);
  return toMarkdown({
    headers: keep.map((i) => t.columns[i]!.header),
    align: keep.map((i) => t.columns[i]!.align),
    rows: t.rows.map((r) => keep.map((i) => (r[i]!.href ? `[${r[i]!.text}](${r[i]!.href})` : r[i]!.text))),
  });
}

export function tableTerminal(t: AblationTable): string {
  const keep = markdownColumns(t);
  return toTerminal({ headers: keep.map((i) => t.columns[i]!.header), align: keep.map((i) => t.columns[i]!.align), rows: t.rows.map((r) => keep.map((i) => r[i]!.text)) });
}

function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function tableCsv(t: AblationTable): string {
  const keep = t.columns.flatMap((c, i) => (c.csv === null ? [] : [i]));
  const lines = [keep.map((i) => csvField(t.columns[i]!.csv)), ...t.rows.map((r) => keep.map((i) => csvField(r[i]!.raw)))];
  return lines.map((l) => l.join(",")).join("\n") + "\n";
}
