import { basename } from "node:path";

/** The files of a memory directory. Anything not named here is not the store's to touch. */
export const FILES = {
  manifest: "manifest.json",
  entries: "entries.jsonl",
  taskIndex: "index.faiss",
  factsIndex: "facts.faiss",
  factValueIndex: "fact-values.faiss",
  factValueTexts: "fact-values.json",
  embedderState: "embedder-state.json",
} as const;

/** Files derived from the entries: rebuilt (never trusted) when missing, stale or damaged. */
export const DERIVED_FILES: readonly string[] = [FILES.taskIndex, FILES.factsIndex, FILES.factValueIndex, FILES.factValueTexts, FILES.embedderState];

/** Auxiliary files (archive, history, update log), committed with the entries. */
export const AUX_FILES = ["archive.jsonl", "history.jsonl", "updates.jsonl"] as const;
export type AuxFile = (typeof AUX_FILES)[number];

export const JOURNAL_FILE = "journal.json";
export const LOCK_FILE = ".memp.lock";
export const PENDING_SUFFIX = ".pending";
/** Where damaged files go (`quarantine/<timestamp>/`), instead of being deleted. */
export const QUARANTINE_DIR = "quarantine";

const STORE_FILES = new Set<string>([...Object.values(FILES), ...AUX_FILES]);

/** A file a commit may write: one of the fixed names, never a path. */
export function isStoreFile(name: string): boolean {
  return STORE_FILES.has(name);
}

/** A file a commit may delete: only what can be derived again from the entries. */
export function isDeletableFile(name: string): boolean {
  return DERIVED_FILES.includes(name);
}

/**
 * A temp file the store itself leaves behind when a commit is cut short: `<file>.pending`, or
 * writeFileAtomic's `.<file>.<pid>.<time>.<n>.tmp` for a store file or the journal.
 */
export function isStoreTemp(name: string): boolean {
  if (name !== basename(name)) return false;
  if (name.endsWith(PENDING_SUFFIX)) return isStoreFile(name.slice(0, -PENDING_SUFFIX.length));
  const m = /^\.(.+)\.\d+\.[0-9a-z]+\.[0-9a-z]+\.tmp$/.exec(name);
  if (!m) return false;
  const target = m[1]!;
  if (target === JOURNAL_FILE || isStoreFile(target)) return true;
  return target.endsWith(PENDING_SUFFIX) && isStoreFile(target.slice(0, -PENDING_SUFFIX.length));
}
