import type { z } from "zod";
import { CorruptFileError, InputError } from "../errors.js";
import type { JsonlRecord } from "./jsonl.js";

type Schema<T> = z.ZodType<T, z.ZodTypeDef, unknown>;

/** A zod issue in the project's words: "missing required field" rather than zod's "Required". */
export function issueMessage(issue: z.ZodIssue): string {
  return issue.message === "Required" ? "missing required field" : issue.message;
}

/** `field "a.b": message`, or the message alone for an issue at the root. */
export function issueText(issue: z.ZodIssue): string {
  return issue.path.length ? `field "${issue.path.join(".")}": ${issueMessage(issue)}` : issueMessage(issue);
}

/** The InputError for a zod issue in a value read from `where`. */
export function issueError(issue: z.ZodIssue, where: { file?: string; line?: number }): InputError {
  return new InputError(issueMessage(issue), { ...where, field: issue.path.join(".") || undefined });
}

/**
 * Validates decoded JSONL records against `schema`. A bad record is an InputError naming the
 * file, line and field (user input), or a CorruptFileError (a file the project wrote itself).
 */
export function validateRecords<T>(
  records: JsonlRecord[],
  schema: Schema<T>,
  where: { file: string; kind?: "input" | "store"; label?: string },
): T[] {
  return records.map(({ value, line }) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    if (where.kind === "store") throw new CorruptFileError(where.file, `${where.label ?? "invalid record"}: ${issueText(issue)}`, line);
    throw issueError(issue, { file: where.file, line });
  });
}

/** Where a reader reports what it accepted but the user should know about. */
export type Warn = (message: string) => void;

/** The default Warn of the readers: one line on stderr, as the CLI prints its errors. */
export const warnOnStderr: Warn = (message) => {
  process.stderr.write(`memp: warning: ${message}\n`);
};
