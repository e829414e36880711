/**
 * Searches of a memory large enough for the HNSW path: the index serves them (checked in the
 * server's statistics), the ranking agrees with the exact one, k beyond the memory still returns
 * every row, and fact values no live entry refers to stay out even through the index.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { EXACT_SEARCH_MAX_ROWS } from "../../memory/store/postgres/search.js";
import type { ScoredId } from "../../memory/store/types.js";
import { EMBEDDER, entry, randomVector, vectors } from "./entries.js";
import { admin, describePostgres, dropSchema, freshLocation } from "./helpers.js";

const ROWS = Math.max(EXACT_SEARCH_MAX_ROWS + 500, 1000);

/** The exact ranking, computed here: cosine, best first, ties by position. */
function exactRanking(all: Float32Array[], ids: string[], q: Float32Array, k: number): string[] {
  const cos = (a: Float32Array) => {
    let dot = 0, na = 0, nq = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i]! * q[i]!;
      na += a[i]! * a[i]!;
      nq += q[i]! * q[i]!;
    }
    return dot / Math.sqrt(na * nq);
  };
  return all
    .map((v, i) => ({ i, s: cos(v) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k)
    .map((h) => ids[h.i]!);
}

async function indexScans(location: string, index: string): Promise<number> {
  const schema = new URL(location).searchParams.get("schema")!;
  const { rows } = await admin(location, (sql) =>
    sql.query<{ n: string }>("SELECT idx_scan AS n FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = $2", [schema, index]),
  );
  return Number(rows[0]?.n ?? 0);
}

describePostgres("PostgreSQL backend, searches above the exact-search size", () => {
  let location: string;
  const taskVectors = Array.from({ length: ROWS }, (_, i) => randomVector(i + 1));
  const entries = taskVectors.map((_, i) => entry(`task ${i}`, { facts: { value: `value ${i}` } }));
  const ids = entries.map((e) => e.id);
  let store: PostgresMemoryStore;

  beforeAll(async () => {
    location = freshLocation();
    store = await PostgresMemoryStore.open(location, { embedder: EMBEDDER });
    await store.add(
      entries,
      entries.map((e, i) => vectors(taskVectors[i]!, taskVectors[i]!, { [e.facts!.value!]: taskVectors[i]! })),
    );
    // Statistics as a memory in use has them, so the size estimate sees every row.
    await admin(location, (sql) => sql.query(`ANALYZE "${new URL(location).searchParams.get("schema")}".entries`));
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    if (location) await dropSchema(location);
  });

  it("ranks through the HNSW index as the exact ranking does", async () => {
    const before = await indexScans(location, "entries_task_hnsw");
    let agree = 0;
    const queries = 40;
    for (let q = 0; q < queries; q++) {
      const query = randomVector(1_000_000 + q);
      const hits: ScoredId[] = await store.search("task", query, 10);
      expect(hits).toHaveLength(10);
      const truth = new Set(exactRanking(taskVectors, ids, query, 10));
      agree += hits.filter((h) => truth.has(h.id)).length;
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
    }
    expect(agree / (queries * 10)).toBeGreaterThanOrEqual(0.95);
    // The server counts index scans when a session ends: close the store's connections first.
    await store.close();
    store = await PostgresMemoryStore.open(location, { embedder: EMBEDDER });
    await expect.poll(() => indexScans(location, "entries_task_hnsw"), { timeout: 5000 }).toBeGreaterThanOrEqual(before + queries);
  });

  it("returns every row, exactly ranked, for k beyond the memory or Infinity", async () => {
    const query = randomVector(42);
    for (const k of [ROWS, ROWS + 1, Infinity]) {
      const hits = await store.search("facts", query, k);
      expect(hits.map((h) => h.id)).toEqual(exactRanking(taskVectors, ids, query, ROWS));
    }
  });

  it("leaves out fact values no live entry refers to, through the index too", async () => {
    const gone = ids.slice(0, 20);
    await store.retire(gone.map((id) => ({ id, reason: "test" })));
    try {
      for (let i = 0; i < 20; i++) {
        const hits = await store.search("factValues", taskVectors[i]!, 5);
        expect(hits).toHaveLength(5);
        expect(hits.map((h) => h.id)).not.toContain(`value ${i}`);
      }
      const hits = await store.search("factValues", taskVectors[25]!, 1);
      expect(hits[0]).toEqual({ id: "value 25", score: expect.closeTo(1, 5) });
    } finally {
      for (const id of gone) await store.add([entries[ids.indexOf(id)]!], [vectors(taskVectors[ids.indexOf(id)]!, undefined, { [`value ${ids.indexOf(id)}`]: taskVectors[ids.indexOf(id)]! })]);
    }
  });

  it("searches through the index inside a transaction, seeing its own writes", async () => {
    const fresh = entry("written in the transaction");
    const v = randomVector(7_777_777);
    await store.transaction(async (tx) => {
      await tx.add([fresh], [vectors(v)]);
      expect((await tx.search("task", v, 3))[0]).toEqual({ id: fresh.id, score: expect.closeTo(1, 5) });
      await tx.delete([fresh.id]);
    });
  });
});
