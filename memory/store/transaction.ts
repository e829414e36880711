import { existsSync, lstatSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError } from "../../core/errors.js";
import { faultPoint, fsyncDir, writeFileAtomic } from "../../core/util/atomic.js";
import { isDeletableFile, isStoreFile, isStoreTemp, JOURNAL_FILE, PENDING_SUFFIX } from "./files.js";

/**
 * Multi-file commits with a redo journal. Each file is first written in full beside its final
 * name; once all are durable, journal.json (written atomically) records the set, and that write is
 * the commit point. The renames that follow are replayed on the next open if the process dies in
 * between. A crash before the journal leaves the old files untouched; after it, the new set wins.
 */
export { JOURNAL_FILE } from "./files.js";

export interface FileWrite {
  name: string;
  data: string | Uint8Array;
}

export interface Journal {
  files: string[];
  deletes?: string[];
}

/** Test hook: called after the journal is durable, before the renames. */
let afterJournal: (() => void) | undefined;
export function setAfterJournalHookForTesting(hook: typeof afterJournal): void {
  afterJournal = hook;
}

export function commitFiles(dir: string, writes: FileWrite[], deletes: string[] = []): void {
  // The same rule a recovering reader applies to the journal, so we can never write one it refuses.
  for (const w of writes) if (!isStoreFile(w.name)) throw new RangeError(`commitFiles: "${w.name}" is not a memory file`);
  for (const name of deletes) if (!isDeletableFile(name)) throw new RangeError(`commitFiles: "${name}" may not be deleted`);
  for (const w of writes) writeFileAtomic(join(dir, w.name + PENDING_SUFFIX), w.data);
  const journal: Journal = { files: writes.map((w) => w.name), deletes };
  writeFileAtomic(join(dir, JOURNAL_FILE), JSON.stringify(journal));
  afterJournal?.();
  applyJournal(dir, journal);
}

/** Replays an interrupted commit and removes leftovers of one that never reached its journal. */
export function recoverTransaction(dir: string): void {
  replayJournal(dir);
  for (const name of leftoverTempFiles(dir)) rmSync(join(dir, name), { force: true });
}

/** Completes a commit that reached its journal; returns whether there was one. */
export function replayJournal(dir: string): boolean {
  const journal = readJournal(dir);
  if (journal) applyJournal(dir, journal);
  return journal !== undefined;
}

/** Temp files of commits that never reached their journal (only the store's own names). */
export function leftoverTempFiles(dir: string): string[] {
  return readdirSync(dir).filter(isStoreTemp);
}

/**
 * Where the committed bytes of `name` are, or undefined when the committed state has no such
 * file. A reader without the lock may arrive between the journal and the renames, when the
 * committed bytes still sit in the pending file, and a file the commit deletes is still there.
 */
export function committedFile(dir: string, name: string): string | undefined {
  const journal = readJournal(dir);
  if (journal?.files.includes(name)) {
    const pending = join(dir, name + PENDING_SUFFIX);
    if (existsSync(pending)) return pending;
  }
  if (journal?.deletes?.includes(name)) return undefined;
  const path = join(dir, name);
  return existsSync(path) ? path : undefined;
}

/** `committedFile`, as a path even when there is no such file. */
export function committedPath(dir: string, name: string): string {
  return committedFile(dir, name) ?? join(dir, name);
}

function applyJournal(dir: string, journal: Journal): void {
  for (const name of journal.files) {
    const pending = join(dir, name + PENDING_SUFFIX);
    if (!existsSync(pending)) continue;
    faultPoint(`commit rename ${name}`);
    renameSync(pending, join(dir, name));
  }
  for (const name of journal.deletes ?? []) {
    if (!existsSync(join(dir, name))) continue;
    faultPoint(`commit delete ${name}`);
    rmSync(join(dir, name), { force: true });
  }
  fsyncDir(dir);
  faultPoint(`commit unlink ${JOURNAL_FILE}`);
  rmSync(join(dir, JOURNAL_FILE), { force: true });
  fsyncDir(dir);
}

/**
 * The pending commit, validated as a whole before anything acts on it: a journal naming anything
 * but the store's own files (a path, `..`, a file of the user's) is refused, and nothing is touched.
 */
export function readJournal(dir: string): Journal | undefined {
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    // The journal is written atomically, so a broken one was damaged by something else.
    throw new CorruptFileError(path, `unreadable commit journal: ${(err as Error).message}; ${NOTHING_CHANGED}`, undefined, err);
  }
  const j = parsed as Partial<Journal> | null;
  const isNames = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
  if (typeof j !== "object" || j === null || !isNames(j.files) || (j.deletes !== undefined && !isNames(j.deletes))) {
    throw new CorruptFileError(path, `unreadable commit journal: expected {"files": [names], "deletes"?: [names]}; ${NOTHING_CHANGED}`);
  }
  for (const name of j.files) {
    if (!isStoreFile(name)) throw new CorruptFileError(path, `corrupt commit journal: it names ${JSON.stringify(name)}, which is not one of the memory's own files; ${NOTHING_CHANGED}`);
    const pending = join(dir, name + PENDING_SUFFIX);
    let kind: string | undefined;
    try {
      const st = lstatSync(pending);
      kind = st.isFile() ? undefined : st.isSymbolicLink() ? "a symbolic link" : "not a regular file";
    } catch {
      // already renamed into place
    }
    if (kind) throw new CorruptFileError(path, `corrupt commit journal: ${name + PENDING_SUFFIX} is ${kind}; ${NOTHING_CHANGED}`);
  }
  for (const name of j.deletes ?? []) {
    if (!isDeletableFile(name)) throw new CorruptFileError(path, `corrupt commit journal: it would delete ${JSON.stringify(name)}, which is not a derived file of the memory; ${NOTHING_CHANGED}`);
  }
  return { files: j.files, deletes: j.deletes };
}

const NOTHING_CHANGED = "refusing to apply it (nothing was changed); `memp memory doctor --repair` moves it to quarantine";
