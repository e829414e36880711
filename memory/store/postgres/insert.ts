import type { MemoryEntry } from "../../types.js";
import type { EntryVectors } from "../types.js";
import type { Sql } from "./db.js";
import { STATEMENT_TIMEOUT_MS } from "./errors.js";
import { storedJson } from "./rows.js";
import { createIndexSql, dropIndexSql, HNSW_M, VECTOR_INDEX_DEFS, type Tables } from "./schema.js";
import { vectorArrayParam } from "./vectors.js";

/** Rows per INSERT: about 4 MB of parameters at 384 dimensions, well inside one message. */
const ENTRY_CHUNK = 1000;
const VALUE_CHUNK = 5000;
const LINK_CHUNK = 20000;

/**
 * A batch at least this large, and at least as large as the memory it joins, is loaded with
 * the entry indexes dropped and rebuilt: building the HNSW graphs over all rows at once is about
 * 9 times faster than inserting rows into them (20,000 entries, 384 dims: 8.4 s in one batch,
 * 76 s in batches of 4,999). Dropping the indexes locks the table until the transaction ends,
 * so a batch smaller than the memory goes in row by row, leaving other processes' reads alone.
 */
export const REBUILD_MIN_BATCH = 1000;

/** An index build may take minutes on a large memory; the usual statement limit is for everything else. */
const INDEX_BUILD_TIMEOUT_MS = 60 * 60 * 1000;

export interface WriteContext {
  t: Tables;
  /** The oid of pgvector's `vector` type in this database. */
  vectorOid: number;
  dimension: number;
}

/**
 * Inserts new live entries, their vectors and their fact values, in add order (a bigserial `seq`
 * assigned row by row, in the order of the batch). The caller runs it inside a transaction and
 * has checked that no id is live.
 */
export async function insertEntries(sql: Sql, ctx: WriteContext, entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
  const { t } = ctx;
  const rebuild = entries.length >= REBUILD_MIN_BATCH && entries.length >= (await countRows(sql, t.entries));
  const entryIndexes = VECTOR_INDEX_DEFS.filter((i) => i.table === "entries");
  if (rebuild) for (const index of entryIndexes) await sql.query(dropIndexSql(t, index));
  for (let at = 0; at < entries.length; at += ENTRY_CHUNK) {
    const chunk = entries.slice(at, at + ENTRY_CHUNK);
    const vecs = vectors.slice(at, at + ENTRY_CHUNK);
    await sql.query(
      `INSERT INTO ${t.entries} (id, entry, version, hits, successes, task, facts)
       SELECT j.e->>'id', j.e, COALESCE((j.e->>'version')::int, 1), v.hits, v.successes, v.task, v.facts
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS j(e, n)
         JOIN unnest($2::int[], $3::int[], $4::vector[], $5::vector[]) WITH ORDINALITY AS v(hits, successes, task, facts, n) USING (n)
        ORDER BY n`,
      [
        JSON.stringify(chunk.map(storedJson)),
        chunk.map((e) => e.stats.hits),
        chunk.map((e) => e.stats.successes),
        vectorArrayParam(vecs.map((v) => v.task), ctx.vectorOid),
        vectorArrayParam(vecs.map((v) => v.facts), ctx.vectorOid),
      ],
    );
  }
  await linkFactValues(sql, ctx, entries, vectors);
  if (rebuild) await buildIndexes(sql, t, entryIndexes, entries.length, ctx.dimension);
}

/**
 * Stores the fact values of `entries` (those not stored yet) and which entry refers to which.
 *
 * Values are never deleted when the last entry referring to them goes: a concurrent writer may
 * have just linked a new entry to the same value, in a transaction not visible yet, and would be
 * left with a value that has no vector. Searches skip values no live entry refers to instead
 * (search.ts), and reindex, which holds the tables to itself, drops them.
 */
export async function linkFactValues(sql: Sql, ctx: WriteContext, entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void> {
  const { t } = ctx;
  const values = new Map<string, Float32Array>();
  const linkIds: string[] = [];
  const linkValues: string[] = [];
  entries.forEach((e, i) => {
    for (const value of new Set(Object.values(e.facts ?? {}))) {
      const vec = vectors[i]!.factValues.get(value);
      if (vec && !values.has(value)) values.set(value, vec);
      linkIds.push(e.id);
      linkValues.push(value);
    }
  });
  // Every writer inserts values in one order (ON CONFLICT waits on a value another transaction is
  // inserting), so two batches sharing new values cannot deadlock on them.
  const texts = [...values.keys()].sort();
  for (let at = 0; at < texts.length; at += VALUE_CHUNK) {
    const chunk = texts.slice(at, at + VALUE_CHUNK);
    await sql.query(
      `INSERT INTO ${t.factValues} (text, vector)
       SELECT x.text, x.vector FROM unnest($1::text[], $2::vector[]) WITH ORDINALITY AS x(text, vector, n)
        ORDER BY x.n
       ON CONFLICT (text) DO NOTHING`,
      [chunk, vectorArrayParam(chunk.map((text) => values.get(text)!), ctx.vectorOid)],
    );
  }
  for (let at = 0; at < linkIds.length; at += LINK_CHUNK) {
    // A value given without a vector is linked only when some earlier entry stored its vector.
    await sql.query(
      `INSERT INTO ${t.entryValues} (entry_id, value)
       SELECT l.entry_id, l.value FROM unnest($1::text[], $2::text[]) AS l(entry_id, value)
        WHERE EXISTS (SELECT 1 FROM ${t.factValues} f WHERE f.text = l.value)`,
      [linkIds.slice(at, at + LINK_CHUNK), linkValues.slice(at, at + LINK_CHUNK)],
    );
  }
}

async function countRows(sql: Sql, table: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

/**
 * Builds HNSW indexes inside the caller's transaction, with the memory and time a build over
 * the whole table needs (an in-memory graph build is several times faster than one that spills).
 */
export async function buildIndexes(sql: Sql, t: Tables, indexes: typeof VECTOR_INDEX_DEFS, rows: number, dimension: number): Promise<void> {
  // The graph holds each vector plus up to 2m neighbour links per layer-0 node, with headroom.
  const graphBytes = rows * (4 * dimension + 2 * HNSW_M * 8 + 256) * 1.5;
  const mb = Math.min(1024, Math.max(64, Math.ceil(graphBytes / 2 ** 20)));
  await sql.query("SELECT set_config('maintenance_work_mem', $1, true), set_config('statement_timeout', $2, true)", [`${mb}MB`, String(INDEX_BUILD_TIMEOUT_MS)]);
  for (const index of indexes) await sql.query(createIndexSql(t, index), [], { timeoutMs: INDEX_BUILD_TIMEOUT_MS + 60_000 });
  await sql.query("SELECT set_config('statement_timeout', $1, true)", [String(STATEMENT_TIMEOUT_MS)]);
}
