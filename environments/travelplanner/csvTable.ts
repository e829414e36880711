/**
 * Reading CSV files into `Table`s with pandas `read_csv` defaults: short rows padded with NA, long
 * rows rejected, dtype inference per column. Text in memory goes through csv-parse; files are
 * streamed through `CsvTokenizer` (same output, several times faster), so the full ~4M-row flights
 * table loads in seconds without holding its text in memory.
 */
import { createReadStream, statSync } from "node:fs";
import { parse as parseSync } from "csv-parse/sync";
import { CorruptFileError, InputError } from "../../core/errors.js";
import { createProgress } from "../../core/util/progress.js";
import { CsvTokenizer } from "./csvTokenizer.js";
import { ColumnBuilder, Table, pandasHeader } from "./table.js";

export interface CsvReadOptions {
  /** Show a progress bar on stderr (bytes read). */
  progress?: boolean;
  /** Progress bar title. */
  title?: string;
}

const PARSE_OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: true } as const;

class TableAssembler {
  private header: string[] | undefined;
  private builders: ColumnBuilder[] = [];
  private line = 0;

  constructor(
    private readonly file: string,
    private readonly forceString: ReadonlySet<string>,
  ) {}

  add(fields: string[]): void {
    this.line++;
    if (!this.header) {
      this.header = pandasHeader(fields);
      this.builders = this.header.map((h) => new ColumnBuilder(this.forceString.has(h)));
      return;
    }
    if (fields.length > this.builders.length) {
      throw new InputError(`expected ${this.builders.length} fields, saw ${fields.length}`, { file: this.file, line: this.line });
    }
    for (let c = 0; c < this.builders.length; c++) this.builders[c]!.push(fields[c] ?? "");
  }

  /** Columns that must be re-read as text (see ColumnBuilder). */
  retry(): Set<string> | undefined {
    const names = (this.header ?? []).filter((_, i) => this.builders[i]!.needsStrings);
    return names.length > 0 ? new Set([...this.forceString, ...names]) : undefined;
  }

  finish(): Table {
    if (!this.header) throw new CorruptFileError(this.file, "empty CSV file (no header line)");
    const done = this.builders.map((b) => b.finish());
    return new Table(this.header, done.map((d) => d.dtype), done.map((d) => d.values));
  }
}

function wrapParseError(file: string, err: unknown): Error {
  if (err instanceof InputError || err instanceof CorruptFileError) return err;
  const e = err as { message?: string; lines?: number };
  return new CorruptFileError(file, `not a valid CSV file: ${e.message ?? String(err)}`, e.lines, err);
}

/** Parses CSV text already in memory. */
export function parseCsvTable(text: string, file: string, forceString: ReadonlySet<string> = new Set()): Table {
  let rows: string[][];
  try {
    rows = parseSync(text, PARSE_OPTIONS) as string[][];
  } catch (err) {
    throw wrapParseError(file, err);
  }
  const asm = new TableAssembler(file, forceString);
  for (const row of rows) asm.add(row);
  const retry = asm.retry();
  return retry ? parseCsvTable(text, file, retry) : asm.finish();
}

/** Streams a CSV file from disk. */
export async function readCsvTable(file: string, options: CsvReadOptions = {}, forceString: ReadonlySet<string> = new Set()): Promise<Table> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new InputError(`cannot read the file: ${(err as Error).message}`, { file, cause: err });
  }
  const progress = createProgress(size, options.title ?? "loading", options.progress ?? undefined);
  const asm = new TableAssembler(file, forceString);
  try {
    await new Promise<void>((resolve, reject) => {
      const input = createReadStream(file, { highWaterMark: 1 << 20, encoding: "utf8" });
      const tokenizer = new CsvTokenizer((row) => asm.add(row));
      input.on("data", (chunk) => {
        progress.increment(Buffer.byteLength(chunk as string));
        try {
          tokenizer.push(chunk as string);
        } catch (err) {
          input.destroy();
          reject(err);
        }
      });
      input.on("error", reject);
      input.on("end", () => {
        try {
          tokenizer.end();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  } catch (err) {
    throw wrapParseError(file, err);
  } finally {
    progress.stop();
  }
  const retry = asm.retry();
  return retry ? readCsvTable(file, options, retry) : asm.finish();
}
