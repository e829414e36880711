/**
 * Concurrent writers as real separate processes (each its own pool and connections), the way
 * several agents share one memory: no increment is lost, no rewrite of an entry is made twice
 * from the same version, and opening a new memory from many processes at once builds it once.
 */
import { afterEach, expect, it } from "vitest";
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { SCHEMA_VERSION } from "../../memory/store/postgres/migrations.js";
import { axis, EMBEDDER, entry, vectors } from "./entries.js";
import { admin, describePostgres, runFixture, Schemas } from "./helpers.js";

const schemas = new Schemas();
afterEach(() => schemas.dropAll());

const CHILD_TIMEOUT_MS = 240_000;

function expectAllSucceeded(results: Array<{ code: number | null; stderr: string }>): void {
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}

describePostgres("PostgreSQL backend, several processes at once", () => {
  it(
    "8 processes x 1,000 incrementStats on the same 3 entries give exact counts",
    async () => {
      const loc = schemas.location();
      const store = await PostgresMemoryStore.open(loc, { embedder: EMBEDDER });
      const es = ["one", "two", "three"].map((t) => entry(t));
      await store.add(es, es.map((_, i) => vectors(axis(i))));
      const ids = es.map((e) => e.id);
      const results = await Promise.all(Array.from({ length: 8 }, () => runFixture("fixture-increment.ts", [loc, "1000", ...ids])));
      expectAllSucceeded(results);
      // Each process: 1,000 calls round-robin over 3 ids (334, 333, 333), a success on every odd call.
      const expected = [
        { hits: 334 * 8, successes: 167 * 8 },
        { hits: 333 * 8, successes: 167 * 8 },
        { hits: 333 * 8, successes: 166 * 8 },
      ];
      for (const [i, id] of ids.entries()) expect((await store.get(id))?.stats).toEqual(expected[i]);
      await store.close();
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    "4 processes x 25 locked rewrites of one entry end at version 101, each version made exactly once from the one before",
    async () => {
      const loc = schemas.location();
      const store = await PostgresMemoryStore.open(loc, { embedder: EMBEDDER });
      const shared = entry("shared entry");
      await store.add([shared], [vectors(axis(0))]);
      const results = await Promise.all([0, 1, 2, 3].map((w) => runFixture("fixture-update.ts", [loc, "25", shared.id, String(w)])));
      expectAllSucceeded(results);
      expect((await store.get(shared.id))?.version).toBe(101);
      const log = (await store.readLog("history")) as Array<{ id: string; version: number; previous: number; worker: number }>;
      expect(log).toHaveLength(100);
      expect(log.map((r) => r.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
      for (const r of log) expect(r.previous).toBe(r.version - 1);
      // The log is in commit order, which for rewrites of one locked row is version order.
      expect(log.map((r) => r.version)).toEqual(Array.from({ length: 100 }, (_, i) => i + 2));
      expect(new Set(log.map((r) => r.worker)).size).toBe(4);
      await store.close();
    },
    CHILD_TIMEOUT_MS,
  );

  it(
    "6 processes opening a new memory at once create it once",
    async () => {
      const loc = schemas.location();
      const startAt = Date.now() + 2500;
      const results = await Promise.all(Array.from({ length: 6 }, () => runFixture("fixture-open.ts", [loc, String(startAt)])));
      expectAllSucceeded(results);
      expect(results.map((r) => r.stdout.trim())).toEqual(Array(6).fill("0"));
      const schema = new URL(loc).searchParams.get("schema")!;
      const versions = await admin(loc, (sql) => sql.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version ORDER BY version`));
      expect(versions.rows).toEqual([{ version: SCHEMA_VERSION }]);
      const meta = await admin(loc, (sql) => sql.query(`SELECT embedder_id FROM "${schema}".meta`));
      expect(meta.rows).toEqual([{ embedder_id: EMBEDDER.id }]);
    },
    CHILD_TIMEOUT_MS,
  );

  it("8 stores in one process opening a new memory at once create it once", async () => {
    const loc = schemas.location();
    const stores = await Promise.all(Array.from({ length: 8 }, () => PostgresMemoryStore.open(loc, { embedder: EMBEDDER, poolSize: 1 })));
    const schema = new URL(loc).searchParams.get("schema")!;
    const versions = await admin(loc, (sql) => sql.query(`SELECT version FROM "${schema}".schema_version`));
    expect(versions.rows).toHaveLength(1);
    await Promise.all(stores.map((s) => s.close()));
  });
});
