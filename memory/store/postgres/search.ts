import type { ScoredId, VectorIndexName } from "../types.js";
import type { Sql } from "./db.js";
import type { Tables } from "./schema.js";

/**
 * Below this many rows an index is searched exactly (a sequential scan ordered by distance, then
 * add order); from it on, through HNSW. Measured (scripts/bench/postgres.ts --crossover):
 * PLACEHOLDER_CROSSOVER
 */
export const EXACT_SEARCH_MAX_ROWS = 0;

/**
 * Candidates an HNSW scan keeps. Measured on 100,000 local-hash task vectors (384 dims, index
 * built with m = 16, ef_construction = 32) against exact search, 300 held-out queries:
 * PLACEHOLDER_EF
 */
export const HNSW_EF_SEARCH = 200;

/** pgvector's ceiling for hnsw.ef_search; a larger k is served by the exact scan. */
const HNSW_MAX_K = 1000;

/** What a search reads: the table, the vector column, and what a hit is called. */
export interface SearchTarget {
  table: string;
  column: string;
  /** The column a hit's id comes from. */
  id: string;
  /** Rows the index holds but the search must skip. */
  filter?: string;
}

export function searchTarget(t: Tables, index: VectorIndexName): SearchTarget {
  switch (index) {
    case "task":
      return { table: t.entries, column: "task", id: "id" };
    case "facts":
      return { table: t.entries, column: "facts", id: "id" };
    case "factValues":
      // Values stay once embedded (see insert.ts); only those a live entry refers to are hits.
      return { table: t.factValues, column: "vector", id: "text", filter: `EXISTS (SELECT 1 FROM ${t.entryValues} ev WHERE ev.value = x.text)` };
  }
}

/** Whether an HNSW scan may serve a search of `k` over about `rows` rows. */
export function useHnsw(rows: number, k: number | null): boolean {
  return k !== null && k <= HNSW_MAX_K && rows >= EXACT_SEARCH_MAX_ROWS;
}

interface HitRow {
  id: string;
  seq: string;
  score: number;
}

/** Cosine is undefined for a zero vector; pgvector says NaN, which ranks last, and scores 0 here. */
const score = (s: number) => (Number.isNaN(s) ? 0 : s);

/** The exact ranking: every row's distance, ties by add order. `k` null returns them all. */
export async function exactSearch(sql: Sql, target: SearchTarget, query: Buffer, k: number | null): Promise<ScoredId[]> {
  const { rows } = await sql.query<HitRow>(
    `SELECT x.${target.id} AS id, 1 - (x.${target.column} <=> $1) AS score
       FROM ${target.table} x ${target.filter ? `WHERE ${target.filter}` : ""}
      ORDER BY x.${target.column} <=> $1, x.seq
      LIMIT $2`,
    [query, k],
  );
  return rows.map((r) => ({ id: r.id, score: score(r.score) }));
}

/**
 * The HNSW ranking; `sql` must be inside a transaction, which SET LOCAL needs. The filter of
 * fact values makes the scan go on past rows it skips (pgvector 0.8's iterative scan) instead of
 * coming back short. Returns fewer than `k` hits when the index had fewer to give.
 */
export async function approximateSearch(sql: Sql, target: SearchTarget, query: Buffer, k: number, iterativeScan: boolean, efSearch = HNSW_EF_SEARCH): Promise<ScoredId[]> {
  const ef = String(Math.min(HNSW_MAX_K, Math.max(efSearch, k)));
  await sql.query(
    iterativeScan && target.filter
      ? "SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'strict_order', true)"
      : "SELECT set_config('hnsw.ef_search', $1, true)",
    [ef],
  );
  const { rows } = await sql.query<HitRow>(
    `SELECT x.${target.id} AS id, x.seq, 1 - (x.${target.column} <=> $1) AS score
       FROM ${target.table} x ${target.filter ? `WHERE ${target.filter}` : ""}
      ORDER BY x.${target.column} <=> $1
      LIMIT $2`,
    [query, k],
  );
  // The index orders by distance alone; equal distances follow add order, as in the exact ranking.
  rows.sort((a, b) => b.score - a.score || Number(a.seq) - Number(b.seq));
  return rows.map((r) => ({ id: r.id, score: score(r.score) }));
}

/** About how many rows a table holds: planner statistics and the live-tuple counter, no scan. */
export async function estimatedRows(sql: Sql, table: string): Promise<number> {
  const { rows } = await sql.query<{ rows: number }>(
    "SELECT GREATEST(c.reltuples, pg_stat_get_live_tuples(c.oid), 0)::float8 AS rows FROM pg_class c WHERE c.oid = $1::regclass",
    [table],
  );
  return rows[0]?.rows ?? 0;
}
