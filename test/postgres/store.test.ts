/**
 * What the PostgreSQL backend adds to the storage contract (the shared part runs in
 * conformance.test.ts): schema and migrations, where each value lives, tags, connection errors,
 * password hygiene, reindex with a new dimension.
 */
import { createServer, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { ClosedError, ConfigError, InputError, MempError, ReadOnlyError } from "../../core/errors.js";
import { postgresBackend, PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { CONNECT_TIMEOUT_MS } from "../../memory/store/postgres/errors.js";
import { REBUILD_MIN_BATCH } from "../../memory/store/postgres/insert.js";
import { SCHEMA_VERSION } from "../../memory/store/postgres/migrations.js";
import { axis, D, EMBEDDER, entry, vectors } from "./entries.js";
import { admin, describePostgres, POSTGRES_URL, Schemas, withSchema } from "./helpers.js";

const schemas = new Schemas();
afterEach(() => schemas.dropAll());

const A = entry("heat an egg", { facts: { object: "egg", place: "stove" } });
const B = entry("cool an egg", { facts: { object: "egg" } });
const C = entry("clean a knife");
const seed = (s: PostgresMemoryStore) =>
  s.add([A, B, C], [vectors(axis(0), axis(4), { egg: axis(5), stove: axis(6) }), vectors(axis(1), axis(3), { egg: axis(5) }), vectors(axis(2))]);

async function open(location: string, options: Partial<Parameters<typeof PostgresMemoryStore.open>[1]> = {}): Promise<PostgresMemoryStore> {
  return PostgresMemoryStore.open(location, { embedder: EMBEDDER, ...options });
}

/** The error a promise rejects with. */
async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** A port on this machine that nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function withPassword(location: string, password: string): string {
  const url = new URL(location);
  url.password = password;
  return url.href;
}

describePostgres("PostgreSQL backend", () => {
  it("creates its schema on first open, with pgvector columns of the embedder's dimension and HNSW indexes", async () => {
    const loc = schemas.location();
    const s = await open(loc);
    expect(s.kind).toBe("postgres");
    expect(s.shared).toBe(true);
    expect(s.location).toBe(loc);
    const schema = new URL(loc).searchParams.get("schema")!;
    const columns = await admin(loc, (sql) =>
      sql.query<{ table_name: string; column_name: string; type: string }>(
        `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relkind = 'r' AND format_type(a.atttypid, a.atttypmod) LIKE 'vector%' ORDER BY 1, 2`,
        [schema],
      ),
    );
    expect(columns.rows).toEqual([
      { table_name: "entries", column_name: "facts", type: `vector(${D})` },
      { table_name: "entries", column_name: "task", type: `vector(${D})` },
      { table_name: "fact_values", column_name: "vector", type: `vector(${D})` },
    ]);
    const indexes = await admin(loc, (sql) => sql.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%hnsw%' ORDER BY indexname", [schema]));
    expect(indexes.rows.map((r) => r.indexdef)).toEqual([
      expect.stringMatching(/entries USING hnsw \(facts vector_cosine_ops\)/),
      expect.stringMatching(/entries USING hnsw \(task vector_cosine_ops\)/),
      expect.stringMatching(/fact_values USING hnsw \(vector vector_cosine_ops\)/),
    ]);
    const versions = await admin(loc, (sql) => sql.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version`));
    expect(versions.rows).toEqual([{ version: SCHEMA_VERSION }]);
    await s.close();
  });

  it("keeps several memories apart in one database, one schema each", async () => {
    const [l1, l2] = [schemas.location(), schemas.location()];
    const [s1, s2] = [await open(l1), await open(l2)];
    await s1.add([A], [vectors(axis(0))]);
    expect(await s2.size()).toBe(0);
    await Promise.all([s1.close(), s2.close()]);
  });

  it("refuses to open a memory that is not there when it may not create one, naming the location and the way to build one", async () => {
    const loc = schemas.location();
    for (const options of [{ create: false }, { readOnly: true }]) {
      const err = await failure(open(loc, options));
      expect(InputError.isInstance(err)).toBe(true);
      expect(err.message).toContain(loc);
      expect(err.message).toContain("build one with `memp memory build`");
    }
    expect(await postgresBackend.peek(loc)).toBeUndefined();
    const schema = new URL(loc).searchParams.get("schema")!;
    const made = await admin(loc, (sql) => sql.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]));
    expect(made.rows).toEqual([]);
  });

  it("refuses a memory whose schema version is newer than this code knows, asking to upgrade memp", async () => {
    const loc = schemas.location();
    await (await open(loc)).close();
    const schema = new URL(loc).searchParams.get("schema")!;
    await admin(loc, (sql) => sql.query(`INSERT INTO "${schema}".schema_version (version) VALUES ($1)`, [SCHEMA_VERSION + 1]));
    for (const options of [{}, { readOnly: true }]) {
      const err = await failure(open(loc, options));
      expect(InputError.isInstance(err)).toBe(true);
      expect(err.message).toMatch(/newer than this memp knows.*upgrade memp/);
    }
    await expect(postgresBackend.peek(loc)).rejects.toThrow(/upgrade memp/);
  });

  it("does not create a memory in a schema that holds other tables", async () => {
    const loc = schemas.location();
    const schema = new URL(loc).searchParams.get("schema")!;
    await admin(loc, (sql) => sql.query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".accounts (id int)`));
    const err = await failure(open(loc));
    expect(InputError.isInstance(err)).toBe(true);
    expect(err.message).toMatch(/already holds tables that are not a memp memory/);
  });

  it("peeks at the embedder a memory was created with, without opening it", async () => {
    const loc = schemas.location();
    const stateful = { ...EMBEDDER, state: { idf: { egg: 2 } } };
    await (await open(loc, { embedder: stateful })).close();
    expect(await postgresBackend.peek(loc)).toEqual(stateful);
    expect(postgresBackend.handles(loc)).toBe(true);
    expect(postgresBackend.handles("POSTGRESQL://h/db")).toBe(true);
    expect(postgresBackend.handles("/var/memp/memory")).toBe(false);
    const viaBackend = await postgresBackend.open(loc, { embedder: EMBEDDER, readOnly: true });
    expect(viaBackend.kind).toBe("postgres");
    await viaBackend.close();
  });

  it("keeps stats in counter columns only, the rest of the entry as jsonb, and a version column", async () => {
    const loc = schemas.location();
    const s = await open(loc);
    await seed(s);
    await s.incrementStats([{ id: A.id, hits: 3, successes: 1 }]);
    await s.update({ ...(await s.get(B.id))!, script: "rewritten" });
    const schema = new URL(loc).searchParams.get("schema")!;
    const { rows } = await admin(loc, (sql) =>
      sql.query<{ id: string; hits: number; successes: number; version: number; has_stats: boolean }>(
        `SELECT id, hits, successes, version, entry ? 'stats' AS has_stats FROM "${schema}".entries ORDER BY seq`,
      ),
    );
    expect(rows).toEqual([
      { id: A.id, hits: 3, successes: 1, version: 1, has_stats: false },
      { id: B.id, hits: 0, successes: 0, version: 2, has_stats: false },
      { id: C.id, hits: 0, successes: 0, version: 1, has_stats: false },
    ]);
    expect((await s.get(A.id))?.stats).toEqual({ hits: 3, successes: 1 });
    await s.close();
  });

  it("adds a large batch in add order, through the bulk path that rebuilds the indexes", async () => {
    const loc = schemas.location();
    const s = await open(loc);
    const n = REBUILD_MIN_BATCH * 2;
    const many = Array.from({ length: n }, (_, i) => entry(`bulk task ${i}`, i % 3 === 0 ? { facts: { n: `value ${i % 50}` } } : {}));
    await s.add(
      many,
      many.map((e, i) => vectors(axis(i % D, (i % 7) / 10), undefined, e.facts ? { [e.facts.n!]: axis(i % 5) } : {})),
    );
    expect(await s.size()).toBe(n);
    expect((await s.list()).map((e) => e.id)).toEqual(many.map((e) => e.id));
    expect((await s.search("factValues", axis(0), Infinity)).length).toBe(50);
    await expect(s.add([many[10]!], [vectors(axis(0))])).rejects.toThrow(/already exists/);
    const schema = new URL(loc).searchParams.get("schema")!;
    const indexes = await admin(loc, (sql) => sql.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%hnsw%' ORDER BY 1", [schema]));
    expect(indexes.rows.map((r) => r.indexname)).toEqual(["entries_facts_hnsw", "entries_task_hnsw", "fact_values_hnsw"]);
    await s.close();
  });

  it("an update whose task or facts changed needs their new vectors", async () => {
    const s = await open(schemas.location());
    await seed(s);
    const err = await failure(s.update({ ...A, task: "heat two eggs" }));
    expect(InputError.isInstance(err)).toBe(true);
    expect(err.message).toMatch(/task or facts changed/);
    await s.update({ ...A, task: "heat two eggs" }, vectors(axis(7)));
    expect((await s.search("task", axis(7), 1))[0]?.id).toBe(A.id);
    await s.close();
  });

  it("refuses vectors of the wrong dimension, and searches and vector writes while the index is stale", async () => {
    const loc = schemas.location();
    const s = await open(loc);
    await expect(s.add([A], [vectors(axis(0, 0, D + 1))])).rejects.toThrow(/has 9 dimensions; the memory's embedder has 8/);
    await expect(s.search("task", axis(0, 0, 4), 1)).rejects.toThrow(InputError);
    await seed(s);
    await s.close();
    const stale = await open(loc, { embedder: { id: "another", dimension: 4 } });
    expect(stale.staleReason).toMatch(/indexed with embedder test-embedder \(8-d\), not another \(4-d\)/);
    await expect(stale.search("task", axis(0, 0, 4), 1)).rejects.toThrow(/stale/);
    await expect(stale.add([entry("x")], [vectors(axis(0, 0, 4))])).rejects.toThrow(/stale/);
    expect((await stale.list()).length).toBe(3);
    await stale.incrementStats([{ id: A.id, hits: 1, successes: 0 }]);
    await stale.close();
  });

  it("reindexes to another dimension: columns, indexes, fact values and the embedder change together", async () => {
    const loc = schemas.location();
    const s = await open(loc);
    await seed(s);
    await s.close();
    const other = { id: "another", dimension: 4, state: { refit: true } };
    const stale = await open(loc, { embedder: other });
    const v = (i: number) => axis(i, 0, 4);
    await stale.reindex(other, [vectors(v(2), v(3), { egg: v(1), stove: v(3) }), vectors(v(1), v(3), { egg: v(1) }), vectors(v(0))]);
    expect(stale.staleReason).toBeUndefined();
    expect(stale.embedder).toEqual(other);
    expect((await stale.search("task", v(0), 1))[0]).toEqual({ id: C.id, score: expect.closeTo(1, 5) });
    expect((await stale.search("factValues", v(1), Infinity)).map((h) => h.id).sort()).toEqual(["egg", "stove"]);
    expect(Array.from((await stale.vectorOf(A.id, "facts"))!)).toEqual(Array.from(v(3)));
    await stale.close();
    expect(await postgresBackend.peek(loc)).toEqual(other);
    const schema = new URL(loc).searchParams.get("schema")!;
    const indexes = await admin(loc, (sql) => sql.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%hnsw%'", [schema]));
    expect(indexes.rows).toHaveLength(3);
    const first = await open(loc);
    expect(first.staleReason).toMatch(/indexed with embedder another/);
    await first.close();
  });

  it("adopts a reindex made inside a transaction only when the transaction commits", async () => {
    const loc = schemas.location();
    const writer = await open(loc);
    await seed(writer);
    await writer.close();
    const other = { id: "another", dimension: D };
    const s = await open(loc, { embedder: other });
    await expect(
      s.transaction(async (tx) => {
        await tx.reindex(other, [vectors(axis(1)), vectors(axis(2)), vectors(axis(3))]);
        expect(tx.staleReason).toBeUndefined();
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow("changed my mind");
    expect(s.staleReason).toBeDefined();
    expect((await postgresBackend.peek(loc))?.id).toBe(EMBEDDER.id);
    await s.transaction((tx) => tx.reindex(other, [vectors(axis(1)), vectors(axis(2)), vectors(axis(3))]));
    expect(s.staleReason).toBeUndefined();
    expect(s.embedder.id).toBe("another");
    await s.close();
  });

  it("applies an update batch tag once: a second attempt fails with an InputError naming the tag, and its transaction lands nothing", async () => {
    const s = await open(schemas.location());
    await seed(s);
    await s.appendLog("updates", [{ tag: "batch-7", added: [] }, { note: "untagged" }, { note: "untagged too" }]);
    const err = await failure(s.appendLog("updates", [{ tag: "batch-7" }]));
    expect(InputError.isInstance(err)).toBe(true);
    expect(err.message).toContain('"batch-7"');
    // The caller catching the error does not save the transaction: the server has aborted it.
    const inTx = await failure(
      s.transaction(async (tx) => {
        await tx.incrementStats([{ id: A.id, hits: 1, successes: 1 }]);
        await tx.appendLog("updates", [{ tag: "batch-7" }]).catch(() => undefined);
      }),
    );
    expect(InputError.isInstance(inTx)).toBe(true);
    expect(inTx.message).toContain('"batch-7"');
    expect((await s.get(A.id))?.stats).toEqual({ hits: 0, successes: 0 });
    expect(await s.readLog("updates")).toHaveLength(3);
    await s.close();
  });

  it("a read-only store refuses writes before it asks the server anything", async () => {
    const loc = schemas.location();
    const writer = await open(loc);
    await seed(writer);
    await writer.close();
    const r = await open(loc, { readOnly: true });
    const schema = new URL(loc).searchParams.get("schema")!;
    // With the memory gone, any write that reached the server would fail with another error.
    await admin(loc, (sql) => sql.query(`DROP SCHEMA "${schema}" CASCADE`));
    for (const write of [() => r.add([entry("x")], [vectors(axis(0))]), () => r.incrementStats([{ id: A.id, hits: 1, successes: 0 }]), () => r.reindex(EMBEDDER, [])]) {
      const err = await failure(write());
      expect(ReadOnlyError.isInstance(err)).toBe(true);
    }
    await r.close();
    await expect(r.size()).rejects.toSatisfy(ClosedError.isInstance);
  });

  it("runs a transaction again when it deadlocks with another, so both land", async () => {
    const s = await open(schemas.location());
    await seed(s);
    let held = 0;
    let bothHoldOne!: () => void;
    const barrier = new Promise<void>((r) => (bothHoldOne = r));
    const attempts: string[] = [];
    // Each rewrites two entries in the opposite order of the other, and waits (on its first try
    // only) until both hold their first row: a deadlock the server breaks by failing one of them.
    const crossing = (name: string, first: string, second: string) => {
      let tries = 0;
      return s.transaction(async (tx) => {
        attempts.push(name);
        await tx.update({ ...(await tx.get(first))!, script: `${name} first` });
        if (++tries === 1) {
          if (++held === 2) bothHoldOne();
          await barrier;
        }
        await tx.update({ ...(await tx.get(second))!, script: `${name} second` });
      });
    };
    await Promise.all([crossing("ab", A.id, B.id), crossing("ba", B.id, A.id)]);
    expect(attempts.length).toBe(3);
    expect((await s.get(A.id))?.version).toBe(3);
    expect((await s.get(B.id))?.version).toBe(3);
    await s.close();
  });

  it("a transaction handle is dead once its transaction is over", async () => {
    const s = await open(schemas.location());
    let handle: Awaited<Parameters<Parameters<typeof s.transaction>[0]>[0]> | undefined;
    await s.transaction(async (tx) => {
      handle = tx;
    });
    await expect(handle!.size()).rejects.toThrow(/after its transaction ended/);
    await s.close();
  });

  it("searches exactly (ties by add order) for k beyond the index or Infinity, and scores a zero query 0", async () => {
    const s = await open(schemas.location());
    const es = ["t0", "t1", "t2"].map((t) => entry(t));
    await s.add(es, es.map(() => vectors(axis(0))));
    expect(await s.search("task", new Float32Array(D), 5)).toEqual(es.map((e) => ({ id: e.id, score: 0 })));
    expect(await s.search("task", axis(0), 2.7)).toHaveLength(2);
    expect(await s.search("task", axis(0), Number.NaN)).toEqual([]);
    await s.close();
  });

  it("never shows the password: not in location, not in errors", async () => {
    const password = "pg-Secret-4711";
    const loc = withPassword(schemas.location(), password);
    const s = await open(loc);
    expect(s.location).not.toContain(password);
    expect(s.location).toContain(":***@");
    await seed(s);
    const errors = [
      await failure(s.add([A], [vectors(axis(0))])),
      await failure(s.update(entry("nowhere"))),
      await failure(open(withPassword(withSchema(loc.replace(/\/[^/?]+\?/, "/no_such_database?"), "x"), password))),
      await failure(open(withPassword(`postgres://memp@127.0.0.1:${await deadPort()}/memp`, password))),
      await failure(open(`postgres://memp:${password}@[::1`)),
      await failure(open(withPassword(withSchema(loc, "not-an-identifier"), password))),
    ];
    for (const err of errors) {
      expect(MempError.isInstance(err)).toBe(true);
      expect(`${err.message}\n${err.stack}`).not.toContain(password);
    }
    await s.close();
  });

  it("fails fast, in one line naming the location, when nothing listens at the address", async () => {
    const loc = `postgres://memp@127.0.0.1:${await deadPort()}/memp?schema=anything`;
    const started = performance.now();
    const err = await failure(open(loc));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(InputError.isInstance(err)).toBe(true);
    expect(err.message).not.toContain("\n");
    expect(err.message).toContain(loc);
    expect(err.message).toMatch(/cannot reach the PostgreSQL server \(connection refused\); expected one accepting connections at 127\.0\.0\.1:\d+/);
    await expect(postgresBackend.peek(loc)).rejects.toSatisfy(InputError.isInstance);
  });

  it("gives up on a server that accepts the connection but never answers, after the connect timeout, in one line", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const loc = `postgres://memp:hush-hush-99@127.0.0.1:${(silent.address() as { port: number }).port}/memp`;
    try {
      const started = performance.now();
      const err = await failure(open(loc));
      expect(performance.now() - started).toBeLessThan(CONNECT_TIMEOUT_MS + 3000);
      expect(InputError.isInstance(err)).toBe(true);
      expect(err.message).toMatch(/did not accept a connection within 10 s/);
      expect(err.message).toContain("postgres://memp:***@127.0.0.1:");
      expect(err.message).not.toContain("hush-hush-99");
      expect(err.message).not.toContain("\n");
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, CONNECT_TIMEOUT_MS + 10_000);

  it("names a missing database as such", async () => {
    const url = new URL(POSTGRES_URL!);
    url.pathname = "/memp_no_such_database";
    const err = await failure(open(url.href));
    expect(InputError.isInstance(err)).toBe(true);
    expect(err.message).toMatch(/database "memp_no_such_database" does not exist/);
    expect(err.message).not.toContain("\n");
  });

  it("refuses a bad location, pool size or embedder as configuration, before connecting", async () => {
    await expect(open("postgres://memp@127.0.0.1:1/memp?schema=a&schema=b")).rejects.toThrow(/given 2 times/);
    await expect(open("postgres://memp@127.0.0.1:1/memp?schema=1abc")).rejects.toThrow(/not a plain identifier/);
    await expect(open(schemas.location(), { poolSize: 0 })).rejects.toSatisfy(ConfigError.isInstance);
    await expect(open(schemas.location(), { embedder: { id: "", dimension: 3 } })).rejects.toSatisfy(ConfigError.isInstance);
  });
});
