import { z } from "zod";
import { CorruptFileError } from "../../core/errors.js";
import { parseJsonl, toJsonl } from "../../core/util/jsonl.js";
import { validateRecords } from "../../core/util/validate.js";
import { AUX_FILES } from "../store/files.js";
import type { MemoryStore } from "../store/types.js";
import { MemoryEntrySchema, type MemoryEntry } from "../types.js";

/** Auxiliary files an update writes, committed atomically with the entries (the store knows no others). */
export const [ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE] = AUX_FILES;

export const ArchiveRecordSchema = z.object({
  entry: MemoryEntrySchema,
  reason: z.string(),
  retiredAt: z.string(),
});
export type ArchiveRecord = z.infer<typeof ArchiveRecordSchema>;

export const HistoryRecordSchema = z.object({
  id: z.string(),
  /** The version the entry had after this event. */
  version: z.number().int().positive(),
  at: z.string(),
  event: z.enum(["adjusted", "merged", "retired", "restored"]),
  /** The entry as it was before the event. */
  previous: MemoryEntrySchema,
  /** What caused it: the failed task of an adjustment, the absorbed entry of a merge. */
  cause: z
    .object({
      task: z.string().optional(),
      source: z.string().optional(),
      success: z.boolean().optional(),
      analysis: z.string().optional(),
      absorbed: MemoryEntrySchema.optional(),
      reason: z.string().optional(),
    })
    .optional(),
  model: z.string().nullable().optional(),
});
export type HistoryRecord = z.infer<typeof HistoryRecordSchema>;

export function readRecords<T>(store: MemoryStore, file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T[] {
  const path = `${store.dir}/${file}`;
  return validateRecords(parseJsonl(store.readAux(file), path, "store"), schema, { file: path, kind: "store" });
}

export async function appendRecords(store: MemoryStore, file: string, records: unknown[]): Promise<void> {
  if (records.length === 0) return;
  const text = store.readAux(file);
  // A record glued to a line without its newline would make both unreadable, for good. The local
  // store never returns a torn tail (it quarantines it); this guards any other MemoryStore.
  if (text !== "" && !text.endsWith("\n")) {
    throw new CorruptFileError(`${store.dir}/${file}`, `does not end with a complete line; refusing to append to it (run \`memp memory doctor --memory-dir ${store.dir} --repair\`)`);
  }
  await store.writeAux(file, text + toJsonl(records));
}

export function versionOf(entry: MemoryEntry): number {
  return entry.version ?? 1;
}
