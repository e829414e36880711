import { InputError } from "../../core/errors.js";
import type { MemoryBank } from "../bank.js";
import type { MemoryStore } from "../store/types.js";
import type { MemoryEntry } from "../types.js";
import { ARCHIVE_FILE, ArchiveRecordSchema, appendRecords, HISTORY_FILE, HistoryRecordSchema, readRecords, versionOf, type ArchiveRecord, type HistoryRecord } from "./records.js";

/** Retired entries still in the archive (an entry restored since is not listed). */
export function archivedEntries(store: MemoryStore): ArchiveRecord[] {
  const latest = new Map<string, ArchiveRecord>();
  for (const r of readRecords(store, ARCHIVE_FILE, ArchiveRecordSchema)) latest.set(r.entry.id, r);
  return [...latest.values()].filter((r) => !store.has(r.entry.id));
}

export interface EntryHistory {
  id: string;
  /** The live entry, or undefined when it is retired. */
  current?: MemoryEntry;
  /** Set when the entry is in the archive. */
  retired?: ArchiveRecord;
  events: HistoryRecord[];
}

/** Every recorded event of an entry, oldest first. */
export function entryHistory(store: MemoryStore, id: string): EntryHistory {
  const events = readRecords(store, HISTORY_FILE, HistoryRecordSchema).filter((r) => r.id === id);
  const current = store.get(id);
  const retired = current ? undefined : archivedEntries(store).find((r) => r.entry.id === id);
  if (!current && !retired && events.length === 0) throw new InputError(`no entry with id ${id}, live or archived`, { field: "ID" });
  return { id, current, retired, events };
}

/** Puts a retired entry back into retrieval, with its stats reset so it is not retired again at once. */
export async function restoreEntry(bank: MemoryBank, id: string): Promise<MemoryEntry> {
  const store = bank.store;
  if (store.has(id)) throw new InputError(`entry ${id} is live, not retired`, { field: "ID" });
  const record = archivedEntries(store).find((r) => r.entry.id === id);
  if (!record) throw new InputError(`no retired entry with id ${id} in ${store.dir}/${ARCHIVE_FILE}`, { field: "ID" });
  const now = new Date().toISOString();
  const restored: MemoryEntry = {
    ...record.entry,
    stats: { hits: 0, successes: 0 },
    version: versionOf(record.entry) + 1,
    provenance: { ...record.entry.provenance, updatedAt: now },
  };
  await store.transaction(async () => {
    await bank.add([restored]);
    await appendRecords(store, HISTORY_FILE, [
      { id, version: versionOf(restored), at: now, event: "restored", previous: record.entry, cause: { reason: `retired on ${record.retiredAt}: ${record.reason}` } },
    ]);
  });
  return restored;
}
