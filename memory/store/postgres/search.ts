import type { ScoredId, VectorIndexName } from "../types.js";
import type { Sql } from "./db.js";
import type { Tables } from "./schema.js";

/**
 * Below this many rows an index is searched exactly (a sequential scan ordered by distance, then
 * add order); from it on, through HNSW. Measured with `scripts/bench/postgres.ts --crossover`:
 * top-10 latency, p50 of 200 held-out queries, local-hash vectors (384 dims), exact and HNSW
 * queries interleaved, on 2 vCPUs that other test runs shared (load average about 5):
 *
 *     rows      200   300   400   500   600   800  1000  2000  4000  8000
 *     exact ms  1.54  1.83  2.30  2.67  3.35  2.73  3.74  8.80  13.3  36.4
 *     HNSW ms   2.24  1.70  1.59  1.62  1.81  1.28  1.77  2.68  2.89  3.48
 *
 * HNSW costs a transaction of four round trips whatever the size; the scan grows by ~3.5 µs a
 * row. They cross between 200 and 300 rows.
 */
export const EXACT_SEARCH_MAX_ROWS = 300;

/**
 * Candidates an HNSW scan keeps, per index: the smallest hnsw.ef_search whose recall@10 against
 * the exact ranking reached 0.95 on 100,000 entries (`scripts/bench/postgres.ts --sweep`:
 * local-hash vectors, 384 dims, m = 16, ef_construction = 32, 300 held-out queries, ties at the
 * 10th score counted as found):
 *
 *     ef_search        40     64    100    150    200    300    400    600    800   1000
 *     task recall   0.888  0.911  0.935  0.954  0.958  0.965  0.973
 *     task p50 ms    2.64   2.64   2.85   3.28   3.40   4.03   5.38
 *     facts recall  0.717  0.754  0.795  0.827  0.857  0.886  0.904  0.909  0.932  0.951
 *     facts p50 ms   2.93   4.15   4.91   6.56   7.54   8.61   10.6   16.5   21.3   26.2
 *
 * (600 and up from a second build of the same data, where 400 gave 0.887: a graph's recall
 * varies by a point or two from one build to the next.)
 * Task texts reach it at 150; 300 leaves a margin for memories less varied than the benchmark's.
 * Facts texts ("budget: $1,400; destination: Tucson; origin: Oakland") are near-duplicates of
 * one another, which the graph navigates poorly: only pgvector's ceiling gets there (0.948 and
 * 0.954 in two later runs), at 28 ms against the exact scan's 100 ms. Fact values are short,
 * distinct and few (hundreds to thousands), and get the task setting.
 */
export const HNSW_EF_SEARCH: Readonly<Record<VectorIndexName, number>> = { task: 300, facts: 1000, factValues: 300 };

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
  /** hnsw.ef_search for this index. */
  efSearch: number;
}

export function searchTarget(t: Tables, index: VectorIndexName): SearchTarget {
  switch (index) {
    case "task":
      return { table: t.entries, column: "task", id: "id", efSearch: HNSW_EF_SEARCH.task };
    case "facts":
      return { table: t.entries, column: "facts", id: "id", efSearch: HNSW_EF_SEARCH.facts };
    case "factValues":
      // Values stay once embedded (see insert.ts); only those a live entry refers to are hits.
      return { table: t.factValues, column: "vector", id: "text", filter: `EXISTS (SELECT 1 FROM ${t.entryValues} ev WHERE ev.value = x.text)`,
        efSearch: HNSW_EF_SEARCH.factValues,
      };
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
 * The HNSW ranking; `sql` must be inside a transaction, which SET LOCAL needs. The sequential
 * scan is switched off for the query: near EXACT_SEARCH_MAX_ROWS the planner may still cost a
 * full sort below the index scan, and this path exists because measurement says otherwise. The
 * filter of fact values makes the scan go on past rows it skips (pgvector 0.8's iterative scan)
 * instead of coming back short. Returns fewer than `k` hits when the index had fewer to give.
 * `shared` says the transaction is the caller's, which must get its planner setting back.
 */
export async function approximateSearch(
  sql: Sql,
  target: SearchTarget,
  query: Buffer,
  k: number,
  options: { iterativeScan: boolean; shared?: boolean; efSearch?: number },
): Promise<ScoredId[]> {
  const ef = String(Math.min(HNSW_MAX_K, Math.max(options.efSearch ?? target.efSearch, k)));
  const iterative = options.iterativeScan && target.filter ? ", set_config('hnsw.iterative_scan', 'strict_order', true)" : "";
  const { rows: before } = await sql.query<{ seqscan: string }>(
    `SELECT current_setting('enable_seqscan') AS seqscan, set_config('enable_seqscan', 'off', true), set_config('hnsw.ef_search', $1, true)${iterative}`,
    [ef],
  );
  const { rows } = await sql.query<HitRow>(
    `SELECT x.${target.id} AS id, x.seq, 1 - (x.${target.column} <=> $1) AS score
       FROM ${target.table} x ${target.filter ? `WHERE ${target.filter}` : ""}
      ORDER BY x.${target.column} <=> $1
      LIMIT $2`,
    [query, k],
  );
  if (options.shared) await sql.query("SELECT set_config('enable_seqscan', $1, true)", [before[0]!.seqscan]);
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
