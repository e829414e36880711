import { z } from "zod";
import { InputError } from "../src/errors.js";
import { writeFileAtomic } from "../src/util/atomic.js";
import { parseJsonl, toJsonl } from "../src/util/jsonl.js";
import { validateRecords } from "../src/util/validate.js";
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
 * importing side embeds with its own embedder, which is what moving between models needs.
 */
export function exportMemory(bank: MemoryBank, file: string): number {
  const entries = bank.store.list();
  const header = { format: EXPORT_FORMAT, version: 1, embedder: bank.embedderId, count: entries.length, exportedAt: new Date().toISOString() };
  writeFileAtomic(file, toJsonl([header, ...entries]));
  return entries.length;
}

export function readExport(file: string): { embedder: string; entries: MemoryEntry[] } {
  const records = parseJsonl(readInputFile(file), file);
  const first = records[0];
  const header = first && HeaderSchema.safeParse(first.value);
  if (!first || !header?.success) throw new InputError(`expected a memp export (first line {"format": "${EXPORT_FORMAT}", ...})`, { file, line: first?.line ?? 1 });
  const entries = validateRecords(records.slice(1), MemoryEntrySchema, { file });
  if (entries.length !== header.data.count) throw new InputError(`the header counts ${header.data.count} entries but the file holds ${entries.length} (truncated?)`, { file });
  return { embedder: header.data.embedder, entries };
}

/** Adds exported entries to a memory, embedding them with its embedder; ids already there are skipped. */
export async function importMemory(bank: MemoryBank, file: string): Promise<{ imported: number; skipped: number; reembedded: boolean; from: string }> {
  const { embedder, entries } = readExport(file);
  const fresh = entries.filter((e) => !bank.store.has(e.id));
  await bank.add(fresh);
  return { imported: fresh.length, skipped: entries.length - fresh.length, reembedded: embedder !== bank.embedderId, from: embedder };
}
