import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { CorruptFileError, InputError, MempError } from "../../core/errors.js";
import { issueText } from "../../core/util/validate.js";
import { ENTRY_SCHEMA_VERSION, MemoryEntrySchema, type MemoryEntry } from "../types.js";
import { AUX_FILES, DERIVED_FILES, FILES, JOURNAL_FILE, LOCK_FILE, PENDING_SUFFIX } from "./files.js";
import {
  fileSum,
  loadDerived,
  memoryDirPath,
  readEmbedderState,
  readManifest,
  readText,
  splitTornTail,
  STORE_FORMAT,
  STORE_SCHEMA_VERSION,
  type Manifest,
} from "./local.js";
import { DirectoryLock, inspectLock, removeLockLeftovers } from "./lock.js";
import { Quarantine } from "./quarantine.js";
import { commitFiles, committedFile, leftoverTempFiles, readJournal, replayJournal, type FileWrite, type Journal } from "./transaction.js";
import type { EmbedderInfo } from "./types.js";

export type ProblemKind =
  | "lock-stale"
  | "lock-invalid"
  | "lock-leftover"
  | "journal-pending"
  | "journal-corrupt"
  | "temp-leftover"
  | "manifest-missing"
  | "manifest-corrupt"
  | "manifest-newer"
  | "entries-torn"
  | "entries-corrupt"
  | "entries-newer"
  | "count-mismatch"
  | "index-stale"
  | "aux-torn"
  | "aux-corrupt";

export interface Problem {
  kind: ProblemKind;
  file?: string;
  line?: number;
  message: string;
  /** What `--repair` does about it; undefined when it cannot be repaired here. */
  repair?: string;
}

export interface Diagnosis {
  dir: string;
  problems: Problem[];
  /** Readable entries in entries.jsonl. */
  entries: number;
  /** What the manifest records, when it can be read. */
  manifestCount?: number;
  embedder?: { id: string; dimension: number };
  /** A live writer holding the lock (not a problem, but what it is doing is not on disk yet). */
  writer?: { pid?: number; host?: string; since?: string };
}

const REBUILD_INDEXES = "rebuild the indexes from the entries";

/**
 * Everything wrong with a memory directory, found without changing it (and without the lock, like
 * any reader). Throws only when the directory itself cannot be used.
 */
export function diagnoseMemory(dirPath: string): Diagnosis {
  const dir = existingDirectory(dirPath);
  const problems: Problem[] = [];
  const add = (p: Problem) => problems.push(p);

  const lock = inspectLock(dir);
  const lockPath = join(dir, LOCK_FILE);
  if (lock.state === "stale") add({ kind: "lock-stale", file: lockPath, message: `stale lock of process ${lock.pid ?? "?"} on ${lock.host ?? "?"}, which is gone`, repair: "take it over and remove it" });
  if (lock.state === "invalid") add({ kind: "lock-invalid", file: lockPath, message: lock.detail ?? "not a lock file", repair: "move it to quarantine" });
  if (lock.leftovers.length > 0) add({ kind: "lock-leftover", file: dir, message: `leftovers of dead processes' lock takeovers: ${lock.leftovers.join(", ")}`, repair: "remove them" });

  let journal: Journal | undefined;
  let journalReadable = true;
  try {
    journal = readJournal(dir);
  } catch (err) {
    if (!CorruptFileError.isInstance(err)) throw err;
    journalReadable = false;
    add({ kind: "journal-corrupt", file: join(dir, JOURNAL_FILE), message: detailOf(err), repair: "move it to quarantine (the commit it describes never took effect)" });
  }
  if (journal) {
    add({ kind: "journal-pending", file: join(dir, JOURNAL_FILE), message: `a commit was interrupted after its commit point (${journal.files.join(", ")})`, repair: "complete it" });
  }
  const journalPending = new Set((journal?.files ?? []).map((f) => f + PENDING_SUFFIX));
  const temps = leftoverTempFiles(dir).filter((n) => !journalPending.has(n));
  if (temps.length > 0) add({ kind: "temp-leftover", file: dir, message: `temp files of commits that never completed: ${temps.join(", ")}`, repair: "move them to quarantine" });

  // What the memory holds once the pending commit (if any) is completed.
  const pathOf = (name: string) => (journalReadable ? committedFile(dir, name) : existsSync(join(dir, name)) ? join(dir, name) : undefined);

  let manifest: Manifest | undefined;
  const manifestPath = pathOf(FILES.manifest);
  const present = storeFilesPresent(dir);
  if (!manifestPath) {
    if (present.length === 0 && problems.length === 0) throw new InputError(`no memory here (expected ${join(dir, FILES.manifest)})`, { file: dir });
    if (present.length > 0) add({ kind: "manifest-missing", file: join(dir, FILES.manifest), message: `missing, but the directory holds ${present.join(", ")}`, repair: "rebuild it from the entries" });
  } else {
    try {
      manifest = readManifest(manifestPath);
    } catch (err) {
      if (!MempError.isInstance(err)) throw err;
      const newer = /upgrade memp/.test(err.message);
      add({ kind: newer ? "manifest-newer" : "manifest-corrupt", file: join(dir, FILES.manifest), message: detailOf(err), repair: newer ? undefined : "move it to quarantine and rebuild it from the entries" });
    }
  }

  const scan = scanEntries(pathOf(FILES.entries));
  const entriesFile = join(dir, FILES.entries);
  if (scan.torn) add({ kind: "entries-torn", file: entriesFile, line: scan.torn.line, message: `the last line is torn (${scan.torn.bytes} bytes)`, repair: "move it to quarantine" });
  for (const d of scan.damaged.slice(0, 20)) add({ kind: "entries-corrupt", file: entriesFile, line: d.line, message: d.why, repair: "move the line to quarantine" });
  if (scan.damaged.length > 20) add({ kind: "entries-corrupt", file: entriesFile, message: `and ${scan.damaged.length - 20} more damaged lines`, repair: "move them to quarantine" });
  for (const line of scan.newer) add({ kind: "entries-newer", file: entriesFile, line, message: `an entry with a schema version newer than this memp supports (${ENTRY_SCHEMA_VERSION}); upgrade memp` });
  if (manifest && manifest.count !== scan.entries.length) {
    add({
      kind: "count-mismatch",
      file: entriesFile,
      message: `${scan.exists ? `holds ${scan.entries.length} readable entries` : "is missing"}, but ${FILES.manifest} records ${manifest.count}` +
        (scan.entries.length < manifest.count ? ` (${manifest.count - scan.entries.length} lost; restore ${FILES.entries} from a backup if you have one, before repairing)` : ""),
      repair: `accept the ${scan.entries.length} entries that are there (the old manifest is kept in quarantine)`,
    });
  }
  if (manifest && journalReadable && scan.damaged.length === 0 && !scan.torn) {
    const { problem } = readEmbedderState(dir, manifest);
    const v = loadDerived(dir, manifest, scan.entries, manifest.embedder, problem);
    if (v.stale !== undefined) add({ kind: "index-stale", file: dir, message: v.stale, repair: REBUILD_INDEXES });
  }

  for (const name of AUX_FILES) {
    const path = pathOf(name);
    if (!path) continue;
    const a = scanAux(readText(path));
    if (a.torn) add({ kind: "aux-torn", file: join(dir, name), line: a.torn.line, message: `the last line is torn (${a.torn.bytes} bytes)`, repair: "move it to quarantine" });
    for (const line of a.damaged) add({ kind: "aux-corrupt", file: join(dir, name), line, message: "invalid JSON", repair: "move the line to quarantine" });
  }

  return {
    dir,
    problems,
    entries: scan.entries.length,
    manifestCount: manifest?.count,
    embedder: manifest?.embedder,
    writer: lock.state === "live" ? { pid: lock.pid, host: lock.host, since: lock.since } : undefined,
  };
}

export interface RepairOptions {
  /** The embedder recorded in a manifest rebuilt from the entries (its vectors are rebuilt). */
  embedder?: EmbedderInfo;
  now?: Date;
}

export interface RepairResult {
  /** What was done, one line each. */
  actions: string[];
  /** Where damaged files went, when any did. */
  quarantine?: string;
}

/**
 * Repairs what can be repaired without an embedder, holding the write lock: completes or sets
 * aside an interrupted commit, clears dead locks and temp files, keeps the readable lines of
 * damaged files and rebuilds the manifest from the entries. Nothing is deleted: every file or
 * line it replaces goes to `quarantine/<timestamp>/`. The indexes are left for the next writer to
 * rebuild (the manifest says they are stale).
 */
export function repairMemoryFiles(dirPath: string, options: RepairOptions = {}): RepairResult {
  const dir = existingDirectory(dirPath);
  const now = options.now ?? new Date();
  const q = new Quarantine(dir, now);
  const actions: string[] = [];

  const before = inspectLock(dir);
  // A directory or symlink where the lock belongs keeps every writer out; it is not ours to delete.
  if (before.state === "invalid") actions.push(`moved ${LOCK_FILE} (${before.detail}) to ${q.move(LOCK_FILE)}`);
  const lock = DirectoryLock.acquire(dir);
  try {
    if (before.state === "stale") actions.push(`took over the stale lock of process ${before.pid ?? "?"}`);
    const removed = removeLockLeftovers(dir);
    if (removed.length > 0) actions.push(`removed leftovers of dead lock takeovers: ${removed.join(", ")}`);
    try {
      if (replayJournal(dir)) actions.push("completed a commit that was interrupted after its commit point");
    } catch (err) {
      if (!CorruptFileError.isInstance(err)) throw err;
      actions.push(`moved the corrupt ${JOURNAL_FILE} to ${q.move(JOURNAL_FILE)} (${detailOf(err)})`);
    }
    const temps = leftoverTempFiles(dir);
    for (const name of temps) q.move(name);
    if (temps.length > 0) actions.push(`moved ${temps.length} temp file(s) of commits that never completed to ${q.path}`);

    const manifestPath = join(dir, FILES.manifest);
    let manifest: Manifest | undefined;
    let manifestDamaged = false;
    if (existsSync(manifestPath)) {
      try {
        manifest = readManifest(manifestPath);
      } catch (err) {
        if (!MempError.isInstance(err) || /upgrade memp/.test(err.message)) throw err;
        manifestDamaged = true;
      }
    }
    const entriesPath = join(dir, FILES.entries);
    const scan = scanEntries(entriesPath);
    if (scan.newer.length > 0) {
      throw new CorruptFileError(entriesPath, `holds entries with a schema version newer than this memp supports (${ENTRY_SCHEMA_VERSION}); upgrade memp (nothing else was repaired)`, scan.newer[0]);
    }
    if (!manifest && !manifestDamaged && storeFilesPresent(dir).length === 0) return { actions, quarantine: q.path };

    const writes: FileWrite[] = [];
    if (scan.torn || scan.damaged.length > 0) {
      const saved = q.save(FILES.entries, readFileSync(entriesPath));
      writes.push({ name: FILES.entries, data: scan.lines.map((l) => l + "\n").join("") });
      const n = scan.damaged.length + (scan.torn ? 1 : 0);
      actions.push(`kept the ${scan.entries.length} readable entries of ${FILES.entries}; its ${n} damaged line(s) are in ${saved}`);
    }
    for (const name of AUX_FILES) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      const text = readText(path);
      const a = scanAux(text);
      if (!a.torn && a.damaged.length === 0) {
        if (!text.endsWith("\n") && text !== "") writes.push({ name, data: text + "\n" });
        continue;
      }
      const saved = q.save(name, text);
      writes.push({ name, data: a.kept.map((l) => l + "\n").join("") });
      actions.push(`dropped ${a.damaged.length + (a.torn ? 1 : 0)} damaged line(s) of ${name}; the file as it was is in ${saved}`);
    }

    let next: Manifest;
    const stamp = now.toISOString();
    if (!manifest) {
      if (manifestDamaged) actions.push(`moved the damaged ${FILES.manifest} to ${q.move(FILES.manifest)}`);
      const embedder = options.embedder ?? { id: "unknown", dimension: indexDimension(dir) ?? 1 };
      next = {
        format: STORE_FORMAT,
        schemaVersion: STORE_SCHEMA_VERSION,
        embedder: { id: embedder.id, dimension: embedder.dimension },
        count: scan.entries.length,
        generation: 1,
        createdAt: stamp,
        updatedAt: stamp,
        derived: { keys: "rebuild", files: trustedState(dir) },
      };
      actions.push(`rebuilt ${FILES.manifest} from the ${scan.entries.length} entries (embedder ${embedder.id}, ${embedder.dimension}-d); the indexes will be rebuilt`);
    } else {
      next = { ...manifest, count: scan.entries.length, generation: manifest.generation + 1, updatedAt: stamp };
      if (manifest.count !== scan.entries.length) {
        const saved = q.save(FILES.manifest, readFileSync(manifestPath));
        actions.push(`${FILES.manifest} recorded ${manifest.count} entries; it now records the ${scan.entries.length} in ${FILES.entries} (the old manifest is in ${saved})`);
      }
    }
    if (writes.length > 0 || !manifest || manifest.count !== next.count) {
      commitFiles(dir, [...writes, { name: FILES.manifest, data: JSON.stringify(next, null, 2) + "\n" }]);
    }
    return { actions, quarantine: q.path };
  } finally {
    lock.release();
  }
}

function existingDirectory(dirPath: string): string {
  const dir = memoryDirPath(dirPath);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "no such directory; expected a memory directory" : `cannot be read (${code}); expected a memory directory`, { file: dir, cause: err });
  }
  if (!isDir) throw new InputError("is a file; expected a memory directory", { file: dir });
  return dir;
}

function storeFilesPresent(dir: string): string[] {
  return [FILES.entries, ...AUX_FILES, ...DERIVED_FILES].filter((n) => existsSync(join(dir, n)));
}

interface EntryScan {
  exists: boolean;
  entries: MemoryEntry[];
  /** The readable lines, as written. */
  lines: string[];
  damaged: Array<{ line: number; why: string }>;
  torn?: { line: number; bytes: number };
  newer: number[];
}

/** Reads entries.jsonl line by line, keeping what is readable and listing what is not. */
function scanEntries(path: string | undefined): EntryScan {
  const exists = path !== undefined && existsSync(path);
  const { body, torn } = splitTornTail(exists ? readText(path) : "");
  const rows = body.split("\n");
  const scan: EntryScan = { exists, entries: [], lines: [], damaged: [], newer: [] };
  if (torn !== undefined) scan.torn = { line: rows.length, bytes: Buffer.byteLength(torn) };
  const seen = new Set<string>();
  rows.forEach((raw, i) => {
    const text = raw.trim();
    if (text === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      scan.damaged.push({ line: i + 1, why: `invalid JSON: ${(err as Error).message}` });
      return;
    }
    const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === "number" && version > ENTRY_SCHEMA_VERSION) {
      scan.newer.push(i + 1);
      return;
    }
    const parsed = MemoryEntrySchema.safeParse(value);
    if (!parsed.success) {
      scan.damaged.push({ line: i + 1, why: `invalid entry: ${issueText(parsed.error.issues[0]!)}` });
      return;
    }
    if (seen.has(parsed.data.id)) {
      scan.damaged.push({ line: i + 1, why: `duplicate entry id ${parsed.data.id}` });
      return;
    }
    seen.add(parsed.data.id);
    scan.entries.push(parsed.data);
    scan.lines.push(text);
  });
  return scan;
}

/** An auxiliary JSONL file: its readable lines, its damaged ones and a torn tail. */
function scanAux(text: string): { kept: string[]; damaged: number[]; torn?: { line: number; bytes: number } } {
  const { body, torn } = splitTornTail(text);
  const rows = body.split("\n");
  const kept: string[] = [];
  const damaged: number[] = [];
  rows.forEach((raw, i) => {
    const t = raw.trim();
    if (t === "") return;
    try {
      const v = JSON.parse(t) as unknown;
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
      kept.push(t);
    } catch {
      damaged.push(i + 1);
    }
  });
  return { kept, damaged, torn: torn === undefined ? undefined : { line: rows.length, bytes: Buffer.byteLength(torn) } };
}

/** The dimension the task index was written with, if its header can be read. */
function indexDimension(dir: string): number | undefined {
  try {
    const buf = readFileSync(join(dir, FILES.taskIndex));
    if (buf.length < 8 || buf.toString("latin1", 0, 4) !== "IxFI") return undefined;
    const d = buf.readInt32LE(4);
    return d > 0 ? d : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A rebuilt manifest vouches for the embedder state as found (when it is valid JSON), so that a
 * local embedder keeps the IDF table its entries were fitted with; every index is rebuilt.
 */
function trustedState(dir: string): Record<string, { bytes: number; crc32: string }> {
  const path = join(dir, FILES.embedderState);
  if (!existsSync(path)) return {};
  try {
    const bytes = readFileSync(path);
    JSON.parse(bytes.toString("utf8"));
    return { [FILES.embedderState]: fileSum(bytes) };
  } catch {
    return {};
  }
}

function detailOf(err: MempError): string {
  const e = err as MempError & { file?: string; line?: number };
  const prefix = e.file ? `${e.file}${e.line === undefined ? "" : `:${e.line}`}: ` : "";
  return prefix && err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
}
