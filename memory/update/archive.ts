import { InputError } from "../../core/errors.js";
import type { MemoryBank } from "../bank.js";
import type { MemoryStore } from "../store/types.js";
import type { ArchiveRecord, MemoryEntry } from "../types.js";
import { HistoryRecordSchema, readRecords, versionOf, type HistoryRecord } from "./records.js";

/** Retired entries still in the archive (an entry restored since is not listed). */
export function archivedEntries(store: MemoryStore): Promise<ArchiveRecord[]> {
  return store.archived();
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
export async function entryHistory(store: MemoryStore, id: string): Promise<EntryHistory> {
  const events = (await readRecords(store, "history", HistoryRecordSchema)).filter((r) => r.id === id);
  const current = await store.get(id);
  const retired = current ? undefined : (await store.archived()).find((r) => r.entry.id === id);
  if (!current && !retired && events.length === 0) throw new InputError(`no entry with id ${id}, live or archived`, { field: "ID" });
  return { id, current, retired, events };
}

/** Puts a retired entry back into retrieval, with its stats reset so it is not retired again at once. */
export async function restoreEntry(bank: MemoryBank, id: string): Promise<MemoryEntry> {
  const store = bank.store;
  if (await store.has(id)) throw new InputError(`entry ${id} is live, not retired`, { field: "ID" });
  const record = (await store.archived()).find((r) => r.entry.id === id);
  if (!record) throw new InputError(`no retired entry with id ${id} in ${store.location}`, { field: "ID" });
  const now = new Date().toISOString();
  const restored: MemoryEntry = {
    ...record.entry,
    stats: { hits: 0, successes: 0 },
    version: versionOf(record.entry) + 1,
    provenance: { ...record.entry.provenance, updatedAt: now },
  };
  await store.transaction(async (tx) => {
    await bank.add([restored], tx);
    await tx.appendLog("history", [
      { id, version: versionOf(restored), at: now, event: "restored", previous: record.entry, cause: { reason: `retired on ${record.retiredAt}: ${record.reason}` } },
    ]);
  });
  return restored;
}
