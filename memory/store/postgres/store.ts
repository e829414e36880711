import { ClosedError, ConfigError, InputError, ReadOnlyError, StateError } from "../../../core/errors.js";
import type { MemoryEntry } from "../../types.js";
import {
  MEMORY_LOGS,
  VECTOR_INDEXES,
  type ArchiveRecord,
  type EmbedderInfo,
  type EntryIndexName,
  type EntryVectors,
  type MemoryLogName,
  type MemoryStore,
  type OpenStoreOptions,
  type ScoredId,
  type StatsDelta,
  type VectorIndexName,
} from "../types.js";
import { Database, findVectorExtension, withSingleConnection, type Sql, type TxSql } from "./db.js";
import { insertEntries, linkFactValues, type WriteContext } from "./insert.js";
import { parseLocation, type PostgresLocation } from "./location.js";
import { migrate, refuseNewer, schemaVersion, SCHEMA_VERSION } from "./migrations.js";
import { rewriteVectors } from "./reindex.js";
import { archiveFromRow, checkedEntry, ENTRY_COLUMNS, entryFromRow, storedJson, type ArchiveRow, type EntryRow } from "./rows.js";
import { tablesOf, type Tables } from "./schema.js";
import { approximateSearch, estimatedRows, exactSearch, searchTarget, useHnsw } from "./search.js";
import { parseVector, vectorArrayParam, vectorParam } from "./vectors.js";

export interface OpenPostgresStoreOptions extends OpenStoreOptions {
  /** Connections the memory may hold open at once (default 4). */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 4;
/** pgvector's HNSW indexes take vectors of at most this many dimensions. */
const MAX_INDEXED_DIMENSION = 2000;
/** How long a table-size estimate steers searches before it is read again. */
const ESTIMATE_TTL_MS = 1000;

/** What every handle of one open memory shares: the pool, the embedder, whether it is closed. */
interface Core {
  readonly db: Database;
  readonly loc: PostgresLocation;
  readonly t: Tables;
  readonly readOnly: boolean;
  embedder: EmbedderInfo;
  stale: string | undefined;
  closed: boolean;
  readonly estimates: Map<string, { rows: number; at: number }>;
}

/** A transaction's handle: its connection, and what it changed that the core learns of at commit. */
interface TxScope {
  readonly sql: TxSql;
  ended: boolean;
  embedder?: EmbedderInfo;
}

/**
 * A memory in a PostgreSQL schema with pgvector: any number of processes may read and write it
 * at once. Every mutation is one transaction (or part of the caller's, through `transaction`),
 * counters are incremented in SQL, and rewrites lock their rows, so concurrent writers lose
 * nothing. Searches are exact below EXACT_SEARCH_MAX_ROWS rows and go through HNSW above.
 */
export class PostgresMemoryStore implements MemoryStore {
  readonly kind = "postgres";
  readonly shared = true;

  private constructor(
    private readonly core: Core,
    private readonly scope?: TxScope,
  ) {}

  static async open(location: string, options: OpenPostgresStoreOptions): Promise<PostgresMemoryStore> {
    const loc = parseLocation(location);
    const readOnly = options.readOnly ?? false;
    const create = !readOnly && options.create !== false;
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) throw new ConfigError(`poolSize must be an integer from 1 to 1000, got ${poolSize}`);
    checkEmbedder(options.embedder, loc);
    const warn = options.onWarning ?? ((m: string) => process.stderr.write(`memp: warning: ${m}\n`));
    const t = tablesOf(loc.schema);
    const vector = await withSingleConnection(loc, (sql) => findVectorExtension(sql, loc, create));
    if (!vector) throw noMemory(loc);
    const db = await Database.connect(loc, vector, { poolSize, onWarning: warn });
    try {
      const version = await schemaVersion(db, t);
      if (version !== undefined) refuseNewer(version, loc);
      if (version === undefined || version < SCHEMA_VERSION) {
        if (version === undefined && !create) throw noMemory(loc);
        if (version !== undefined && readOnly) {
          throw new InputError(`the memory's schema version is ${version}, older than this memp's (${SCHEMA_VERSION}); open it once for writing to upgrade it`, { file: loc.display });
        }
        if (options.embedder.dimension > MAX_INDEXED_DIMENSION) {
          throw new ConfigError(`${loc.display}: pgvector's HNSW indexes take at most ${MAX_INDEXED_DIMENSION} dimensions; embedder ${options.embedder.id} has ${options.embedder.dimension}`);
        }
        await migrate(db, t, loc, options.embedder);
      }
      const embedder = await readEmbedder(db, t);
      if (!embedder) throw new InputError(`the memory's meta table has no row (damaged); build the memory again with \`memp memory build\``, { file: loc.display });
      const core: Core = { db, loc, t, readOnly, embedder, stale: staleness(embedder, options.embedder), closed: false, estimates: new Map() };
      return new PostgresMemoryStore(core);
    } catch (err) {
      await db.end().catch(() => undefined);
      throw err;
    }
  }

  /** The embedder a memory at `location` was indexed with, without opening it; undefined when there is none. */
  static async peek(location: string): Promise<EmbedderInfo | undefined> {
    const loc = parseLocation(location);
    const t = tablesOf(loc.schema);
    return withSingleConnection(loc, async (sql) => {
      if (!(await findVectorExtension(sql, loc, false))) return undefined;
      const version = await schemaVersion(sql, t);
      if (version === undefined) return undefined;
      refuseNewer(version, loc);
      return readEmbedder(sql, t);
    });
  }

  get location(): string {
    return this.core.loc.display;
  }

  get readOnly(): boolean {
    return this.core.readOnly;
  }

  get embedder(): EmbedderInfo {
    // A shallow copy: the state (an IDF table can run to megabytes) is shared, not cloned per read.
    return { ...this.currentEmbedder() };
  }

  get staleReason(): string | undefined {
    return this.scope?.embedder ? undefined : this.core.stale;
  }

  // ---- reads ---------------------------------------------------------------------------------

  async size(): Promise<number> {
    const { rows } = await this.reader().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.t.entries}`);
    return rows[0]?.n ?? 0;
  }

  async get(id: string): Promise<MemoryEntry | undefined> {
    const { rows } = await this.reader().query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ${this.t.entries} WHERE id = $1`, [id]);
    return rows[0] && this.entry(rows[0]);
  }

  async getMany(ids: readonly string[]): Promise<MemoryEntry[]> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) {
      this.assertOpen();
      return [];
    }
    const { rows } = await this.reader().query<EntryRow & { id: string }>(`SELECT id, ${ENTRY_COLUMNS} FROM ${this.t.entries} WHERE id = ANY($1::text[])`, [wanted]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return wanted.flatMap((id) => {
      const row = byId.get(id);
      return row ? [this.entry(row)] : [];
    });
  }

  async has(id: string): Promise<boolean> {
    const { rows } = await this.reader().query(`SELECT 1 FROM ${this.t.entries} WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  async list(): Promise<MemoryEntry[]> {
    const { rows } = await this.reader().query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ${this.t.entries} ORDER BY seq`);
    return rows.map((r) => this.entry(r));
  }

  async archived(): Promise<ArchiveRecord[]> {
    const { rows } = await this.reader().query<ArchiveRow>(
      `SELECT a.entry, a.reason, a.retired_at FROM (
         SELECT DISTINCT ON (id) seq, id, entry, reason, retired_at FROM ${this.t.archive} ORDER BY id, seq DESC
       ) a
       WHERE NOT EXISTS (SELECT 1 FROM ${this.t.entries} e WHERE e.id = a.id)
       ORDER BY a.seq`,
    );
    return rows.map((r) => archiveFromRow(r, this.core.loc, this.t.archive));
  }

  async vectorOf(id: string, index: EntryIndexName): Promise<Float32Array | undefined> {
    const sql = this.reader();
    this.assertFresh();
    if (index !== "task" && index !== "facts") throw new InputError(`"${String(index)}" is not an entry index (expected task or facts)`, { file: this.location, field: "index" });
    const { rows } = await sql.query<{ v: string }>(`SELECT ${index}::text AS v FROM ${this.t.entries} WHERE id = $1`, [id]);
    return rows[0] && parseVector(rows[0].v);
  }

  async search(index: VectorIndexName, query: Float32Array, k: number): Promise<ScoredId[]> {
    const sql = this.reader();
    this.assertFresh();
    if (!(VECTOR_INDEXES as readonly string[]).includes(index)) {
      throw new InputError(`"${String(index)}" is not a vector index (expected ${VECTOR_INDEXES.join(", ")})`, { file: this.location, field: "index" });
    }
    this.checkVector(query, "the query vector");
    if (!(k >= 1)) return [];
    const limit = Number.isFinite(k) ? Math.floor(k) : null;
    const target = searchTarget(this.t, index);
    const q = vectorParam(query);
    if (useHnsw(await this.estimate(target.table), limit)) {
      const iterativeScan = this.core.db.vector.iterativeScan;
      const hits = this.scope
        ? await approximateSearch(this.scope.sql, target, q, limit!, { iterativeScan, shared: true })
        : await this.core.db.transaction((sql) => approximateSearch(sql, target, q, limit!, { iterativeScan }));
      // Fewer than k means the index ran out: the table is smaller than k, so the exact scan is cheap and complete.
      if (hits.length === limit) return hits;
    }
    return exactSearch(sql, target, q, limit);
  }

  async readLog(log: MemoryLogName): Promise<unknown[]> {
    const sql = this.reader();
    const { rows } = await sql.query<{ record: unknown }>(`SELECT record FROM ${this.logTable(log)} ORDER BY seq`);
    return rows.map((r) => r.record);
  }

  // ---- writes --------------------------------------------------------------------------------

  async add(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
    this.assertWritable();
    if (entries.length !== vectors.length) throw new RangeError(`add: ${entries.length} entries but ${vectors.length} vectors`);
    if (entries.length === 0) return;
    this.assertFresh();
    const checked = entries.map((e) => checkedEntry(e, this.core.loc));
    const seen = new Set<string>();
    checked.forEach((e, i) => {
      if (seen.has(e.id)) throw new InputError(`entry ${e.id} is twice in one add`, { file: this.location, field: "id" });
      seen.add(e.id);
      this.checkVectors(vectors[i]!, e.id);
    });
    await this.write(async (sql) => {
      const { rows } = await sql.query<{ id: string }>(`SELECT id FROM ${this.t.entries} WHERE id = ANY($1::text[]) LIMIT 1`, [[...seen]]);
      if (rows[0]) throw new InputError(`an entry with id ${rows[0].id} already exists`, { file: this.location, field: "id" });
      await insertEntries(sql, this.writeContext(), checked, vectors);
    });
  }

  async update(entry: MemoryEntry, vectors?: EntryVectors): Promise<{ previous: MemoryEntry; current: MemoryEntry }> {
    this.assertWritable();
    const given = checkedEntry(entry, this.core.loc);
    if (vectors) {
      this.assertFresh();
      this.checkVectors(vectors, given.id);
    }
    return this.write(async (sql) => {
      const { rows } = await sql.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ${this.t.entries} WHERE id = $1 FOR UPDATE`, [given.id]);
      if (!rows[0]) throw new InputError(`no entry with id ${given.id}`, { file: this.location, field: "id" });
      const previous = this.entry(rows[0]);
      if (!vectors && keysChanged(previous, given)) {
        throw new InputError(`entry ${given.id}: its task or facts changed, so its vectors must be given with it`, { file: this.location, field: "vectors" });
      }
      const current: MemoryEntry = { ...given, version: rows[0].version + 1 };
      const params: unknown[] = [given.id, JSON.stringify(storedJson(current)), current.version, current.stats.hits, current.stats.successes];
      const setVectors = vectors ? ", task = $6, facts = $7" : "";
      if (vectors) params.push(vectorParam(vectors.task), vectorParam(vectors.facts));
      await sql.query(`UPDATE ${this.t.entries} SET entry = $2::jsonb, version = $3, hits = $4, successes = $5${setVectors} WHERE id = $1`, params);
      if (vectors) {
        await sql.query(`DELETE FROM ${this.t.entryValues} WHERE entry_id = $1`, [given.id]);
        await linkFactValues(sql, this.writeContext(), [current], [vectors]);
      }
      return { previous, current };
    });
  }

  async incrementStats(deltas: StatsDelta[]): Promise<void> {
    this.assertWritable();
    const sums = new Map<string, { hits: number; successes: number }>();
    for (const d of deltas) {
      if (typeof d?.id !== "string" || !Number.isSafeInteger(d.hits) || !Number.isSafeInteger(d.successes)) {
        throw new InputError(`a stats delta needs an id and whole numbers of hits and successes, got ${JSON.stringify(d)}`, { file: this.location, field: "stats" });
      }
      const sum = sums.get(d.id) ?? { hits: 0, successes: 0 };
      sums.set(d.id, { hits: sum.hits + d.hits, successes: sum.successes + d.successes });
    }
    if (sums.size === 0) return;
    const ids = [...sums.keys()];
    await this.write(async (sql) => {
      // Locks in one order, so two increments of the same entries wait for each other instead of deadlocking.
      await this.lockLive(sql, ids);
      await sql.query(
        `UPDATE ${this.t.entries} e SET hits = e.hits + d.hits, successes = e.successes + d.successes
           FROM unnest($1::text[], $2::int[], $3::int[]) AS d(id, hits, successes)
          WHERE e.id = d.id`,
        [ids, ids.map((id) => sums.get(id)!.hits), ids.map((id) => sums.get(id)!.successes)],
      );
    });
  }

  async retire(items: Array<{ id: string; reason: string }>): Promise<ArchiveRecord[]> {
    this.assertWritable();
    const seen = new Set<string>();
    const unique = items.filter((i) => !seen.has(i.id) && seen.add(i.id));
    for (const i of unique) {
      if (typeof i.reason !== "string") throw new InputError(`retiring ${i.id} needs a reason`, { file: this.location, field: "reason" });
    }
    if (unique.length === 0) return [];
    return this.write(async (sql) => {
      const ids = unique.map((i) => i.id);
      await this.lockLive(sql, ids);
      const { rows } = await sql.query<EntryRow & { id: string }>(`DELETE FROM ${this.t.entries} WHERE id = ANY($1::text[]) RETURNING id, ${ENTRY_COLUMNS}`, [ids]);
      await sql.query(`DELETE FROM ${this.t.entryValues} WHERE entry_id = ANY($1::text[])`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, this.entry(r)]));
      const archived = await sql.query<ArchiveRow>(
        `INSERT INTO ${this.t.archive} (id, entry, reason)
         SELECT r.doc->'entry'->>'id', r.doc->'entry', r.doc->>'reason'
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(doc, n)
          ORDER BY r.n
         RETURNING entry, reason, retired_at`,
        [JSON.stringify(unique.map((i) => ({ entry: byId.get(i.id), reason: i.reason })))],
      );
      return archived.rows.map((r) => archiveFromRow(r, this.core.loc, this.t.archive));
    });
  }

  async delete(ids: string[]): Promise<number> {
    this.assertWritable();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return 0;
    return this.write(async (sql) => {
      const { rowCount } = await sql.query(`DELETE FROM ${this.t.entries} WHERE id = ANY($1::text[])`, [unique]);
      await sql.query(`DELETE FROM ${this.t.entryValues} WHERE entry_id = ANY($1::text[])`, [unique]);
      return rowCount;
    });
  }

  async reindex(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void> {
    this.assertWritable();
    checkEmbedder(embedder, this.core.loc);
    if (embedder.dimension > MAX_INDEXED_DIMENSION) {
      throw new ConfigError(`${this.location}: pgvector's HNSW indexes take at most ${MAX_INDEXED_DIMENSION} dimensions; embedder ${embedder.id} has ${embedder.dimension}`);
    }
    vectors.forEach((v, i) => this.checkVectors(v, `#${i + 1}`, embedder.dimension));
    const apply = async (sql: Sql) => {
      const t = this.t;
      // Other processes wait until the new vectors are all in: none reads a mix of two embedders.
      await sql.query(`LOCK TABLE ${t.meta}, ${t.entries}, ${t.factValues}, ${t.entryValues} IN ACCESS EXCLUSIVE MODE`);
      const { rows } = await sql.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ${t.entries} ORDER BY seq`);
      if (rows.length !== vectors.length) throw new RangeError(`reindex: ${rows.length} entries but ${vectors.length} vectors`);
      const stored = await readEmbedder(sql, t);
      await rewriteVectors(sql, { ...this.writeContext(), dimension: stored!.dimension }, rows.map((r) => this.entry(r)), vectors, embedder);
    };
    if (this.scope) {
      await apply(this.scope.sql);
      this.scope.embedder = { ...embedder };
      return;
    }
    await this.core.db.transaction(apply);
    this.adoptEmbedder(embedder);
  }

  async appendLog(log: MemoryLogName, records: object[]): Promise<void> {
    this.assertWritable();
    const table = this.logTable(log);
    if (!Array.isArray(records) || records.some((r) => typeof r !== "object" || r === null || Array.isArray(r))) {
      throw new InputError(`log records must be JSON objects`, { file: this.location, field: "records" });
    }
    if (records.length === 0) return;
    const tag = log === "updates" ? ", tag" : "";
    const tagValue = log === "updates" ? ", r.record->>'tag'" : "";
    await this.write((sql) =>
      sql.query(
        `INSERT INTO ${table} (record${tag})
         SELECT r.record${tagValue} FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r(record, n) ORDER BY r.n`,
        [JSON.stringify(records)],
      ),
    );
  }

  // ---- transactions --------------------------------------------------------------------------

  async transaction<T>(fn: (tx: MemoryStore) => Promise<T>): Promise<T> {
    this.assertWritable();
    if (this.scope) return fn(this);
    let last: TxScope | undefined;
    const result = await this.core.db.transaction(async (sql) => {
      const scope: TxScope = { sql, ended: false };
      last = scope;
      try {
        return await fn(new PostgresMemoryStore(this.core, scope));
      } finally {
        scope.ended = true;
      }
    });
    if (last?.embedder) this.adoptEmbedder(last.embedder);
    this.core.estimates.clear();
    return result;
  }

  async lock(ids: readonly string[]): Promise<void> {
    this.assertOpen();
    if (!this.scope || ids.length === 0) return;
    await this.scope.sql.query(`SELECT id FROM ${this.t.entries} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [[...new Set(ids)]]);
  }

  async close(): Promise<void> {
    // A transaction's handle shares the store's pool; the store closes it.
    if (this.scope || this.core.closed) return;
    this.core.closed = true;
    await this.core.db.end();
  }

  // ---- internals -----------------------------------------------------------------------------

  private get t(): Tables {
    return this.core.t;
  }

  private entry(row: EntryRow): MemoryEntry {
    return entryFromRow(row, this.core.loc, this.t.entries);
  }

  /** Where reads run: the transaction's connection, or the pool. */
  private reader(): Sql {
    this.assertOpen();
    return this.scope ? this.scope.sql : this.core.db;
  }

  /** Runs a mutation in the caller's transaction, or in one of its own. */
  private async write<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.scope) return fn(this.scope.sql);
    const result = await this.core.db.transaction(fn);
    this.core.estimates.clear();
    return result;
  }

  /** Locks the live rows of `ids` in id order; an id that is not live is an InputError. */
  private async lockLive(sql: Sql, ids: string[]): Promise<void> {
    const { rows } = await sql.query<{ id: string }>(`SELECT id FROM ${this.t.entries} WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [ids]);
    if (rows.length === ids.length) return;
    const found = new Set(rows.map((r) => r.id));
    throw new InputError(`no entry with id ${ids.find((id) => !found.has(id))}`, { file: this.location, field: "id" });
  }

  private async estimate(table: string): Promise<number> {
    const cached = this.core.estimates.get(table);
    if (cached && performance.now() - cached.at < ESTIMATE_TTL_MS) return cached.rows;
    const rows = await estimatedRows(this.scope?.sql ?? this.core.db, table);
    this.core.estimates.set(table, { rows, at: performance.now() });
    return rows;
  }

  private currentEmbedder(): EmbedderInfo {
    return this.scope?.embedder ?? this.core.embedder;
  }

  private writeContext(): WriteContext {
    return { t: this.t, vectorOid: this.core.db.vector.oid, dimension: this.currentEmbedder().dimension };
  }

  private adoptEmbedder(embedder: EmbedderInfo): void {
    this.core.embedder = { ...embedder };
    this.core.stale = undefined;
  }

  private logTable(log: MemoryLogName): string {
    if (!(MEMORY_LOGS as readonly string[]).includes(log)) {
      throw new InputError(`"${String(log)}" is not a log of the memory (expected ${MEMORY_LOGS.join(", ")})`, { file: this.location, field: "log" });
    }
    return this.t.logs[log];
  }

  private checkVectors(v: EntryVectors, id: string, dimension = this.currentEmbedder().dimension): void {
    this.checkVector(v?.task, `entry ${id}: the task vector`, dimension);
    this.checkVector(v.facts, `entry ${id}: the facts vector`, dimension);
    for (const [text, vec] of v.factValues ?? []) this.checkVector(vec, `entry ${id}: the vector of fact value "${text}"`, dimension);
  }

  private checkVector(v: Float32Array | undefined, what: string, dimension = this.currentEmbedder().dimension): void {
    if (!(v instanceof Float32Array)) throw new InputError(`${what} is missing (expected a Float32Array)`, { file: this.location, field: "vectors" });
    if (v.length !== dimension) throw new InputError(`${what} has ${v.length} dimensions; the memory's embedder has ${dimension}`, { file: this.location, field: "vectors" });
  }

  private assertOpen(): void {
    if (this.core.closed) throw new ClosedError(this.location);
    if (this.scope?.ended) throw new StateError(`${this.location}: this transaction handle was used after its transaction ended`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.core.readOnly) throw new ReadOnlyError(this.location);
  }

  private assertFresh(): void {
    if (this.staleReason) throw new InputError(`the vector index is stale (${this.staleReason}); reindex before searching or adding vectors`, { file: this.location, field: "embedder" });
  }
}

function noMemory(loc: PostgresLocation): InputError {
  return new InputError(`no memory here (no memp memory in schema "${loc.schema}" of database "${loc.database}"); build one with \`memp memory build\``, { file: loc.display });
}

function checkEmbedder(e: EmbedderInfo, loc: PostgresLocation): void {
  if (typeof e?.id !== "string" || e.id === "" || !Number.isInteger(e.dimension) || e.dimension < 1) {
    throw new ConfigError(`${loc.display}: an embedder needs a non-empty id and a positive whole dimension, got ${JSON.stringify({ id: e?.id, dimension: e?.dimension })}`);
  }
}

async function readEmbedder(sql: Sql, t: Tables): Promise<EmbedderInfo | undefined> {
  const { rows } = await sql.query<{ embedder_id: string; dimension: number; state: unknown }>(`SELECT embedder_id, dimension, state FROM ${t.meta}`);
  const row = rows[0];
  if (!row) return undefined;
  return { id: row.embedder_id, dimension: row.dimension, ...(row.state === null ? {} : { state: row.state }) };
}

function staleness(stored: EmbedderInfo, expected: EmbedderInfo): string | undefined {
  if (stored.id === expected.id && stored.dimension === expected.dimension) return undefined;
  return `the memory was indexed with embedder ${stored.id} (${stored.dimension}-d), not ${expected.id} (${expected.dimension}-d)`;
}

/** Whether an update changes what the entry's vectors were computed from. */
function keysChanged(previous: MemoryEntry, next: MemoryEntry): boolean {
  const facts = (e: MemoryEntry) => JSON.stringify(Object.entries(e.facts ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return previous.task !== next.task || facts(previous) !== facts(next);
}
