/**
 * A streaming RFC 4180 tokenizer for large files: comma-separated fields, "\n" or "\r\n" record
 * ends, double-quoted fields with "" escapes and embedded newlines, chunk boundaries anywhere.
 * csv-parse reads about 15 MB/s here, too slow for the 4M-row flights table within its 30 s
 * budget; this one scans character codes with indexOf and does several times that. Its output is
 * checked against csv-parse on every database file (test/travelplanner/csv.test.ts). Like pandas,
 * a quote inside an unquoted field, or text after a closing quote, is kept as literal text.
 */
const QUOTE = 34, COMMA = 44, LF = 10, CR = 13;

export class CsvTokenizer {
  private fields: string[] = [];
  /** Text of the current field so far when a chunk ends inside it. */
  private partial = "";
  private inQuotes = false;
  /** The current field started with a quote (so a later quote may close it). */
  private quoted = false;
  /** A quote was just seen inside a quoted field: either an escape ("") or the closing quote. */
  private quotePending = false;
  private atStart = true;
  /** A "\r" ended the previous chunk; a "\n" starting the next one belongs to it. */
  private pendingCr = false;

  constructor(private readonly onRecord: (fields: string[]) => void) {}

  private endRecord(): void {
    const fields = this.fields;
    this.fields = [];
    // An empty line is skipped, like skip_empty_lines (pandas' skip_blank_lines).
    if (fields.length === 1 && fields[0] === "" && !this.quoted) return;
    this.onRecord(fields);
  }

  private endField(value: string): void {
    this.fields.push(value);
    this.partial = "";
    this.quoted = false;
  }

  push(chunk: string): void {
    let s = chunk;
    if (this.atStart) {
      this.atStart = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    let i = 0;
    const n = s.length;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (n > 0 && s.charCodeAt(0) === LF) i = 1;
    }
    while (i < n) {
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (s.charCodeAt(i) === QUOTE) {
            this.partial += '"';
            i++;
            continue;
          }
          this.inQuotes = false; // that quote closed the field
          continue;
        }
        const q = s.indexOf('"', i);
        if (q < 0) {
          this.partial += s.slice(i);
          return;
        }
        this.partial += s.slice(i, q);
        this.quotePending = true;
        i = q + 1;
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === QUOTE && this.partial === "" && !this.quoted) {
        this.inQuotes = true;
        this.quoted = true;
        i++;
        continue;
      }
      // Scan an unquoted stretch up to the next delimiter or record end.
      let j = i;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (d === COMMA || d === LF || d === CR) break;
        j++;
      }
      if (j > i) this.partial += s.slice(i, j);
      if (j >= n) return;
      const d = s.charCodeAt(j);
      this.endField(this.partial);
      if (d === COMMA) {
        i = j + 1;
        continue;
      }
      if (d === CR) {
        if (j + 1 >= n) this.pendingCr = true;
        else if (s.charCodeAt(j + 1) === LF) j++;
      }
      this.endRecord();
      i = j + 1;
    }
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(): void {
    if (this.inQuotes && !this.quotePending) throw new Error("unterminated quoted field at end of file");
    this.inQuotes = false;
    this.quotePending = false;
    if (this.partial !== "" || this.fields.length > 0 || this.quoted) {
      this.endField(this.partial);
      this.endRecord();
    }
  }
}
