/**
 * A small column store with the semantics of `pandas.read_csv` defaults that the official
 * TravelPlanner code depends on: the default NA strings, per-column dtype inference (int, float or
 * object; an int column with a missing value becomes float), "Unnamed: i" for empty headers, and
 * `dropna()` over all columns.
 */
import type { DisplayColumn } from "./format.js";

export type Dtype = "int" | "float" | "string";
/** One cell: a number for numeric columns, a string for object columns, null for NaN/NA. */
export type Cell = string | number | null;

/** pandas' default `na_values` (pandas 2.0, `STR_NA_VALUES`). */
export const PANDAS_NA_STRINGS: ReadonlySet<string> = new Set([
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
  "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]);

const INT_RE = /^\s*[+-]?\d+\s*$/;
const FLOAT_RE = /^\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)\s*$/i;

export class Table {
  readonly columns: readonly string[];
  readonly dtypes: readonly Dtype[];
  /** Column-major cells: `data[c][r]`. */
  readonly data: readonly (readonly Cell[])[];
  readonly rowCount: number;
  private readonly positions: Map<string, number>;

  constructor(columns: string[], dtypes: Dtype[], data: Cell[][]) {
    this.columns = columns;
    this.dtypes = dtypes;
    this.data = data;
    this.rowCount = data[0]?.length ?? 0;
    this.positions = new Map(columns.map((c, i) => [c, i]));
  }

  col(name: string): number {
    const i = this.positions.get(name);
    if (i === undefined) throw new Error(`no column "${name}" in table (has ${this.columns.join(", ")})`);
    return i;
  }

  has(name: string): boolean {
    return this.positions.has(name);
  }

  get(row: number, column: number): Cell {
    return this.data[column]![row]!;
  }

  /** pandas `dropna()`: keeps the rows with no missing cell in any column. */
  dropna(): Table {
    const keep: number[] = [];
    outer: for (let r = 0; r < this.rowCount; r++) {
      for (const col of this.data) if (col[r] === null) continue outer;
      keep.push(r);
    }
    if (keep.length === this.rowCount) return this;
    return new Table([...this.columns], [...this.dtypes], this.data.map((col) => keep.map((r) => col[r]!)));
  }

  /** The selected rows and columns, in the given order, ready for `dataFrameToString`. */
  view(rows: readonly number[], columns: readonly string[]): DisplayColumn[] {
    return columns.map((name) => {
      const c = this.col(name);
      const col = this.data[c]!;
      return { name, dtype: this.dtypes[c]!, values: rows.map((r) => col[r]!) };
    });
  }

  /** One row as a record of the chosen columns (the shape of `DataFrame.to_dict("records")`). */
  record(row: number, columns: readonly string[]): Record<string, Cell> {
    const out: Record<string, Cell> = {};
    for (const name of columns) out[name] = this.get(row, this.col(name));
    return out;
  }
}

/**
 * Accumulates one column's raw fields and settles its dtype the way pandas does. Numeric columns
 * are kept as numbers as they arrive (so a 4M-row file does not hold millions of number strings);
 * a column that turns out not to be numeric after some numbers reports `needsStrings`, and the
 * caller re-reads it as strings (exactness over a rare second pass).
 */
export class ColumnBuilder {
  private numbers: number[] = [];
  private strings: (string | null)[] = [];
  private allInt = true;
  private hasNa = false;
  private mode: "numeric" | "string";
  private interned: Map<string, string> | undefined = new Map();
  needsStrings = false;

  constructor(forceString = false) {
    this.mode = forceString ? "string" : "numeric";
  }

  push(raw: string): void {
    const na = PANDAS_NA_STRINGS.has(raw);
    if (this.mode === "numeric") {
      if (na) {
        this.hasNa = true;
        this.numbers.push(Number.NaN);
        return;
      }
      if (INT_RE.test(raw)) {
        this.numbers.push(Number(raw));
        return;
      }
      if (FLOAT_RE.test(raw)) {
        this.allInt = false;
        this.numbers.push(parseFloatPy(raw));
        return;
      }
      if (this.numbers.some((n) => !Number.isNaN(n))) {
        this.needsStrings = true; // values already parsed as numbers must be re-read verbatim
      }
      this.mode = "string";
      this.strings = this.numbers.map(() => null);
      this.numbers = [];
    }
    this.strings.push(na ? null : this.intern(raw));
  }

  /** Low-cardinality text (cities, dates, times) is shared; the map is dropped once it grows large. */
  private intern(s: string): string {
    const map = this.interned;
    if (!map) return s;
    const seen = map.get(s);
    if (seen !== undefined) return seen;
    if (map.size >= 200_000) {
      this.interned = undefined;
      return s;
    }
    map.set(s, s);
    return s;
  }

  finish(): { dtype: Dtype; values: Cell[] } {
    if (this.mode === "string") return { dtype: "string", values: this.strings };
    const isInt = this.allInt && !this.hasNa && this.numbers.length > 0;
    const values: Cell[] = this.numbers.map((n) => (Number.isNaN(n) ? null : n));
    return { dtype: isInt ? "int" : "float", values };
  }
}

function parseFloatPy(raw: string): number {
  const t = raw.trim().toLowerCase().replace(/^\+/, "");
  if (t === "inf" || t === "infinity") return Number.POSITIVE_INFINITY;
  if (t === "-inf" || t === "-infinity") return Number.NEGATIVE_INFINITY;
  return Number(t);
}

/** pandas' header handling: empty names become "Unnamed: {position}". */
export function pandasHeader(fields: readonly string[]): string[] {
  return fields.map((f, i) => (f === "" ? `Unnamed: ${i}` : f));
}
