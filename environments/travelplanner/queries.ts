/**
 * TravelPlanner queries from the official CSV (Python-literal strings in `date`,
 * `local_constraint`, `reference_information`) or from JSONL with the same fields. Each query gets
 * `idx`, its 1-based position in the official order.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { InputError } from "../../core/errors.js";
import { parseJsonl } from "../../core/util/jsonl.js";
import { readUserText } from "../../core/util/user-files.js";
import { issueError } from "../../core/util/validate.js";
import { parsePyLiteral } from "./pyLiteral.js";

export const LEVELS = ["easy", "medium", "hard"] as const;
export type Level = (typeof LEVELS)[number];

export const LOCAL_CONSTRAINT_KEYS = ["house rule", "cuisine", "room type", "transportation"] as const;

export interface LocalConstraint {
  "house rule": string | null;
  cuisine: string[] | null;
  "room type": string | null;
  transportation: string | null;
}

export interface ReferenceEntry {
  Description: string;
  Content: string;
}

export interface TravelQuery {
  idx: number;
  org: string;
  dest: string;
  days: number;
  visiting_city_number: number;
  date: string[];
  people_number: number;
  local_constraint: LocalConstraint;
  budget: number;
  query: string;
  level: Level;
  /** Sole-planning input as the official CSV stores it (a Python repr), when the source has it. */
  reference_information?: string;
  /** Descriptions of the reference entries when the source lists them without text (train JSONL). */
  reference_descriptions?: string[];
  /** Gold plan (train only). */
  annotated_plan?: unknown[];
}

/** A field that may arrive as a Python literal string (CSV) or as JSON. */
const pyOrJson = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== "string") return v;
    try {
      return parsePyLiteral(v);
    } catch {
      return v; // let the schema report the type error
    }
  }, schema);

const intLike = z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), z.number().int());

const QuerySchema = z.object({
  idx: intLike.optional(),
  org: z.string().min(1),
  dest: z.string().min(1),
  days: intLike,
  visiting_city_number: intLike,
  date: pyOrJson(z.array(z.string())),
  people_number: intLike,
  local_constraint: pyOrJson(
    z.object({
      "house rule": z.string().nullable().default(null),
      cuisine: z.array(z.string()).nullable().default(null),
      "room type": z.string().nullable().default(null),
      transportation: z.string().nullable().default(null),
    }),
  ),
  budget: z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? Number(v) : v), z.number()),
  query: z.string(),
  level: z.enum(LEVELS),
  reference_information: z.string().optional(),
  reference_information_json: z.record(z.string(), z.unknown()).optional(),
  annotated_plan: pyOrJson(z.array(z.unknown())).optional(),
});

function toQuery(value: unknown, position: number, where: { file: string; line?: number }): TravelQuery {
  const result = QuerySchema.safeParse(value);
  if (!result.success) throw issueError(result.error.issues[0]!, where);
  const { reference_information_json: json, ...q } = result.data;
  const descriptions = json ? { reference_descriptions: Object.keys(json) } : {};
  return { ...q, ...descriptions, idx: q.idx ?? position } as TravelQuery;
}

/** Reads queries from `.csv` (official layout) or `.jsonl`. */
export function loadQueries(file: string): TravelQuery[] {
  const text = readUserText(file, "queries file");
  const queries = file.toLowerCase().endsWith(".csv") ? parseQueriesCsv(text, file) : parseQueriesJsonl(text, file);
  // Said here: otherwise the first complaint would be about the plans, which are not at fault.
  if (queries.length === 0) throw new InputError("the queries file holds no queries", { file });
  return queries;
}

function parseQueriesJsonl(text: string, file: string): TravelQuery[] {
  return parseJsonl(text, file).map((rec, i) => toQuery(rec.value, i + 1, { file, line: rec.line }));
}

export function parseQueriesCsv(text: string, file: string): TravelQuery[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, bom: true, info: true, skip_empty_lines: true }) as typeof records;
  } catch (err) {
    throw new InputError(`not a valid CSV file: ${(err as Error).message}`, { file, cause: err });
  }
  return records.map(({ record, info }, i) => toQuery(record, i + 1, { file, line: info.lines }));
}

/** Number of local constraints a query sets (the official hard-constraint micro denominator uses 1 + this). */
export function setConstraintCount(q: TravelQuery): number {
  return LOCAL_CONSTRAINT_KEYS.filter((k) => q.local_constraint[k] !== null).length;
}

/** The reference information as a list, parsed from its Python repr. */
export function referenceEntries(q: TravelQuery): ReferenceEntry[] {
  if (!q.reference_information) return [];
  const value = parsePyLiteral(q.reference_information);
  if (!Array.isArray(value)) throw new InputError("reference_information is not a list", { field: "reference_information" });
  return value as unknown as ReferenceEntry[];
}
