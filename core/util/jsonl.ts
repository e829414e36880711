import { readFileSync } from "node:fs";
import { CorruptFileError, InputError } from "../errors.js";
import { readUserText } from "./user-files.js";

export interface JsonlRecord {
  value: unknown;
  /** 1-based line number in the file. */
  line: number;
}

/**
 * Parses JSONL text. Blank lines are allowed; anything else that is not JSON is an error naming
 * the file and line, because dropping a line would silently lose data.
 */
export function parseJsonl(text: string, file: string, kind: "input" | "store" = "input"): JsonlRecord[] {
  const out: JsonlRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    try {
      out.push({ value: JSON.parse(raw), line: i + 1 });
    } catch (err) {
      const truncated = i === lines.length - 1 && !text.endsWith("\n");
      const detail = `invalid JSON${truncated ? " (the file looks truncated)" : ""}: ${(err as Error).message}`;
      throw kind === "store" ? new CorruptFileError(file, detail, i + 1, err) : new InputError(detail, { file, line: i + 1, cause: err });
    }
  }
  return out;
}

/** Reads a JSONL file; an input file must exist, be a file and be UTF-8 (errors name it). */
export function readJsonlFile(file: string, kind: "input" | "store" = "input", what?: string): JsonlRecord[] {
  return parseJsonl(kind === "input" ? readUserText(file, what) : readFileSync(file, "utf8"), file, kind);
}

export function toJsonl(values: Iterable<unknown>): string {
  let out = "";
  for (const v of values) out += JSON.stringify(v) + "\n";
  return out;
}
