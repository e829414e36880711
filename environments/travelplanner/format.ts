/**
 * Text formats the official Python code produces and the agent reads: pandas'
 * `DataFrame.to_string(index=False)` (pandas 2.0 defaults) and Python's `repr`/`str` of strings,
 * lists, dicts and None. Pure functions, no I/O.
 */
import type { Cell, Dtype } from "./table.js";

/** A column ready for display: its header, dtype and cells in row order. */
export interface DisplayColumn {
  name: string;
  dtype: Dtype;
  values: readonly Cell[];
}

const DISPLAY_PRECISION = 6; // pandas display.precision

/** Width in code points, as Python's len() counts it. */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function padLeft(s: string, w: number): string {
  const missing = w - width(s);
  return missing > 0 ? " ".repeat(missing) + s : s;
}

/** pandas `pprint_thing` with the escape characters `to_string` asks for. */
function formatObjectCell(v: Cell): string {
  if (v === null) return "NaN";
  return String(v).replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

/**
 * Python's `format(x, ".{digits}f")`: correctly rounded, ties to even on the exact binary value.
 * `toFixed` rounds exact ties away from zero, so ties are detected and settled here.
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const negative = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let out = ax.toFixed(digits);
  if (ax < 1e21) {
    const oneMore = ax.toFixed(digits + 1);
    if (oneMore.endsWith("5")) {
      // Possibly an exact tie: look at the full binary expansion (finite for doubles of this size).
      const exact = ax.toFixed(100);
      const cut = exact.indexOf(".") + 1 + digits;
      const rest = exact.slice(cut);
      if (/^50*$/.test(rest)) {
        const kept = exact.slice(0, digits === 0 ? cut - 1 : cut);
        const lastDigit = Number(kept[kept.length - 1]);
        if (lastDigit % 2 === 0) out = kept; // half-even: keep the even truncation
      }
    }
  }
  return negative ? "-" + out : out;
}

/** Python's `format(x, ".{digits}e")` (exponent with at least two digits). */
function pyExponential(x: number, digits: number): string {
  if (!Number.isFinite(x)) return pyFixed(x, digits);
  const s = x.toExponential(digits);
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** pandas `_trim_zeros_float`: strip trailing zeros uniformly while every number can lose one. */
function trimZerosFloat(values: string[]): string[] {
  const isDecimal = (s: string) => /^\s*[+-]?[0-9]+\.[0-9]*$/.test(s);
  let trimmed = values;
  for (;;) {
    const numbers = trimmed.filter(isDecimal);
    if (numbers.length === 0 || !numbers.every((s) => s.endsWith("0"))) break;
    trimmed = trimmed.map((s) => (isDecimal(s) ? s.slice(0, -1) : s));
  }
  return trimmed.map((s) => (isDecimal(s) && s.endsWith(".") ? s + "0" : s));
}

/** pandas' FloatArrayFormatter with default options and no leading space (index=False). */
export function formatFloatColumn(values: readonly Cell[]): string[] {
  const fixed = values.map((v) => (v === null ? "NaN" : pyFixed(v as number, DISPLAY_PRECISION)));
  const fixedTrimmed = trimZerosFloat(fixed);
  const finite = values.filter((v): v is number => v !== null).map(Math.abs);
  const maxLen = Math.max(0, ...fixedTrimmed.map(width));
  const tooLong = maxLen > DISPLAY_PRECISION + 6;
  const hasLarge = finite.some((v) => v > 1e6);
  const hasSmall = finite.some((v) => v < 10 ** -DISPLAY_PRECISION && v > 0);
  if (hasSmall || (tooLong && hasLarge)) {
    return values.map((v) => (v === null ? "NaN" : pyExponential(v as number, DISPLAY_PRECISION)));
  }
  return fixedTrimmed;
}

function formatColumnCells(col: DisplayColumn): string[] {
  switch (col.dtype) {
    case "float":
      return formatFloatColumn(col.values);
    case "int":
      return col.values.map((v) => (v === null ? "NaN" : String(v)));
    case "string":
      return col.values.map(formatObjectCell);
  }
}

/**
 * `DataFrame.to_string(index=False)`: numeric headers get a leading space, every cell is
 * right-justified to the column width, columns are joined by one space, rows by "\n".
 */
export function dataFrameToString(columns: readonly DisplayColumn[]): string {
  if (columns.length === 0) return "Empty DataFrame";
  const rendered = columns.map((col) => {
    const header = col.dtype === "string" ? col.name : " " + col.name;
    const cells = formatColumnCells(col);
    const w = Math.max(width(header), ...cells.map(width));
    return { header: padLeft(header, w), cells: cells.map((c) => padLeft(c, w)) };
  });
  const rows = rendered[0]!.cells.length;
  const lines: string[] = [rendered.map((c) => c.header).join(" ")];
  for (let r = 0; r < rows; r++) lines.push(rendered.map((c) => c.cells[r]).join(" "));
  return lines.join("\n");
}

/** Python `repr(str)`. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else if (code !== 0x20 && /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch)) {
      if (code <= 0xff) out += "\\x" + code.toString(16).padStart(2, "0");
      else if (code <= 0xffff) out += "\\u" + code.toString(16).padStart(4, "0");
      else out += "\\U" + code.toString(16).padStart(8, "0");
    } else out += ch;
  }
  return out + quote;
}

/** A value as Python would print it inside a container (`repr`). */
export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Python's `repr` of a number: ints plain, floats with the shortest round-trip form and a ".0". */
function pyReprNumber(n: number, isFloat = !Number.isInteger(n)): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (!isFloat) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  const s = String(n);
  return s.includes(".") || s.includes("e") ? s : s + ".0";
}

/** Python `repr` of a JSON-like value (dict keys keep insertion order, as in Python 3.7+). */
export function pyRepr(value: PyValue): string {
  if (value === null) return "None";
  if (typeof value === "string") return pyReprString(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyReprNumber(value);
  if (Array.isArray(value)) return "[" + value.map(pyRepr).join(", ") + "]";
  return "{" + Object.entries(value).map(([k, v]) => `${pyReprString(k)}: ${pyRepr(v)}`).join(", ") + "}";
}
