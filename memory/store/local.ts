import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { env } from "../../src/config.js";
import { ConfigError, CorruptFileError, InputError } from "../../src/errors.js";
import { parseJsonl } from "../../src/util/jsonl.js";
import { issueText, validateRecords } from "../../src/util/validate.js";
import { ENTRY_SCHEMA_VERSION, MemoryEntrySchema, type MemoryEntry } from "../types.js";
import { loadFaiss } from "./faiss.js";
import { DirectoryLock } from "./lock.js";
import { exactIndex, faissIndex, simdIndex, TopK, type SearchIndex, type VectorBackend } from "./search.js";
import { SimdScanner } from "./simd.js";
import { commitFiles, committedPath, recoverTransaction, type FileWrite } from "./transaction.js";
import type { EmbedderInfo, EntryVectors, MemoryStore, ScoredId, StatsDelta, VectorSpace } from "./types.js";
import { encodeFlatIP, readFlatIPFile, VectorMatrix } from "./vectors.js";

export const STORE_FORMAT = "memp-memory";
export const STORE_SCHEMA_VERSION = 1;

const FILES = {
  manifest: "manifest.json",
  entries: "entries.jsonl",
  taskIndex: "index.faiss",
  factsIndex: "facts.faiss",
  factValueIndex: "fact-values.faiss",
  factValueTexts: "fact-values.json",
  embedderState: "embedder-state.json",
} as const;

const ManifestSchema = z.object({
  format: z.literal(STORE_FORMAT),
  schemaVersion: z.number().int(),
  embedder: z.object({ id: z.string(), dimension: z.number().int().positive() }),
  count: z.number().int().nonnegative(),
  generation: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type Manifest = z.infer<typeof ManifestSchema>;

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
   * How searches run: "simd" (default; an exact WebAssembly SIMD scan), "faiss" (faiss-node over
   * the same index files; falls back to the exact scan, loudly, when the addon cannot load) or
   * "exact" (plain JS). Default: MEMP_VECTOR_BACKEND, else "simd".
   */
  vectorBackend?: VectorBackend;
}

/**
 * The local backend: a directory whose entries.jsonl is the source of truth, plus derived flat
 * inner-product indexes in faiss's own file format, a manifest, and a commit journal that makes
 * every mutation one atomic multi-file transaction.
 */
export class LocalMemoryStore implements MemoryStore {
  readonly dir: string;
  readonly readOnly: boolean;
  private lock?: DirectoryLock;
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
  private dirty = false;
  private auxPending = new Map<string, string>();
  private taskIndex?: SearchIndex;
  private factsIndex?: SearchIndex;
  readonly backend: VectorBackend;

  private constructor(dir: string, readOnly: boolean, manifest: Manifest, backend: VectorBackend | undefined, expected: EmbedderInfo) {
    this.dir = dir;
    this.expected = expected;
    this.backend = resolveBackend(backend);
    this.readOnly = readOnly;
    this.manifest = manifest;
    const d = manifest.embedder.dimension;
    this.taskVecs = new VectorMatrix(d);
    this.factsVecs = new VectorMatrix(d);
    this.valueVecs = new VectorMatrix(d);
  }

  static async open(dirPath: string, options: OpenLocalStoreOptions): Promise<LocalMemoryStore> {
    const dir = resolve(dirPath);
    const readOnly = options.readOnly ?? false;
    const manifestPath = join(dir, FILES.manifest);
    const exists = existsSync(manifestPath) || existsSync(join(dir, FILES.manifest + ".pending"));
    if (!exists) {
      if (readOnly || options.create === false) throw new InputError(`no memory here (expected ${manifestPath}); build one with \`memp memory build\``, { file: dir });
      if (existsSync(dir) && !statSync(dir).isDirectory()) throw new InputError("expected a directory", { file: dir });
      mkdirSync(dir, { recursive: true });
    }
    const lock = readOnly ? undefined : DirectoryLock.acquire(dir);
    try {
      if (!readOnly) recoverTransaction(dir);
      const now = new Date().toISOString();
      const manifest = exists
        ? readManifest(committedPath(dir, FILES.manifest))
        : { format: STORE_FORMAT, schemaVersion: STORE_SCHEMA_VERSION, embedder: options.embedder, count: 0, generation: 0, createdAt: now, updatedAt: now } satisfies Manifest;
      const store = new LocalMemoryStore(dir, readOnly, manifest, options.vectorBackend, options.embedder);
      store.lock = lock;
      if (exists) {
        store.embedderState = readEmbedderState(dir);
        store.load(options.embedder);
      } else {
        store.manifest.embedder = { id: options.embedder.id, dimension: options.embedder.dimension };
        store.embedderState = options.embedder.state;
      }
      if (!exists) await store.commit();
      return store;
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /** Reads a memory's manifest and embedder state without opening it (undefined when there is none). */
  static peek(dirPath: string): MemorySummary | undefined {
    const dir = resolve(dirPath);
    const path = committedPath(dir, FILES.manifest);
    if (!existsSync(path)) return undefined;
    const m = readManifest(path);
    return { embedder: { ...m.embedder, state: readEmbedderState(dir) }, count: m.count, generation: m.generation, updatedAt: m.updatedAt };
  }

  get embedder(): EmbedderInfo {
    return { ...this.manifest.embedder, state: this.embedderState };
  }

  get staleReason(): string | undefined {
    return this.stale;
  }

  size(): number {
    return this.entries.length;
  }

  get(id: string): MemoryEntry | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : this.entries[row];
  }

  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  list(): MemoryEntry[] {
    return [...this.entries];
  }

  async add(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
    this.assertWritable();
    if (entries.length !== vectors.length) throw new RangeError(`add: ${entries.length} entries but ${vectors.length} vectors`);
    const seen = new Set<string>();
    for (const e of entries) {
      if (this.rowOf.has(e.id) || seen.has(e.id)) throw new InputError(`an entry with id ${e.id} already exists`, { field: "id" });
      seen.add(e.id);
    }
    this.taskVecs.reserveMore(entries.length);
    this.factsVecs.reserveMore(entries.length);
    for (let i = 0; i < entries.length; i++) this.appendRow(entries[i]!, vectors[i]!);
    await this.commit();
  }

  async update(entry: MemoryEntry, vectors?: EntryVectors): Promise<void> {
    this.assertWritable();
    const row = this.rowOf.get(entry.id);
    if (row === undefined) throw new InputError(`no entry with id ${entry.id}`, { field: "id" });
    this.entries[row] = entry;
    this.lines[row] = JSON.stringify(entry);
    if (vectors) this.setRowVectors(row, vectors);
    await this.commit();
  }

  async delete(ids: string[]): Promise<number> {
    this.assertWritable();
    const drop = new Set(ids.filter((id) => this.rowOf.has(id)));
    if (drop.size === 0) return 0;
    const keep = (r: number) => !drop.has(this.entries[r]!.id);
    this.taskVecs.compact(keep);
    this.factsVecs.compact(keep);
    const kept = this.entries.map((_, r) => r).filter(keep);
    this.entries = kept.map((r) => this.entries[r]!);
    this.lines = kept.map((r) => this.lines[r]!);
    this.reindexRows();
    await this.commit();
    return drop.size;
  }

  async incrementStats(deltas: StatsDelta[]): Promise<void> {
    this.assertWritable();
    for (const d of deltas) {
      const row = this.rowOf.get(d.id);
      if (row === undefined) throw new InputError(`no entry with id ${d.id}`, { field: "id" });
      const e = this.entries[row]!;
      const next = { ...e, stats: { hits: e.stats.hits + d.hits, successes: e.stats.successes + d.successes } };
      this.entries[row] = next;
      this.lines[row] = JSON.stringify(next);
    }
    await this.commit();
  }

  /** On a read-only store the new vectors live in memory only, for this session's searches. */
  async reindex(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void> {
    if (!this.readOnly) this.assertWritable();
    if (vectors.length !== this.entries.length) throw new RangeError(`reindex: ${this.entries.length} entries but ${vectors.length} vectors`);
    this.manifest.embedder = { id: embedder.id, dimension: embedder.dimension };
    this.embedderState = embedder.state;
    this.resetVectors();
    for (let r = 0; r < vectors.length; r++) this.pushRowVectors(vectors[r]!);
    this.stale = undefined;
    if (!this.readOnly) await this.commit();
  }

  vectorOf(id: string, space: VectorSpace): Float32Array | undefined {
    this.assertFresh();
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : (space === "task" ? this.taskVecs : this.factsVecs).row(row).slice();
  }

  searchVector(space: VectorSpace, query: Float32Array, k: number): ScoredId[] {
    this.assertFresh();
    if (k <= 0 || this.entries.length === 0) return [];
    const index = space === "task" ? (this.taskIndex ??= this.buildIndex(this.taskVecs)) : (this.factsIndex ??= this.buildIndex(this.factsVecs));
    return index.search(query, k).map((h) => ({ id: this.entries[h.row]!.id, score: h.score }));
  }

  searchFactValues(query: Map<string, Float32Array>, k: number): ScoredId[] {
    this.assertFresh();
    if (k <= 0 || query.size === 0) return [];
    const n = this.entries.length;
    const sums = new Float64Array(n);
    const counts = new Uint16Array(n);
    const d = this.valueVecs.dimension;
    const values = this.valueVecs.view;
    // A value's similarity to a query fact is computed once and shared by every entry holding it.
    for (const [key, q] of query) {
      const memo = new Map<number, number>();
      for (let r = 0; r < n; r++) {
        const text = this.entries[r]!.facts?.[key];
        if (text === undefined) continue;
        const vr = this.valueRow.get(text)!;
        let s = memo.get(vr);
        if (s === undefined) {
          s = 0;
          const o = vr * d;
          for (let j = 0; j < d; j++) s += values[o + j]! * q[j]!;
          memo.set(vr, s);
        }
        sums[r]! += s;
        counts[r]!++;
      }
    }
    const top = new TopK(k);
    for (let r = 0; r < n; r++) if (counts[r]! > 0) top.offer(r, sums[r]! / counts[r]!);
    return top.sorted().map((h) => ({ id: this.entries[h.row]!.id, score: h.score }));
  }

  /**
   * Runs `fn` as one transaction: every mutation inside it (and every auxiliary file written)
   * lands in a single atomic commit at the end; if `fn` throws, the in-memory state is reloaded
   * from disk and nothing is written.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.assertWritable();
    this.txDepth++;
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      this.txDepth--;
      if (this.txDepth === 0) this.rollback();
      throw err;
    }
    this.txDepth--;
    if (this.txDepth === 0 && this.dirty) await this.commit();
    return result;
  }

  /** An auxiliary file of the memory (archive, history, logs), as last written. */
  readAux(name: string): string {
    assertAuxName(name);
    const pending = this.auxPending.get(name);
    if (pending !== undefined) return pending;
    const path = committedPath(this.dir, name);
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  }

  /** Replaces an auxiliary file in the next commit (immediately, outside a transaction). */
  async writeAux(name: string, text: string): Promise<void> {
    this.assertWritable();
    assertAuxName(name);
    this.auxPending.set(name, text);
    await this.commit();
  }

  async close(): Promise<void> {
    this.lock?.release();
    this.lock = undefined;
  }

  // ---- internals -------------------------------------------------------------------------

  private load(expected: EmbedderInfo): void {
    const entriesPath = committedPath(this.dir, FILES.entries);
    const text = existsSync(entriesPath) ? readFileSync(entriesPath, "utf8") : "";
    const file = join(this.dir, FILES.entries);
    const rawLines = text.split("\n");
    const records = parseJsonl(text, file, "store");
    for (const rec of records) {
      const version = (rec.value as { schemaVersion?: unknown })?.schemaVersion;
      if (typeof version === "number" && version > ENTRY_SCHEMA_VERSION) {
        throw new CorruptFileError(file, `entry schema version ${version} is newer than this memp supports (${ENTRY_SCHEMA_VERSION}); upgrade memp`, rec.line);
      }
    }
    const entries = validateRecords(records, MemoryEntrySchema, { file, kind: "store", label: "invalid entry" });
    entries.forEach((entry, i) => {
      const line = records[i]!.line;
      if (this.rowOf.has(entry.id)) throw new CorruptFileError(file, `duplicate entry id ${entry.id}`, line);
      this.rowOf.set(entry.id, this.entries.length);
      this.entries.push(entry);
      // The line as written keeps fields a newer memp may have added.
      this.lines.push(rawLines[line - 1]!.trim());
    });
    this.stale = this.loadVectors(expected);
    if (this.stale) this.resetVectors();
  }

  /** Loads the derived indexes; returns why they cannot be used, if so. */
  private loadVectors(expected: EmbedderInfo): string | undefined {
    const m = this.manifest;
    if (m.embedder.id !== expected.id || m.embedder.dimension !== expected.dimension) {
      return `the memory was indexed with embedder ${m.embedder.id} (${m.embedder.dimension}-d), not ${expected.id} (${expected.dimension}-d)`;
    }
    if (m.count !== this.entries.length) return `the manifest counts ${m.count} entries but entries.jsonl holds ${this.entries.length}`;
    const read = (name: string) => {
      const path = committedPath(this.dir, name);
      return existsSync(path) ? readFlatIPFile(path) : undefined;
    };
    const task = read(FILES.taskIndex);
    const factRows = read(FILES.factsIndex);
    const values = read(FILES.factValueIndex);
    const textsPath = committedPath(this.dir, FILES.factValueTexts);
    if (!task || !factRows || !values || !existsSync(textsPath)) return "an index file is missing";
    let texts: unknown;
    try {
      texts = JSON.parse(readFileSync(textsPath, "utf8"));
    } catch (err) {
      throw new CorruptFileError(join(this.dir, FILES.factValueTexts), `invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== "string")) {
      throw new CorruptFileError(join(this.dir, FILES.factValueTexts), "expected a JSON array of strings");
    }
    const d = m.embedder.dimension;
    if (task.dimension !== d || factRows.dimension !== d || values.dimension !== d) return "an index has the wrong dimension";
    if (task.size !== this.entries.length) return "the task index does not have one row per entry";
    if (factRows.size !== this.entries.filter(hasFacts).length) return "the facts index does not have one row per entry with facts";
    // On disk the facts index holds only entries with facts; the others are keyed by their task.
    let next = 0;
    const facts = new VectorMatrix(d, this.entries.length);
    for (let r = 0; r < this.entries.length; r++) facts.push(hasFacts(this.entries[r]!) ? factRows.row(next++) : task.row(r));
    if (values.size !== texts.length) return "the fact-value index does not match its texts";
    this.taskVecs = task;
    this.factsVecs = facts;
    this.valueVecs = values;
    this.valueTexts = texts as string[];
    this.valueRow = new Map(this.valueTexts.map((t, i) => [t, i]));
    for (const e of this.entries) {
      for (const v of Object.values(e.facts ?? {})) if (!this.valueRow.has(v)) return `no vector for the fact value "${v}"`;
    }
    return undefined;
  }

  private appendRow(entry: MemoryEntry, vectors: EntryVectors): void {
    this.rowOf.set(entry.id, this.entries.length);
    this.entries.push(entry);
    this.lines.push(JSON.stringify(entry));
    this.pushRowVectors(vectors);
  }

  private pushRowVectors(v: EntryVectors): void {
    this.taskVecs.push(v.task);
    this.factsVecs.push(v.facts);
    this.addValueVectors(v);
    this.invalidateIndexes();
  }

  private setRowVectors(row: number, v: EntryVectors): void {
    this.taskVecs.set(row, v.task);
    this.factsVecs.set(row, v.facts);
    this.addValueVectors(v);
    this.invalidateIndexes();
  }

  private addValueVectors(v: EntryVectors): void {
    for (const [text, vec] of v.factValues) {
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
    this.manifest = readManifest(committedPath(this.dir, FILES.manifest));
    this.entries = [];
    this.lines = [];
    this.rowOf = new Map();
    this.embedderState = readEmbedderState(this.dir);
    this.resetVectors();
    this.load(this.expected);
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
    if (this.stale) {
      // Entries can change while vectors are stale (e.g. stats); the indexes wait for reindex().
      this.writeFiles([{ name: FILES.entries, data: this.entriesText() }, ...this.auxWrites()], true);
      return;
    }
    this.pruneValues();
    this.writeFiles(
      [
        { name: FILES.entries, data: this.entriesText() },
        { name: FILES.taskIndex, data: encodeFlatIP(this.taskVecs) },
        { name: FILES.factsIndex, data: encodeFlatIP(this.factsVecs.filtered((r) => hasFacts(this.entries[r]!))) },
        { name: FILES.factValueIndex, data: encodeFlatIP(this.valueVecs) },
        { name: FILES.factValueTexts, data: JSON.stringify(this.valueTexts) },
        ...(this.embedderState === undefined ? [] : [{ name: FILES.embedderState, data: JSON.stringify(this.embedderState) }]),
        ...this.auxWrites(),
      ],
      false,
    );
  }

  private writeFiles(writes: FileWrite[], keepOldCount: boolean): void {
    this.manifest = {
      ...this.manifest,
      count: keepOldCount ? this.manifest.count : this.entries.length,
      generation: this.manifest.generation + 1,
      updatedAt: new Date().toISOString(),
    };
    commitFiles(this.dir, [...writes, { name: FILES.manifest, data: JSON.stringify(this.manifest, null, 2) + "\n" }]);
  }

  private entriesText(): string {
    return this.lines.length === 0 ? "" : this.lines.join("\n") + "\n";
  }

  private assertWritable(): void {
    if (this.readOnly) throw new InputError("this memory was opened read-only", { file: this.dir });
    if (!this.lock) throw new InputError("this memory has been closed", { file: this.dir });
  }

  private assertFresh(): void {
    if (this.stale) throw new InputError(`the vector index is stale (${this.stale}); reindex before searching`, { file: this.dir });
  }
}

const CORE_FILES = new Set<string>(Object.values(FILES));

function assertAuxName(name: string): void {
  if (!/^[\w.-]+\.jsonl?$/.test(name) || CORE_FILES.has(name)) throw new InputError(`"${name}" is not an auxiliary file name`, { field: "name" });
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

function readEmbedderState(dir: string): unknown {
  const path = committedPath(dir, FILES.embedderState);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CorruptFileError(join(dir, FILES.embedderState), `invalid JSON: ${(err as Error).message}`, undefined, err);
  }
}

function readManifest(path: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new CorruptFileError(path, `invalid JSON: ${(err as Error).message}`, undefined, err);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new CorruptFileError(path, `invalid manifest: ${issueText(parsed.error.issues[0]!)}`);
  if (parsed.data.schemaVersion > STORE_SCHEMA_VERSION) {
    throw new CorruptFileError(path, `memory schema version ${parsed.data.schemaVersion} is newer than this memp supports (${STORE_SCHEMA_VERSION}); upgrade memp`);
  }
  return parsed.data;
}
