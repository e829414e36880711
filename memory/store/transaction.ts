import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError } from "../../src/errors.js";
import { fsyncDir, writeFileAtomic } from "../../src/util/atomic.js";

/**
 * Multi-file commits with a redo journal. Each file is first written in full beside its final
 * name; once all are durable, journal.json (written atomically) records the set, and that write is
 * the commit point. The renames that follow are replayed on the next open if the process dies in
 * between. A crash before the journal leaves the old files untouched; after it, the new set wins.
 */
export const JOURNAL_FILE = "journal.json";
const PENDING_SUFFIX = ".pending";

export interface FileWrite {
  name: string;
  data: string | Uint8Array;
}

interface Journal {
  files: string[];
  deletes?: string[];
}

/** Test hook: called after the journal is durable, before the renames. */
let afterJournal: (() => void) | undefined;
export function setAfterJournalHookForTesting(hook: typeof afterJournal): void {
  afterJournal = hook;
}

export function commitFiles(dir: string, writes: FileWrite[], deletes: string[] = []): void {
  for (const w of writes) writeFileAtomic(join(dir, w.name + PENDING_SUFFIX), w.data);
  const journal: Journal = { files: writes.map((w) => w.name), deletes };
  writeFileAtomic(join(dir, JOURNAL_FILE), JSON.stringify(journal));
  afterJournal?.();
  applyJournal(dir, journal);
}

/** Replays an interrupted commit and removes leftovers of one that never reached its journal. */
export function recoverTransaction(dir: string): void {
  const journal = readJournal(dir);
  if (journal) applyJournal(dir, journal);
  for (const name of readdirSync(dir)) {
    if (name.endsWith(PENDING_SUFFIX) || /^\..*\.tmp$/.test(name)) rmSync(join(dir, name), { force: true });
  }
}

/**
 * The path a reader should use for `name`: a reader without the lock may arrive between the
 * journal and the renames, when the committed bytes still sit in the pending file.
 */
export function committedPath(dir: string, name: string): string {
  const journal = readJournal(dir);
  if (journal?.files.includes(name)) {
    const pending = join(dir, name + PENDING_SUFFIX);
    if (existsSync(pending)) return pending;
  }
  return join(dir, name);
}

function applyJournal(dir: string, journal: Journal): void {
  for (const name of journal.files) {
    const pending = join(dir, name + PENDING_SUFFIX);
    if (existsSync(pending)) renameSync(pending, join(dir, name));
  }
  for (const name of journal.deletes ?? []) rmSync(join(dir, name), { force: true });
  fsyncDir(dir);
  rmSync(join(dir, JOURNAL_FILE), { force: true });
  fsyncDir(dir);
}

function readJournal(dir: string): Journal | undefined {
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Journal;
    if (!Array.isArray(parsed.files)) throw new Error("files is not an array");
    return parsed;
  } catch (err) {
    // The journal is written atomically, so a broken one was damaged by something else.
    throw new CorruptFileError(path, `unreadable commit journal: ${(err as Error).message}`, undefined, err);
  }
}
