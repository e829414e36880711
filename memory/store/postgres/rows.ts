import { CorruptFileError, InputError } from "../../../core/errors.js";
import { issueText } from "../../../core/util/validate.js";
import { ENTRY_SCHEMA_VERSION, MemoryEntrySchema, type MemoryEntry } from "../../types.js";
import type { ArchiveRecord } from "../types.js";
import type { PostgresLocation } from "./location.js";

/** The columns an entry is read from. */
export interface EntryRow {
  entry: Record<string, unknown>;
  version: number;
  hits: number;
  successes: number;
}

export const ENTRY_COLUMNS = "entry, version, hits, successes";

export interface ArchiveRow {
  entry: Record<string, unknown>;
  reason: string;
  retired_at: Date;
}

/**
 * An entry as stored: the jsonb without its stats (the counter columns are their only home) and
 * with the version the version column holds. An entry added without a version stays without one
 * until its first update, so it reads back exactly as it was added.
 */
export function entryFromRow(row: EntryRow, loc: PostgresLocation, table: string): MemoryEntry {
  const raw: Record<string, unknown> = { ...row.entry, stats: { hits: row.hits, successes: row.successes } };
  if ("version" in row.entry || row.version !== 1) raw.version = row.version;
  return validEntry(raw, loc, table);
}

export function validEntry(raw: Record<string, unknown>, loc: PostgresLocation, table: string): MemoryEntry {
  const id = typeof raw.id === "string" ? raw.id : "(no id)";
  const version = raw.schemaVersion;
  if (typeof version === "number" && version > ENTRY_SCHEMA_VERSION) {
    throw new CorruptFileError(loc.display, `entry ${id} in ${table} has entry schema version ${version}, newer than this memp supports (${ENTRY_SCHEMA_VERSION}); upgrade memp`);
  }
  const parsed = MemoryEntrySchema.safeParse(raw);
  if (!parsed.success) throw new CorruptFileError(loc.display, `entry ${id} in ${table} is invalid: ${issueText(parsed.error.issues[0]!)}`);
  return parsed.data;
}

export function archiveFromRow(row: ArchiveRow, loc: PostgresLocation, table: string): ArchiveRecord {
  return { entry: validEntry(row.entry, loc, table), reason: row.reason, retiredAt: row.retired_at.toISOString() };
}

/** What goes into the jsonb column: the entry without its stats. */
export function storedJson(entry: MemoryEntry): Record<string, unknown> {
  const { stats: _stats, ...rest } = entry;
  return rest;
}

/** A caller's entry, checked before it is written, so that nothing unreadable is ever stored. */
export function checkedEntry(entry: MemoryEntry, loc: PostgresLocation): MemoryEntry {
  const parsed = MemoryEntrySchema.safeParse(entry);
  if (!parsed.success) {
    const id = typeof (entry as { id?: unknown })?.id === "string" ? entry.id : "(no id)";
    const issue = parsed.error.issues[0]!;
    throw new InputError(`entry ${id} is invalid: ${issueText(issue)}`, { file: loc.display, field: issue.path.join(".") || undefined });
  }
  return parsed.data;
}
