import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { crc32 } from "node:zlib";
import { z } from "zod";
import { env } from "../../core/config.js";
import { ConfigError, CorruptFileError, InputError, MempError, ReadOnlyError, ClosedError } from "../../core/errors.js";
import { parseJsonl, toJsonl } from "../../core/util/jsonl.js";
import { issueText, validateRecords } from "../../core/util/validate.js";
import { ArchiveRecordSchema, ENTRY_SCHEMA_VERSION, MemoryEntrySchema, type MemoryEntry } from "../types.js";
import { loadFaiss } from "./faiss.js";
import { AUX_FILES, DERIVED_FILES, FILES, QUARANTINE_DIR, type AuxFile } from "./files.js";
import { DirectoryLock } from "./lock.js";
import { Quarantine } from "./quarantine.js";
import { exactIndex, exactTopK, faissIndex, simdIndex, type SearchIndex, type VectorBackend } from "./search.js";
import { SimdScanner } from "./simd.js";
import { commitFiles, committedFile, recoverTransaction, type FileWrite } from "./transaction.js";
import type { ArchiveRecord, EmbedderInfo, EntryIndexName, EntryVectors, MemoryLogName, MemoryStore, ScoredId, StatsDelta, VectorIndexName } from "./types.js";
import { decodeFlatIP, encodeFlatIP, readIndexBytes, unitVector, VectorMatrix } from "./vectors.js";

const [ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE] = AUX_FILES;
/** Where each log lives in the directory. */
const LOG_FILES: Record<MemoryLogName, AuxFile> = { history: HISTORY_FILE, updates: UPDATE_LOG_FILE };

export const STORE_FORMAT = "memp-memory";
export const STORE_SCHEMA_VERSION = 1;

const FileSumSchema = z.object({ bytes: z.number().int().nonnegative(), crc32: z.string() });

export const ManifestSchema = z.object({
  format: z.literal(STORE_FORMAT),
  schemaVersion: z.number().int(),
  embedder: z.object({ id: z.string(), dimension: z.number().int().positive() }),
  count: z.number().int().nonnegative(),
  generation: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /**
   * What the derived files were built from and what they hold: a digest of the entries' keys and
   * each file's size and CRC-32. Absent in memories written before it existed (then only the
   * files' shapes are checked).
   */
  derived: z.object({ keys: z.string(), files: z.record(z.string(), FileSumSchema) }).optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** What `peek` reports of a memory without opening it. */
export interface MemorySummary {
  embedder: EmbedderInfo;
  count: number;
  /** Bumped by every commit: which state of the memory a run saw. */
  generation: number;
  updatedAt: string;
}

export interface OpenLocalStoreOptions {
  /** Open without the write lock; mutations throw. */
  readOnly?: boolean;
  /** The embedder the caller will query with; a different one marks the vectors stale. */
  embedder: EmbedderInfo;
  /** Create the directory when it holds no memory yet (default true for writers). */
  create?: boolean;
  /**
   * How searches run: "simd" (default; a WebAssembly SIMD scan, exact below 16,384 rows of 384
   * dimensions, above that a quantized first pass whose best few hundred are re-ranked exactly),
   * "faiss" (faiss-node over the same index files; falls back to the exact scan, loudly, when the
   * addon cannot load) or "exact" (plain JS). Default: MEMP_VECTOR_BACKEND, else "simd".
   */
  vectorBackend?: VectorBackend;
  /** Where the store says what it repaired or ignored (default: one line on stderr). */
  onWarning?: (message: string) => void;
}

/**
 * The local backend: a directory whose entries.jsonl is the source of truth, plus derived flat
 * inner-product indexes in faiss's own file format, a manifest, and a commit journal that makes
 * every mutation one atomic multi-file transaction.
 */
export class LocalMemoryStore implements MemoryStore {
  readonly dir: string;
  readonly readOnly: boolean;
  private dirLock?: DirectoryLock;
  private closed = false;
  readonly kind = "local";
  readonly shared = false;
  private manifest: Manifest;
  private embedderState: unknown;
  private entries: MemoryEntry[] = [];
  private lines: string[] = [];
  private rowOf = new Map<string, number>();
  private taskVecs: VectorMatrix;
  private factsVecs: VectorMatrix;
  private valueTexts: string[] = [];
  private valueRow = new Map<string, number>();
  private valueVecs: VectorMatrix;
  private stale: string | undefined;
  private expected: EmbedderInfo;
  private txDepth = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly inTransaction = new AsyncLocalStorage<true>();
  private dirty = false;
  private auxPending = new Map<string, string>();
  private warnedAux = new Set<string>();
  private taskIndex?: SearchIndex;
  private factsIndex?: SearchIndex;
  private readonly warn: (message: string) => void;
  readonly backend: VectorBackend;

  private constructor(dir: string, readOnly: boolean, manifest: Manifest, options: OpenLocalStoreOptions) {
    this.dir = dir;
    this.expected = options.embedder;
    this.backend = resolveBackend(options.vectorBackend);
    this.readOnly = readOnly;
    this.manifest = manifest;
    this.warn = options.onWarning ?? ((m) => process.stderr.write(`memp: warning: ${m}\n`));
    const d = manifest.embedder.dimension;
    this.taskVecs = new VectorMatrix(d);
    this.factsVecs = new VectorMatrix(d);
    this.valueVecs = new VectorMatrix(d);
  }

  static async open(dirPath: string, options: OpenLocalStoreOptions): Promise<LocalMemoryStore> {
    const dir = memoryDirPath(dirPath);
    const readOnly = options.readOnly ?? false;
    const create = !readOnly && options.create !== false;
    if (!checkDirectory(dir, readOnly)) {
      if (!create) throw new InputError(`no memory here (expected ${join(dir, FILES.manifest)}); build one with \`memp memory build\``, { file: dir });
      makeDirectory(dir);
    }
    const lock = readOnly ? undefined : DirectoryLock.acquire(dir);
    try {
      // Recovery first: whether a memory exists is decided by the committed files, not by the
      // leftovers of a first commit that never reached its journal.
      if (!readOnly) recoverTransaction(dir);
      const snapshot = readSnapshot(dir, options.embedder, readOnly);
      if (!snapshot) {
        refuseOrphanedFiles(dir);
        if (readOnly || options.create === false) throw new InputError(`no memory here (expected ${join(dir, FILES.manifest)}); build one with \`memp memory build\``, { file: dir });
        const now = new Date().toISOString();
        const manifest: Manifest = {
          format: STORE_FORMAT,
          schemaVersion: STORE_SCHEMA_VERSION,
          embedder: { id: options.embedder.id, dimension: options.embedder.dimension },
          count: 0,
          generation: 0,
          createdAt: now,
          updatedAt: now,
        };
        const store = new LocalMemoryStore(dir, readOnly, manifest, options);
        store.dirLock = lock;
        store.embedderState = options.embedder.state;
        await store.commit();
        return store;
      }
      const store = new LocalMemoryStore(dir, readOnly, snapshot.manifest, options);
      store.dirLock = lock;
      store.adopt(snapshot);
      if (!readOnly && store.repairAuxTails()) await store.commit();
      return store;
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /** Reads a memory's manifest and embedder state without opening it (undefined when there is none). */
  static peek(dirPath: string): MemorySummary | undefined {
    const dir = memoryDirPath(dirPath);
    const path = committedFile(dir, FILES.manifest);
    if (!path) return undefined;
    const m = readManifest(path);
    return { embedder: { ...m.embedder, state: readEmbedderState(dir, m).state }, count: m.count, generation: m.generation, updatedAt: m.updatedAt };
  }

  get embedder(): EmbedderInfo {
    return { ...this.manifest.embedder, state: this.embedderState };
  }

  get staleReason(): string | undefined {
    return this.stale;
  }

  get location(): string {
    return this.dir;
  }

  async size(): Promise<number> {
    this.assertOpen();
    return this.entries.length;
  }

  add(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
    return this.exclusive(() => this.addNow(entries, vectors));
  }

  update(entry: MemoryEntry, vectors?: EntryVectors): Promise<{ previous: MemoryEntry; current: MemoryEntry }> {
    return this.exclusive(() => this.updateNow(entry, vectors));
  }

  retire(items: Array<{ id: string; reason: string }>): Promise<ArchiveRecord[]> {
    return this.exclusive(() => this.retireNow(items));
  }

  delete(ids: string[]): Promise<number> {
    return this.exclusive(() => this.deleteNow(ids));
  }

  incrementStats(deltas: StatsDelta[]): Promise<void> {
    return this.exclusive(() => this.incrementStatsNow(deltas));
  }

  reindex(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void> {
    return this.exclusive(() => this.reindexNow(embedder, vectors));
  }

  appendLog(log: MemoryLogName, records: object[]): Promise<void> {
    return this.exclusive(() => this.appendLogNow(log, records));
  }

  async get(id: string): Promise<MemoryEntry | undefined> {
    this.assertOpen();
    return this.entryAt(this.rowOf.get(id));
  }

  async getMany(ids: readonly string[]): Promise<MemoryEntry[]> {
    this.assertOpen();
    const out: MemoryEntry[] = [];
    for (const id of new Set(ids)) {
      const entry = this.entryAt(this.rowOf.get(id));
      if (entry) out.push(entry);
    }
    return out;
  }

  async has(id: string): Promise<boolean> {
    this.assertOpen();
    return this.rowOf.has(id);
  }

  async list(): Promise<MemoryEntry[]> {
    this.assertOpen();
    return this.entries.map(shared);
  }

  private async addNow(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
    this.assertWritable();
    if (entries.length !== vectors.length) throw new RangeError(`add: ${entries.length} entries but ${vectors.length} vectors`);
    const seen = new Set<string>();
    for (const e of entries) {
      if (this.rowOf.has(e.id) || seen.has(e.id)) throw new InputError(`an entry with id ${e.id} already exists`, { field: "id" });
      seen.add(e.id);
    }
    this.taskVecs.reserveMore(entries.length);
    this.factsVecs.reserveMore(entries.length);
    for (let i = 0; i < entries.length; i++) this.appendRow(structuredClone(entries[i]!), vectors[i]!);
    await this.commit();
  }

  private async updateNow(entry: MemoryEntry, vectors?: EntryVectors): Promise<{ previous: MemoryEntry; current: MemoryEntry }> {
    this.assertWritable();
    const row = this.rowOf.get(entry.id);
    if (row === undefined) throw new InputError(`no entry with id ${entry.id}`, { field: "id" });
    const previous = this.entries[row]!;
    const current: MemoryEntry = { ...structuredClone(entry), version: (previous.version ?? 1) + 1 };
    this.entries[row] = current;
    this.lines[row] = JSON.stringify(current);
    if (vectors) this.setRowVectors(row, vectors);
    await this.commit();
    return { previous: shared(previous), current: shared(current) };
  }

  private async retireNow(items: Array<{ id: string; reason: string }>): Promise<ArchiveRecord[]> {
    this.assertWritable();
    for (const { id } of items) if (!this.rowOf.has(id)) throw new InputError(`no entry with id ${id}`, { field: "id" });
    const retiredAt = new Date().toISOString();
    const records = uniqueById(items).map(({ id, reason }) => ({ entry: this.entries[this.rowOf.get(id)!]!, reason, retiredAt }));
    if (records.length === 0) return [];
    this.removeRows(new Set(records.map((r) => r.entry.id)));
    this.appendAux(ARCHIVE_FILE, records);
    await this.commit();
    return structuredClone(records);
  }

  async archived(): Promise<ArchiveRecord[]> {
    this.assertOpen();
    const latest = new Map<string, ArchiveRecord>();
    for (const r of this.readAuxRecords(ARCHIVE_FILE, ArchiveRecordSchema)) {
      latest.delete(r.entry.id);
      latest.set(r.entry.id, r);
    }
    return [...latest.values()].filter((r) => !this.rowOf.has(r.entry.id));
  }

  private async deleteNow(ids: string[]): Promise<number> {
    this.assertWritable();
    const drop = new Set(ids.filter((id) => this.rowOf.has(id)));
    if (drop.size === 0) return 0;
    this.removeRows(drop);
    await this.commit();
    return drop.size;
  }

  private async incrementStatsNow(deltas: StatsDelta[]): Promise<void> {
    this.assertWritable();
    for (const d of deltas) if (!this.rowOf.has(d.id)) throw new InputError(`no entry with id ${d.id}`, { field: "id" });
    for (const d of deltas) {
      const row = this.rowOf.get(d.id)!;
      const e = this.entries[row]!;
      const next = { ...e, stats: { hits: e.stats.hits + d.hits, successes: e.stats.successes + d.successes } };
      this.entries[row] = next;
      this.lines[row] = JSON.stringify(next);
    }
    await this.commit();
  }

  /** On a read-only store the new vectors live in memory only, for this session's searches. */
  private async reindexNow(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void> {
    this.assertOpen();
    if (!this.readOnly) this.assertWritable();
    if (vectors.length !== this.entries.length) throw new RangeError(`reindex: ${this.entries.length} entries but ${vectors.length} vectors`);
    this.manifest.embedder = { id: embedder.id, dimension: embedder.dimension };
    this.embedderState = embedder.state;
    this.resetVectors();
    for (let r = 0; r < vectors.length; r++) this.pushRowVectors(vectors[r]!);
    this.stale = undefined;
    if (!this.readOnly) await this.commit();
  }

  async vectorOf(id: string, index: EntryIndexName): Promise<Float32Array | undefined> {
    this.assertOpen();
    this.assertFresh();
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : (index === "task" ? this.taskVecs : this.factsVecs).row(row).slice();
  }

  async search(index: VectorIndexName, query: Float32Array, k: number): Promise<ScoredId[]> {
    this.assertOpen();
    this.assertFresh();
    if (!(k > 0)) return [];
    const q = unitVector(query);
    if (index === "factValues") {
      // Values of entries removed inside an unfinished transaction are dropped here, not at commit.
      this.pruneValues();
      const n = this.valueTexts.length;
      const hits = exactTopK(this.valueVecs, q, Math.min(k, n));
      return hits.map((h) => ({ id: this.valueTexts[h.row]!, score: h.score }));
    }
    if (this.entries.length === 0) return [];
    const size = Math.min(k, this.entries.length);
    const built = index === "task" ? (this.taskIndex ??= this.buildIndex(this.taskVecs)) : (this.factsIndex ??= this.buildIndex(this.factsVecs));
    return built.search(q, size).map((h) => ({ id: this.entries[h.row]!.id, score: h.score }));
  }

  private async appendLogNow(log: MemoryLogName, records: object[]): Promise<void> {
    this.assertWritable();
    if (records.length === 0) return;
    this.appendAux(LOG_FILES[log], records);
    await this.commit();
  }

  async readLog(log: MemoryLogName): Promise<unknown[]> {
    this.assertOpen();
    const file = LOG_FILES[log];
    return parseJsonl(this.readAux(file), join(this.dir, file), "store").map((r) => r.value);
  }

  /**
   * Runs `fn` as one transaction: every mutation inside it (and every log record appended) lands
   * in a single atomic commit at the end; if `fn` throws, the in-memory state is reloaded from
   * disk and nothing is written. One writer holds the directory, so `fn` runs once. Calls from
   * inside `fn` join it; other writes of this process wait until it ends.
   */
  async transaction<T>(fn: (tx: MemoryStore) => Promise<T>): Promise<T> {
    this.assertWritable();
    if (this.inTransaction.getStore()) return fn(this);
    return this.exclusive(() =>
      this.inTransaction.run(true, async () => {
        this.txDepth++;
        let result: T;
        try {
          result = await fn(this);
        } catch (err) {
          this.txDepth--;
          this.rollback();
          throw err;
        }
        this.txDepth--;
        if (this.dirty) await this.commit();
        return result;
      }),
    );
  }


  /** The directory lock already keeps every other writer out. */
  async lock(_ids: readonly string[]): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.dirLock?.release();
    this.dirLock = undefined;
    this.closed = true;
  }

  /** An auxiliary file of the memory (archive, history, update log), as last written. */
  readAux(name: AuxFile): string {
    const pending = this.auxPending.get(name);
    if (pending !== undefined) return pending;
    const path = committedFile(this.dir, name);
    return this.withoutTornTail(name, path ? readText(path) : "");
  }
  // ---- internals -------------------------------------------------------------------------

  private adopt(snap: Snapshot): void {
    this.manifest = snap.manifest;
    this.embedderState = snap.embedderState;
    this.entries = snap.entries;
    this.lines = snap.lines;
    this.rowOf = new Map(snap.entries.map((e, r) => [e.id, r]));
    if (snap.vectors.stale !== undefined) {
      this.stale = snap.vectors.stale;
      this.resetVectors();
      return;
    }
    this.stale = undefined;
    const v = snap.vectors;
    this.taskVecs = v.task;
    this.factsVecs = v.facts;
    this.valueVecs = v.values;
    this.valueTexts = v.texts;
    this.valueRow = new Map(v.texts.map((t, i) => [t, i]));
    this.invalidateIndexes();
  }

  /**
   * A torn last line in an auxiliary file is what a crash in the middle of an append leaves. A
   * writer moves it to quarantine (and says so) and commits the file without it with its next
   * commit, so no record is ever glued to it; a reader leaves it out and says so once.
   */
  private withoutTornTail(name: string, text: string): string {
    const { body, torn } = splitTornTail(text);
    if (body === text) return text;
    const path = join(this.dir, name);
    const bytes = torn === undefined ? 0 : Buffer.byteLength(torn);
    if (this.readOnly) {
      if (torn !== undefined && !this.warnedAux.has(name)) {
        this.warnedAux.add(name);
        this.warn(`${path}: ignoring a torn last line (${bytes} bytes, the mark of an interrupted write); ${doctorHint(this.dir)}`);
      }
      return body;
    }
    this.auxPending.set(name, body);
    if (torn !== undefined) {
      const saved = new Quarantine(this.dir).save(`${name}.torn-line`, torn);
      this.warn(`${path}: its last line was torn (${bytes} bytes, the mark of an interrupted write); moved it to ${saved}`);
    }
    return body;
  }

  /** Repairs the auxiliary files' tails when a writer opens; returns whether one changed (the caller commits). */
  private repairAuxTails(): boolean {
    for (const name of AUX_FILES) this.readAux(name);
    return this.auxPending.size > 0;
  }

  private appendRow(entry: MemoryEntry, vectors: EntryVectors): void {
    this.rowOf.set(entry.id, this.entries.length);
    this.entries.push(entry);
    this.lines.push(JSON.stringify(entry));
    this.pushRowVectors(vectors);
  }

  private pushRowVectors(v: EntryVectors): void {
    this.taskVecs.push(unitVector(v.task));
    this.factsVecs.push(unitVector(v.facts));
    this.addValueVectors(v);
    this.invalidateIndexes();
  }

  private setRowVectors(row: number, v: EntryVectors): void {
    this.taskVecs.set(row, unitVector(v.task));
    this.factsVecs.set(row, unitVector(v.facts));
    this.addValueVectors(v);
    this.invalidateIndexes();
  }

  private addValueVectors(v: EntryVectors): void {
    for (const [text, raw] of v.factValues) {
      const vec = unitVector(raw);
      const row = this.valueRow.get(text);
      if (row === undefined) this.valueRow.set(text, this.valueVecs.push(vec));
      else this.valueVecs.set(row, vec);
      if (row === undefined) this.valueTexts.push(text);
    }
  }

  private resetVectors(): void {
    const d = this.manifest.embedder.dimension;
    this.taskVecs = new VectorMatrix(d, this.entries.length);
    this.factsVecs = new VectorMatrix(d, this.entries.length);
    this.valueVecs = new VectorMatrix(d);
    this.valueTexts = [];
    this.valueRow = new Map();
    this.invalidateIndexes();
  }

  private reindexRows(): void {
    this.rowOf = new Map(this.entries.map((e, r) => [e.id, r]));
    this.invalidateIndexes();
  }

  private invalidateIndexes(): void {
    this.taskIndex = undefined;
    this.factsIndex = undefined;
  }

  private buildIndex(m: VectorMatrix): SearchIndex {
    if (this.backend === "faiss") {
      const faiss = loadFaiss();
      if (faiss) return faissIndex(faiss.IndexFlatIP.fromBuffer(encodeFlatIP(m)));
    }
    if (this.backend !== "exact") {
      const scanner = SimdScanner.create(m.view, m.dimension);
      if (scanner) return simdIndex(scanner);
    }
    return exactIndex(m);
  }

  /** Drops fact values no entry refers to any more, so the value index does not grow forever. */
  private pruneValues(): void {
    const used = new Set<string>();
    for (const e of this.entries) for (const v of Object.values(e.facts ?? {})) used.add(v);
    if (used.size === this.valueTexts.length) return;
    const keep = (i: number) => used.has(this.valueTexts[i]!);
    this.valueVecs.compact(keep);
    this.valueTexts = this.valueTexts.filter((_, i) => keep(i));
    this.valueRow = new Map(this.valueTexts.map((t, i) => [t, i]));
  }

  private rollback(): void {
    this.dirty = false;
    this.auxPending.clear();
    const snap = readSnapshot(this.dir, this.expected, this.readOnly);
    if (!snap) throw new CorruptFileError(join(this.dir, FILES.manifest), `missing; ${doctorHint(this.dir)}`);
    this.adopt(snap);
  }

  private auxWrites(): FileWrite[] {
    const writes = [...this.auxPending].map(([name, data]) => ({ name, data }));
    this.auxPending.clear();
    return writes;
  }

  private async commit(): Promise<void> {
    if (this.txDepth > 0) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    // Someone may have removed the lock by hand and let another writer in: never overwrite its work.
    this.dirLock?.assertHeld();
    if (this.stale) {
      // Entries can change while vectors are stale (e.g. stats); the indexes wait for reindex(), and
      // the manifest keeps describing the old index files, which therefore stay stale.
      this.writeFiles([{ name: FILES.entries, data: this.entriesText() }, ...this.auxWrites()], this.manifest.derived, []);
      return;
    }
    this.pruneValues();
    const derived: FileWrite[] = [
      { name: FILES.taskIndex, data: encodeFlatIP(this.taskVecs) },
      { name: FILES.factsIndex, data: encodeFlatIP(this.factsVecs.filtered((r) => hasFacts(this.entries[r]!))) },
      { name: FILES.factValueIndex, data: encodeFlatIP(this.valueVecs) },
      { name: FILES.factValueTexts, data: JSON.stringify(this.valueTexts) },
      ...(this.embedderState === undefined ? [] : [{ name: FILES.embedderState, data: JSON.stringify(this.embedderState) }]),
    ];
    const sums = Object.fromEntries(derived.map((w) => [w.name, fileSum(w.data)]));
    // A state file left from an earlier embedder would be read back as this one's.
    const deletes = this.embedderState === undefined && existsSync(join(this.dir, FILES.embedderState)) ? [FILES.embedderState] : [];
    this.writeFiles([{ name: FILES.entries, data: this.entriesText() }, ...derived, ...this.auxWrites()], { keys: keysDigest(this.entries), files: sums }, deletes);
  }

  private writeFiles(writes: FileWrite[], derived: Manifest["derived"], deletes: string[]): void {
    const next: Manifest = { ...this.manifest, count: this.entries.length, generation: this.manifest.generation + 1, updatedAt: new Date().toISOString(), derived };
    if (!derived) delete next.derived;
    this.manifest = next;
    commitFiles(this.dir, [...writes, { name: FILES.manifest, data: JSON.stringify(this.manifest, null, 2) + "\n" }], deletes);
  }

  private entriesText(): string {
    return this.lines.length === 0 ? "" : this.lines.join("\n") + "\n";
  }

  /**
   * Runs a write after the transaction or write before it, so that concurrent callers in this
   * process neither join each other's transaction nor see it rolled back under them. A write
   * made from inside a transaction is part of it and runs at once.
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) return fn();
    const run = this.writes.then(fn);
    this.writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError(this.dir);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new ReadOnlyError(this.dir);
    if (!this.dirLock) throw new ClosedError(this.dir);
  }

  private entryAt(row: number | undefined): MemoryEntry | undefined {
    return row === undefined ? undefined : shared(this.entries[row]!);
  }

  private removeRows(drop: Set<string>): void {
    const keep = (r: number) => !drop.has(this.entries[r]!.id);
    this.taskVecs.compact(keep);
    this.factsVecs.compact(keep);
    const kept = this.entries.map((_, r) => r).filter(keep);
    this.entries = kept.map((r) => this.entries[r]!);
    this.lines = kept.map((r) => this.lines[r]!);
    this.reindexRows();
  }

  /** Appends records to an auxiliary file in the next commit. */
  private appendAux(name: AuxFile, records: unknown[]): void {
    const text = this.readAux(name);
    this.auxPending.set(name, text + toJsonl(records));
  }

  private readAuxRecords<T>(name: AuxFile, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T[] {
    const path = join(this.dir, name);
    return validateRecords(parseJsonl(this.readAux(name), path, "store"), schema, { file: path, kind: "store" });
  }

  private assertFresh(): void {
    if (this.stale) throw new InputError(`the vector index is stale (${this.stale}); reindex before searching`, { file: this.dir });
  }
}

/** How to recover, appended to every refusal caused by a damaged memory. */
export function doctorHint(dir: string): string {
  return `run \`memp memory doctor --memory-dir ${dir}\` to see every problem, and add --repair to rebuild what can be rebuilt (it keeps what it replaces in ${join(dir, QUARANTINE_DIR)}/)`;
}

/** The memory directory as an absolute path. An empty path is refused: it would silently mean the current directory. */
export function memoryDirPath(dirPath: string): string {
  if (typeof dirPath !== "string" || dirPath.trim() === "") {
    throw new InputError(`expected a memory directory, got an empty path (${JSON.stringify(dirPath)}); pass one such as --memory-dir ./mem`);
  }
  return resolve(dirPath);
}

/** Whether the directory exists, as something this process can use; one-line errors otherwise. */
function checkDirectory(dir: string, readOnly: boolean): boolean {
  const expected = readOnly ? "a readable memory directory" : "a memory directory memp can write to";
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw dirError(dir, err, expected);
    let link: string | undefined;
    try {
      if (lstatSync(dir).isSymbolicLink()) link = readlinkSync(dir);
    } catch {
      // nothing there at all
    }
    if (link !== undefined) throw new InputError(`is a symbolic link to ${link}, which does not exist; expected ${expected}`, { file: dir });
    return false;
  }
  if (!isDir) throw new InputError(`is a file; expected ${expected}`, { file: dir });
  try {
    accessSync(dir, readOnly ? constants.R_OK | constants.X_OK : constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw dirError(dir, err, expected);
  }
  return true;
}

function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw dirError(dir, err, "a memory directory memp can create");
  }
}

function dirError(dir: string, err: unknown, expected: string): InputError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === "ENOTDIR"
      ? "a parent of this path is a file, not a directory"
      : e.code === "EACCES" || e.code === "EPERM"
        ? "permission denied"
        : e.code === "ELOOP"
          ? "too many levels of symbolic links"
          : e.code === "EROFS"
            ? "the filesystem is read-only"
            : e.code === "EEXIST"
              ? "a file or dangling symbolic link is in the way"
              : `${e.code ?? "error"}: ${e.message}`;
  return new InputError(`${why}; expected ${expected}`, { file: dir, cause: err });
}

/**
 * Files of a memory without its manifest: the manifest was lost, not the memory. Starting a new
 * memory here would overwrite the entries, so this is refused, with the way to rebuild it.
 */
function refuseOrphanedFiles(dir: string): void {
  const present = [FILES.entries, ...AUX_FILES, ...DERIVED_FILES].filter((n) => existsSync(join(dir, n)));
  if (present.length === 0) return;
  const entriesPath = join(dir, FILES.entries);
  const n = existsSync(entriesPath) ? countLines(readText(entriesPath)) : 0;
  throw new CorruptFileError(
    join(dir, FILES.manifest),
    `missing, but the directory holds ${present.join(", ")}${existsSync(entriesPath) ? ` (${n} ${n === 1 ? "entry" : "entries"})` : ""}: ` +
      `a memory whose manifest was lost. Refusing to start a new memory over it; rebuild the manifest from the entries with ` +
      `\`memp memory doctor --memory-dir ${dir} --repair\``,
  );
}

type DerivedVectors =
  | { stale: string }
  | { stale?: undefined; task: VectorMatrix; facts: VectorMatrix; values: VectorMatrix; texts: string[] };

interface Snapshot {
  manifest: Manifest;
  embedderState: unknown;
  entries: MemoryEntry[];
  lines: string[];
  vectors: DerivedVectors;
}

/**
 * One committed state of the memory, or undefined when it has no manifest. A writer holds the
 * lock, so what it reads is consistent; a reader may read across a commit, so it reads again
 * while the manifest changes under it (and only then blames the files).
 */
function readSnapshot(dir: string, expected: EmbedderInfo, readOnly: boolean): Snapshot | undefined {
  for (let attempt = 0; ; attempt++) {
    const before = readOnly ? commitStamp(dir) : "";
    try {
      const snap = readSnapshotOnce(dir, expected);
      if (!readOnly || attempt >= 4 || commitStamp(dir) === before) return snap;
    } catch (err) {
      if (!readOnly || attempt >= 4 || commitStamp(dir) === before) throw err;
    }
  }
}

function commitStamp(dir: string): string {
  try {
    const p = committedFile(dir, FILES.manifest);
    return p ? readFileSync(p, "utf8") : "";
  } catch {
    return "?";
  }
}

function readSnapshotOnce(dir: string, expected: EmbedderInfo): Snapshot | undefined {
  const manifestPath = committedFile(dir, FILES.manifest);
  if (!manifestPath) return undefined;
  const manifest = readManifest(manifestPath);
  const { entries, lines } = readEntries(dir, manifest);
  const { state, problem } = readEmbedderState(dir, manifest);
  return { manifest, embedderState: state, entries, lines, vectors: loadDerived(dir, manifest, entries, expected, problem) };
}

/** Parses entries.jsonl; anything that does not add up with the manifest is refused. */
export function readEntries(dir: string, manifest: Manifest | undefined): { entries: MemoryEntry[]; lines: string[] } {
  const file = join(dir, FILES.entries);
  const path = committedFile(dir, FILES.entries);
  const exists = path !== undefined;
  const text = path ? readText(path) : "";
  const entries: MemoryEntry[] = [];
  const lines: string[] = [];
  try {
    const rawLines = text.split("\n");
    const records = parseJsonl(text, file, "store");
    for (const rec of records) {
      const version = (rec.value as { schemaVersion?: unknown })?.schemaVersion;
      if (typeof version === "number" && version > ENTRY_SCHEMA_VERSION) {
        throw new CorruptFileError(file, `entry schema version ${version} is newer than this memp supports (${ENTRY_SCHEMA_VERSION}); upgrade memp`, rec.line);
      }
    }
    const valid = validateRecords(records, MemoryEntrySchema, { file, kind: "store", label: "invalid entry" });
    const seen = new Set<string>();
    valid.forEach((entry, i) => {
      const line = records[i]!.line;
      if (seen.has(entry.id)) throw new CorruptFileError(file, `duplicate entry id ${entry.id}`, line);
      seen.add(entry.id);
      entries.push(entry);
      // The line as written keeps fields a newer memp may have added.
      lines.push(rawLines[line - 1]!.trim());
    });
  } catch (err) {
    if (CorruptFileError.isInstance(err) && !/upgrade memp$/.test(err.message)) throw withHint(err, dir);
    throw err;
  }
  if (manifest && entries.length !== manifest.count) {
    throw new CorruptFileError(
      file,
      `${exists ? `holds ${entries.length} ${entries.length === 1 ? "entry" : "entries"}` : "is missing"}, but ${FILES.manifest} records ${manifest.count} ` +
        `(generation ${manifest.generation}): entries were lost or changed outside memp. Refusing to use the memory, so that the loss ` +
        `does not become permanent: restore ${FILES.entries} from a backup, or accept the ${entries.length} that are left with ` +
        `\`memp memory doctor --memory-dir ${dir} --repair\` (it keeps what it replaces in ${join(dir, QUARANTINE_DIR)}/)`,
    );
  }
  return { entries, lines };
}

function withHint(err: CorruptFileError, dir: string): CorruptFileError {
  const prefix = `${err.file}${err.line === undefined ? "" : `:${err.line}`}: `;
  const detail = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return new CorruptFileError(err.file, `${detail}; ${doctorHint(dir)}`, err.line, err.cause);
}

/**
 * Loads the derived indexes, verified against the manifest's checksums and the entries they were
 * built for; returns why they cannot be used instead (then they are rebuilt from the entries).
 */
export function loadDerived(dir: string, m: Manifest, entries: MemoryEntry[], expected: EmbedderInfo, stateProblem?: string): DerivedVectors {
  if (m.embedder.id !== expected.id || m.embedder.dimension !== expected.dimension) {
    return { stale: `the memory was indexed with embedder ${m.embedder.id} (${m.embedder.dimension}-d), not ${expected.id} (${expected.dimension}-d)` };
  }
  if (stateProblem) return { stale: stateProblem };
  if (m.derived && m.derived.keys !== keysDigest(entries)) return { stale: `the indexes were built for other entries (${FILES.entries} changed since)` };
  const names = [FILES.taskIndex, FILES.factsIndex, FILES.factValueIndex, FILES.factValueTexts];
  const bytes = new Map<string, Buffer>();
  for (const name of names) {
    const path = committedFile(dir, name);
    if (!path) return { stale: "an index file is missing" };
    let buf: Buffer;
    try {
      buf = name === FILES.factValueTexts ? readFileSync(path) : readIndexBytes(path);
    } catch (err) {
      return { stale: `${name} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
    if (m.derived && !sumMatches(buf, m.derived.files[name])) return { stale: `${name} does not match its checksum in ${FILES.manifest} (damaged)` };
    bytes.set(name, buf);
  }
  let task: VectorMatrix, factRows: VectorMatrix, values: VectorMatrix;
  try {
    task = decodeFlatIP(bytes.get(FILES.taskIndex)!, join(dir, FILES.taskIndex));
    factRows = decodeFlatIP(bytes.get(FILES.factsIndex)!, join(dir, FILES.factsIndex));
    values = decodeFlatIP(bytes.get(FILES.factValueIndex)!, join(dir, FILES.factValueIndex));
  } catch (err) {
    if (CorruptFileError.isInstance(err)) return { stale: err.message };
    throw err;
  }
  let texts: unknown;
  try {
    texts = JSON.parse(bytes.get(FILES.factValueTexts)!.toString("utf8"));
  } catch (err) {
    return { stale: `${FILES.factValueTexts} is not valid JSON (${(err as Error).message})` };
  }
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) return { stale: `${FILES.factValueTexts} is not a JSON array of strings` };
  const d = m.embedder.dimension;
  if (task.dimension !== d || factRows.dimension !== d || values.dimension !== d) return { stale: "an index has the wrong dimension" };
  if (task.size !== entries.length) return { stale: "the task index does not have one row per entry" };
  if (factRows.size !== entries.filter(hasFacts).length) return { stale: "the facts index does not have one row per entry with facts" };
  // On disk the facts index holds only entries with facts; the others are keyed by their task.
  let next = 0;
  const facts = new VectorMatrix(d, entries.length);
  for (let r = 0; r < entries.length; r++) facts.push(hasFacts(entries[r]!) ? factRows.row(next++) : task.row(r));
  if (values.size !== texts.length) return { stale: "the fact-value index does not match its texts" };
  const known = new Set(texts as string[]);
  for (const e of entries) {
    for (const v of Object.values(e.facts ?? {})) if (!known.has(v)) return { stale: `no vector for the fact value "${v}"` };
  }
  return { task, facts, values, texts: texts as string[] };
}

/** What the indexes depend on: each entry's id, task and facts, in row order. */
export function keysDigest(entries: MemoryEntry[]): string {
  const text = entries.map((e) => JSON.stringify([e.id, e.task, e.facts])).join("\n");
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** Size and CRC-32 of a file's bytes: cheap enough to check on every open, and catches bit flips. */
export function fileSum(data: string | Uint8Array): { bytes: number; crc32: string } {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return { bytes: buf.length, crc32: crc32(buf).toString(16).padStart(8, "0") };
}

function sumMatches(buf: Uint8Array, sum: { bytes: number; crc32: string } | undefined): boolean {
  if (!sum) return false;
  const actual = fileSum(buf);
  return actual.bytes === sum.bytes && actual.crc32 === sum.crc32;
}

/**
 * Splits off a torn last line: text that does not end in a newline and whose last line is not
 * JSON (a record cut short; a prefix of a JSON object is never valid JSON). A complete last line
 * that only lacks its newline gets one.
 */
export function splitTornTail(text: string): { body: string; torn?: string } {
  if (text === "" || text.endsWith("\n")) return { body: text };
  const cut = text.lastIndexOf("\n") + 1;
  const last = text.slice(cut);
  if (last.trim() === "") return { body: text.slice(0, cut) };
  try {
    JSON.parse(last);
    return { body: text + "\n" };
  } catch {
    return { body: text.slice(0, cut), torn: last };
  }
}

export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new CorruptFileError(path, "is a directory; expected a file of the memory");
    if (code === "EACCES" || code === "EPERM") throw new InputError("permission denied; expected a readable file", { file: path, cause: err });
    throw err;
  }
}

function countLines(text: string): number {
  let n = 0;
  for (const line of text.split("\n")) if (line.trim() !== "") n++;
  return n;
}

/**
 * An entry as reads hand it out: frozen, deeply, on its first read, so that callers share the
 * store's object (no copy per read: a 100,000-entry `list()` stays cheap) and none can change it.
 */
function shared(entry: MemoryEntry): MemoryEntry {
  return Object.isFrozen(entry) ? entry : deepFreeze(entry);
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

/** The first of each id, in order: retiring one entry twice in a call archives it once. */
function uniqueById<T extends { id: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.id) && seen.add(i.id));
}

function hasFacts(e: MemoryEntry): boolean {
  return e.facts !== null && Object.keys(e.facts).length > 0;
}

function resolveBackend(requested: VectorBackend | undefined): VectorBackend {
  const value = requested ?? env("MEMP_VECTOR_BACKEND") ?? "simd";
  if (value !== "simd" && value !== "faiss" && value !== "exact") {
    throw new ConfigError(`MEMP_VECTOR_BACKEND must be simd, faiss or exact; got "${value}"`);
  }
  return value;
}

/**
 * The embedder state (a derived file), or why it cannot be trusted: then it is left out and the
 * vectors that depend on it are rebuilt, instead of the memory refusing to open.
 */
export function readEmbedderState(dir: string, m: Manifest | undefined): { state: unknown; problem?: string } {
  const path = committedFile(dir, FILES.embedderState);
  if (!path) return { state: undefined };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { state: undefined, problem: `${FILES.embedderState} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  if (m?.derived && !sumMatches(bytes, m.derived.files[FILES.embedderState])) {
    return { state: undefined, problem: `${FILES.embedderState} does not match its checksum in ${FILES.manifest} (damaged)` };
  }
  try {
    return { state: JSON.parse(bytes.toString("utf8")) };
  } catch (err) {
    return { state: undefined, problem: `${FILES.embedderState} is not valid JSON (${(err as Error).message})` };
  }
}

export function readManifest(path: string): Manifest {
  const dir = dirname(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readText(path));
  } catch (err) {
    if (MempError.isInstance(err)) throw err;
    throw new CorruptFileError(path, `invalid JSON: ${(err as Error).message}; ${doctorHint(dir)}`, undefined, err);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new CorruptFileError(path, `invalid manifest: ${issueText(parsed.error.issues[0]!)}; ${doctorHint(dir)}`);
  if (parsed.data.schemaVersion > STORE_SCHEMA_VERSION) {
    throw new CorruptFileError(path, `memory schema version ${parsed.data.schemaVersion} is newer than this memp supports (${STORE_SCHEMA_VERSION}); upgrade memp`);
  }
  return parsed.data;
}
