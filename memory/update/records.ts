import { z } from "zod";
import { validateRecords } from "../../core/util/validate.js";
import { AUX_FILES } from "../store/files.js";
import type { MemoryLogName, MemoryStore } from "../store/types.js";
import { ArchiveRecordSchema, MemoryEntrySchema, type ArchiveRecord, type MemoryEntry } from "../types.js";

/** The files a local memory keeps its archive, history and update log in. */
export const [ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE] = AUX_FILES;
export { ArchiveRecordSchema, type ArchiveRecord };

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

/** A log's records, each checked against its schema (a bad one names the memory and the record). */
export async function readRecords<T>(store: MemoryStore, log: MemoryLogName, schema: z.ZodType<T, z.ZodTypeDef, unknown>): Promise<T[]> {
  const values = await store.readLog(log);
  const where = `${store.location} (${log} log)`;
  return validateRecords(values.map((value, i) => ({ value, line: i + 1 })), schema, { file: where, kind: "store" });
}

export function versionOf(entry: MemoryEntry): number {
  return entry.version ?? 1;
}
