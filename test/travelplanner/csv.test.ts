/**
 * The streaming tokenizer must read exactly what csv-parse reads: on edge cases, at every chunk
 * boundary, and on every file of the database.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseSync } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { parseCsvTable, readCsvTable } from "../../environments/travelplanner/csvTable.js";
import { CsvTokenizer } from "../../environments/travelplanner/csvTokenizer.js";
import { DATABASE_FILES } from "../../environments/travelplanner/database.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");

function tokenize(text: string, chunkSize = text.length): string[][] {
  const rows: string[][] = [];
  const t = new CsvTokenizer((r) => rows.push(r));
  for (let i = 0; i < text.length; i += chunkSize) t.push(text.slice(i, i + chunkSize));
  t.end();
  return rows;
}

const reference = (text: string) => parseSync(text, { bom: true, relax_column_count: true, skip_empty_lines: true }) as string[][];

const EDGE = '\ufeffa,b,c\n1,"x, y",3\n"multi\nline","say ""hi""",\n\n,,\n"",last,"q"\nno newline at end';
// csv-parse picks one record delimiter per file; pandas accepts both, and so does the tokenizer.
const CRLF = 'a,b\r\n1,"two\r\nlines"\r\n\r\n3,4\r\n';

describe("CsvTokenizer", () => {
  it("matches csv-parse on quotes, escapes, embedded newlines, CRLF, empty fields and lines", () => {
    expect(tokenize(EDGE)).toEqual(reference(EDGE));
  });
  it("gives the same rows whatever the chunk boundaries, with LF and with CRLF files", () => {
    for (let size = 1; size <= 12; size++) {
      expect(tokenize(EDGE, size), `chunks of ${size}`).toEqual(reference(EDGE));
      expect(tokenize(CRLF, size), `CRLF, chunks of ${size}`).toEqual(reference(CRLF));
    }
  });
  it("keeps stray quotes as text like pandas, and rejects an unterminated quoted field", () => {
    expect(tokenize('a,b\n5" screen,x"y"z\n')).toEqual([["a", "b"], ['5" screen', 'x"y"z']]);
    expect(() => tokenize('a\n"open')).toThrow(/unterminated quoted field/);
  });
  it("reads a file into the same table as the in-memory path", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "memp-tp-csv-")), "t.csv");
    const text = ",n,f,s\n0,1,1.5,a\n1,2,,\"b\nc\"\n2,3,2.25,NA\n";
    writeFileSync(file, text);
    const streamed = await readCsvTable(file);
    const inMemory = parseCsvTable(text, file);
    expect(streamed).toEqual(inMemory);
    expect(streamed.dtypes).toEqual(["int", "int", "float", "string"]);
  });
  it("re-reads a column verbatim when text shows up after numbers", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "memp-tp-csv-")), "late.csv");
    writeFileSync(file, "a,b\n1.50,1\n2,2\nthree,3\n");
    const t = await readCsvTable(file);
    expect(t.dtypes).toEqual(["string", "int"]);
    expect(t.data[0]).toEqual(["1.50", "2", "three"]);
  });
  it("names the file and line of a row with too many fields", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "memp-tp-csv-")), "bad.csv");
    writeFileSync(file, "a,b\n1,2\n3,4,5\n");
    await expect(readCsvTable(file)).rejects.toThrow(`${file}:3: expected 2 fields, saw 3`);
  });
});

describe.skipIf(!dir)("CsvTokenizer on the database files", () => {
  for (const [name, rel] of Object.entries(DATABASE_FILES).filter(([, rel]) => rel.endsWith(".csv"))) {
    it(`reads ${name} exactly as csv-parse does (1 MB chunks and odd-sized ones)`, () => {
      const text = readFileSync(join(dir!, rel), "utf8");
      const expected = reference(text);
      expect(tokenize(text, 1 << 20)).toEqual(expected);
      expect(tokenize(text, 4099)).toEqual(expected);
    });
  }
});
