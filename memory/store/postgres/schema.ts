import type { MemoryLogName } from "../types.js";

/** The tables of one memory, as qualified SQL names (the schema name is a validated plain identifier). */
export interface Tables {
  /** The schema, quoted. */
  readonly schema: string;
  /** The schema name as given, for catalog lookups and lock keys. */
  readonly schemaName: string;
  readonly version: string;
  readonly meta: string;
  readonly entries: string;
  readonly factValues: string;
  readonly entryValues: string;
  readonly archive: string;
  readonly logs: Readonly<Record<MemoryLogName, string>>;
}

export function tablesOf(schemaName: string): Tables {
  const schema = `"${schemaName}"`;
  return {
    schema,
    schemaName,
    version: `${schema}.schema_version`,
    meta: `${schema}.meta`,
    entries: `${schema}.entries`,
    factValues: `${schema}.fact_values`,
    entryValues: `${schema}.entry_values`,
    archive: `${schema}.archive`,
    logs: { history: `${schema}.history_log`, updates: `${schema}.updates_log` },
  };
}

/**
 * HNSW build parameters, measured on 100,000 local-hash task vectors (384 dims, 2 vCPUs, one
 * parallel worker): one index took 60 s to build with m = 16 / ef_construction = 64 and 41 s
 * with 16 / 32; 12 / 24 took 32 s but never reached recall@10 0.95 (0.940 at ef_search 400),
 * nor did m = 8. With 16 / 32 a bulk load of 100,000 entries takes 48 s, 40 s of it the two
 * entry indexes (scripts/bench/postgres.ts); 16 / 64 would take it past a minute, for a graph
 * that reaches the same recall at a third of the ef_search (see HNSW_EF_SEARCH).
 */
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 32;

/** One HNSW index of the memory: its name within the schema, and the column it indexes. */
export interface VectorIndex {
  readonly name: string;
  readonly table: "entries" | "factValues";
  readonly column: string;
}

export const VECTOR_INDEX_DEFS: readonly VectorIndex[] = [
  { name: "entries_task_hnsw", table: "entries", column: "task" },
  { name: "entries_facts_hnsw", table: "entries", column: "facts" },
  { name: "fact_values_hnsw", table: "factValues", column: "vector" },
];

export function createIndexSql(t: Tables, index: VectorIndex): string {
  return `CREATE INDEX IF NOT EXISTS ${index.name} ON ${t[index.table]} USING hnsw (${index.column} vector_cosine_ops) WITH (m = ${HNSW_M}, ef_construction = ${HNSW_EF_CONSTRUCTION})`;
}

export function dropIndexSql(t: Tables, index: VectorIndex): string {
  return `DROP INDEX IF EXISTS ${t.schema}.${index.name}`;
}
