import { z } from "zod";
import { InputError } from "../core/errors.js";
import { parseJsonl, toJsonl, type JsonlRecord } from "../core/util/jsonl.js";
import { writeUserFile } from "../core/util/user-files.js";
import { validateRecords } from "../core/util/validate.js";
import { readInputFile } from "./input.js";
import type { MemoryBank } from "./bank.js";
import { MemoryEntrySchema, type MemoryEntry } from "./types.js";

export const EXPORT_FORMAT = "memp-export";

const HeaderSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  embedder: z.string(),
  count: z.number().int().nonnegative(),
  exportedAt: z.string(),
});

/**
 * Writes the live entries as JSONL: a header line, then one entry per line with its provenance
 * (source, the model that built it, times), stats and version. Vectors are not exported: the
 * importing side embeds with its own embedder, which is what moving between models (and between
 * backends: a directory to PostgreSQL and back) needs.
 */
export async function exportMemory(bank: MemoryBank, file: string): Promise<number> {
  const entries = await bank.store.list();
  const header = { format: EXPORT_FORMAT, version: 1, embedder: bank.embedderId, count: entries.length, exportedAt: new Date().toISOString() };
  // A user's path: refused inside a memory directory (writing its entries.jsonl would replace
  // the memory being read) and when it is a directory, a missing folder or a dangling link.
  writeUserFile(file, toJsonl([header, ...entries]));
  return entries.length;
}

export interface ExportedMemory {
  embedder: string;
  entries: MemoryEntry[];
}

export function readExport(file: string): ExportedMemory {
  const records = parseJsonl(readInputFile(file), file);
  const first = records[0];
  const header = first && HeaderSchema.safeParse(first.value);
  if (!first || !header?.success) throw new InputError(`expected a memp export (first line {"format": "${EXPORT_FORMAT}", ...})`, { file, line: first?.line ?? 1 });
  const body = records.slice(1);
  refuseProtoFacts(body, file);
  const entries = validateRecords(body, MemoryEntrySchema, { file });
  if (entries.length !== header.data.count) throw new InputError(`the header counts ${header.data.count} entries but the file holds ${entries.length} (truncated?)`, { file });
  // Two lines with one id would make the import keep one of them at random: refuse the file.
  const firstLine = new Map<string, number>();
  entries.forEach((e, i) => {
    const line = body[i]!.line;
    const seen = firstLine.get(e.id);
    if (seen !== undefined) throw new InputError(`duplicate entry id ${e.id} (first on line ${seen})`, { file, line, field: "id" });
    firstLine.set(e.id, line);
  });
  return { embedder: header.data.embedder, entries };
}

/** The entry schema would drop a `__proto__` fact without a word; the file is refused instead. */
function refuseProtoFacts(records: readonly JsonlRecord[], file: string): void {
  for (const { value, line } of records) {
    const facts = typeof value === "object" && value !== null ? (value as { facts?: unknown }).facts : undefined;
    if (typeof facts === "object" && facts !== null && Object.hasOwn(facts, "__proto__")) {
      throw new InputError('"__proto__" cannot be a fact name; rename it', { file, line, field: "facts.__proto__" });
    }
  }
}

/**
 * Adds exported entries to a memory, embedding them with its embedder; ids already there are
 * skipped. Given a file, it is read (and refused if bad) before anything is written; a caller
 * that must not create the memory for a bad file reads it first with `readExport`.
 */
export async function importMemory(bank: MemoryBank, source: string | ExportedMemory): Promise<{ imported: number; skipped: number; reembedded: boolean; from: string }> {
  const { embedder, entries } = typeof source === "string" ? readExport(source) : source;
  const present = new Set((await bank.store.getMany(entries.map((e) => e.id))).map((e) => e.id));
  const fresh = entries.filter((e) => !present.has(e.id));
  await bank.add(fresh);
  return { imported: fresh.length, skipped: entries.length - fresh.length, reembedded: embedder !== bank.embedderId, from: embedder };
}
