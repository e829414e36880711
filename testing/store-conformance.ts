/**
 * The conformance suite of the storage contract (`MemoryStore`): one suite every backend passes,
 * as LangGraph.js validates its checkpointers. It brings no test framework of its own: the caller
 * hands in its `describe` and `it` (vitest, jest, node:test) and the checks use node:assert, so a
 * third-party backend runs it in whatever its tests already use:
 *
 *   validateStore({ name: "mine", create: ..., reopen: ..., destroy: ... }, { describe, it });
 *
 * Errors are recognised by the classes' `isInstance`, which holds across copies of this package.
 */
import assert from "node:assert/strict";
import { ClosedError, InputError, MempError, ReadOnlyError } from "../core/errors.js";
import type { EmbedderInfo, EntryVectors, MemoryStore } from "../memory/store/types.js";
import { ENTRY_SCHEMA_VERSION, type MemoryEntry } from "../memory/types.js";

export interface StoreTestInitializer {
  /** Shown in the suite's name. */
  name: string;
  /** A new, empty, writable memory for one test, indexed by `embedder`. */
  create(embedder: EmbedderInfo): Promise<MemoryStore>;
  /** The same memory opened again (the first handle may still be open when `concurrent`), e.g. with another embedder. */
  reopen(store: MemoryStore, options: { readOnly?: boolean; embedder?: EmbedderInfo }): Promise<MemoryStore>;
  /** Frees a memory after its test (drop a schema, delete a folder). */
  destroy?(store: MemoryStore): Promise<void>;
  /** Whether two writable handles may be open at once (a server backend; the local backend locks writers out). */
  concurrentWriters?: boolean;
}

/** The `describe` and `it` of the caller's test framework. */
export interface StoreTestRunner {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void>): unknown;
}

const D = 8;
const EMBEDDER: EmbedderInfo = { id: "conformance-embedder", dimension: D };
/** Another embedder, of another dimension, for the stale-index checks. */
const OTHER: EmbedderInfo = { id: "conformance-other-embedder", dimension: 4 };
/** An embedder that keeps state (as a local embedder keeps its IDF table). */
const STATEFUL: EmbedderInfo = { ...EMBEDDER, id: "conformance-stateful-embedder", state: { documents: 3, idf: { egg: 1.25, mug: 0.5 } } };
const TOLERANCE = 1e-5;
const AT = "2026-01-01T00:00:00.000Z";

/** A vector along axis `i`, with `tail` on the next axis and scaled to length `length`. */
function axis(i: number, tail = 0, length = 1, d = D): Float32Array {
  const v = new Float32Array(d);
  v[i % d] = 1;
  if (tail) v[(i + 1) % d] = tail;
  const n = Math.hypot(...v);
  return v.map((x) => (x / n) * length);
}

function vectors(task: Float32Array, facts?: Float32Array, values: Record<string, Float32Array> = {}): EntryVectors {
  return { task, facts: facts ?? task, factValues: new Map(Object.entries(values)) };
}

function entry(task: string, extra: Partial<MemoryEntry> = {}): MemoryEntry {
  return {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: `conformance-${task.replace(/\W+/g, "-")}`,
    task,
    kind: "script",
    script: `1. ${task}`,
    trajectory: null,
    facts: null,
    stats: { hits: 0, successes: 0 },
    provenance: { source: "conformance", model: null, createdAt: AT, updatedAt: AT },
    ...extra,
  };
}

/** A value as a store hands it back: through JSON, so an absent field and an undefined one agree. */
function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function near(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= TOLERANCE, `${what}: expected ${expected} (±${TOLERANCE}), got ${actual}`);
}

function nearVector(actual: Float32Array | undefined, expected: Float32Array, what: string): void {
  assert.ok(actual, `${what}: no vector`);
  assert.equal(actual.length, expected.length, `${what}: dimension`);
  expected.forEach((x, i) => near(actual[i], x, `${what}[${i}]`));
}

type ErrorClass = { name: string; isInstance(value: unknown): boolean };

async function rejectsWith(call: () => Promise<unknown>, cls: ErrorClass, what: string): Promise<void> {
  await assert.rejects(
    async () => call(),
    (err: unknown) => {
      assert.ok(cls.isInstance(err), `${what}: expected a ${cls.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      return true;
    },
    `${what}: expected a ${cls.name}, but it resolved`,
  );
}

/** Three entries: a and b have facts (sharing the value "egg"), c has none. */
const A = entry("heat an egg", { facts: { object: "egg", place: "stove" } });
const B = entry("cool an egg", { facts: { object: "egg", tool: "fridge" } });
const C = entry("clean a knife");
const A_VECTORS = vectors(axis(0), axis(4), { egg: axis(5), stove: axis(6) });
const B_VECTORS = vectors(axis(1), axis(3), { egg: axis(5), fridge: axis(7) });
const C_VECTORS = vectors(axis(2));

/** A, B and C embedded by OTHER: their task vectors reversed (C along axis 0), so a search tells the two apart. */
function otherVectors(): EntryVectors[] {
  const v = (i: number) => axis(i, 0, 1, OTHER.dimension);
  return [vectors(v(2), v(3), { egg: v(1), stove: v(3) }), vectors(v(1), v(3), { egg: v(1), fridge: v(0) }), vectors(v(0))];
}

async function seed(store: MemoryStore): Promise<void> {
  await store.add([A, B, C], [A_VECTORS, B_VECTORS, C_VECTORS]);
}

/** What a memory holds, as seen through the contract: for before/after comparisons. */
async function contents(store: MemoryStore) {
  const entries = await store.list();
  const vectorsById: Record<string, number[][]> = {};
  for (const e of entries) {
    vectorsById[e.id] = [Array.from((await store.vectorOf(e.id, "task"))!), Array.from((await store.vectorOf(e.id, "facts"))!)];
  }
  return {
    size: await store.size(),
    entries,
    vectors: vectorsById,
    taskHits: await store.search("task", axis(0, 0.5), Infinity),
    factValueHits: await store.search("factValues", axis(5, 0.5), Infinity),
    archived: await store.archived(),
    history: await store.readLog("history"),
    updates: await store.readLog("updates"),
  };
}

interface Harness {
  /** The test's memory, created empty and writable. */
  store: MemoryStore;
  /** Opens the test's memory again; the handle is closed after the test. */
  reopen(options?: { readOnly?: boolean; embedder?: EmbedderInfo }): Promise<MemoryStore>;
}

/** Registers the conformance suite of `initializer`'s backend with the caller's test runner. */
export function validateStore(initializer: StoreTestInitializer, runner: StoreTestRunner): void {
  const test = (name: string, body: (h: Harness) => Promise<void>, embedder: EmbedderInfo = EMBEDDER) =>
    runner.it(name, async () => {
      const store = await initializer.create(embedder);
      const handles = [store];
      try {
        await body({
          store,
          reopen: async (options = {}) => {
            const handle = await initializer.reopen(store, options);
            handles.push(handle);
            return handle;
          },
        });
      } finally {
        for (const h of handles) {
          try {
            await h.close();
          } catch (err) {
            if (!ClosedError.isInstance(err)) throw err;
          }
        }
        await initializer.destroy?.(store);
      }
    });

  runner.describe(`MemoryStore conformance: ${initializer.name}`, () => {
    // ---- reads and writes --------------------------------------------------------------------

    test("a new memory is empty, writable, fresh and indexed by the embedder it was created with", async ({ store }) => {
      assert.equal(typeof store.kind, "string");
      assert.ok(store.kind.length > 0, "kind");
      assert.equal(typeof store.location, "string");
      assert.ok(store.location.length > 0, "location");
      assert.equal(typeof store.shared, "boolean");
      assert.equal(store.readOnly, false);
      assert.equal(store.staleReason, undefined);
      assert.equal(store.embedder.id, EMBEDDER.id);
      assert.equal(store.embedder.dimension, EMBEDDER.dimension);
      assert.equal(await store.size(), 0);
      assert.deepEqual(await store.list(), []);
      assert.equal(await store.get(A.id), undefined);
      assert.equal(await store.has(A.id), false);
      assert.deepEqual(await store.getMany([A.id]), []);
      assert.deepEqual(await store.archived(), []);
      assert.deepEqual(await store.readLog("history"), []);
      assert.deepEqual(await store.readLog("updates"), []);
      for (const index of ["task", "facts", "factValues"] as const) assert.deepEqual(await store.search(index, axis(0), 5), [], `search ${index}`);
      assert.equal(await store.vectorOf(A.id, "task"), undefined);
    });

    test("add stores entries that get, has, size and list return as they were added, in add order", async ({ store }) => {
      await store.add([B], [B_VECTORS]);
      await store.add([C, A], [C_VECTORS, A_VECTORS]);
      await store.add([], []);
      assert.equal(await store.size(), 3);
      assert.deepEqual(await store.list(), json([B, C, A]));
      assert.deepEqual(await store.get(A.id), json(A));
      assert.equal(await store.has(C.id), true);
      assert.equal(await store.has("conformance-unknown"), false);
      assert.equal(await store.get("conformance-unknown"), undefined);
    });

    test("getMany follows the order of the ids, leaves out unknown ids and returns a duplicate once", async ({ store }) => {
      await seed(store);
      const found = await store.getMany([C.id, "conformance-unknown", A.id, C.id, B.id, A.id]);
      assert.deepEqual(found, json([C, A, B]));
      assert.deepEqual(await store.getMany([]), []);
    });

    test("vectorOf returns an entry's stored vector in each entry index, as a copy", async ({ store }) => {
      await seed(store);
      nearVector(await store.vectorOf(A.id, "task"), axis(0), "task vector");
      nearVector(await store.vectorOf(A.id, "facts"), axis(4), "facts vector");
      nearVector(await store.vectorOf(C.id, "facts"), axis(2), "facts vector of an entry without facts");
      assert.equal(await store.vectorOf("conformance-unknown", "task"), undefined);
      const copy = (await store.vectorOf(A.id, "task"))!;
      copy.fill(7);
      nearVector(await store.vectorOf(A.id, "task"), axis(0), "task vector after changing the copy");
      const hits = await store.search("task", axis(0), 1);
      assert.equal(hits[0]?.id, A.id);
      near(hits[0]?.score, 1, "score after changing the copy");
    });

    // ---- search --------------------------------------------------------------------------------

    test("search scores by cosine, whatever the lengths of the stored and query vectors, best first", async ({ store }) => {
      const es = ["same", "diagonal", "orthogonal", "opposite"].map((t) => entry(t));
      const diagonal = new Float32Array(D);
      diagonal[0] = 2;
      diagonal[1] = 2;
      await store.add(es, [vectors(axis(0, 0, 3)), vectors(diagonal), vectors(axis(1, 0, 0.5)), vectors(axis(0, 0, -2))]);
      for (const length of [1, 5, 0.001]) {
        const hits = await store.search("task", axis(0, 0, length), 10);
        assert.deepEqual(hits.map((h) => h.id), es.map((e) => e.id), `order for a query of length ${length}`);
        [1, Math.SQRT1_2, 0, -1].forEach((score, i) => near(hits[i]?.score, score, `score of ${es[i]!.task} (query length ${length})`));
      }
    });

    test("search keeps the task and facts indexes apart", async ({ store }) => {
      await seed(store);
      const facts = await store.search("facts", axis(3), 1);
      assert.equal(facts[0]?.id, B.id);
      near(facts[0]?.score, 1, "facts score");
      const task = await store.search("task", axis(3), Infinity);
      for (const h of task) near(h.score, 0, `task score of ${h.id} for a facts-only direction`);
    });

    test("search ties follow add order, and k cuts the ranking", async ({ store }) => {
      const es = ["t0", "t1", "t2", "t3"].map((t) => entry(t));
      await store.add(es.slice(0, 3), es.slice(0, 3).map(() => vectors(axis(0))));
      await store.add([es[3]!], [vectors(axis(0))]);
      const ids = es.map((e) => e.id);
      assert.deepEqual((await store.search("task", axis(0), Infinity)).map((h) => h.id), ids);
      assert.deepEqual((await store.search("task", axis(0), 2)).map((h) => h.id), ids.slice(0, 2));
      assert.deepEqual((await store.search("facts", axis(0), 3)).map((h) => h.id), ids.slice(0, 3));
    });

    test("search with k beyond the index or Infinity returns every item; k = 0 returns none", async ({ store }) => {
      await seed(store);
      for (const k of [3, 4, 100, Infinity]) {
        assert.equal((await store.search("task", axis(0), k)).length, 3, `task, k = ${k}`);
        assert.equal((await store.search("facts", axis(0), k)).length, 3, `facts, k = ${k}`);
        assert.equal((await store.search("factValues", axis(0), k)).length, 3, `factValues, k = ${k}`);
      }
      for (const index of ["task", "facts", "factValues"] as const) assert.deepEqual(await store.search(index, axis(0), 0), [], `${index}, k = 0`);
    });

    test("factValues hits are the distinct fact value texts of the live entries", async ({ store }) => {
      await seed(store);
      const hits = await store.search("factValues", axis(5), Infinity);
      assert.deepEqual(hits.map((h) => h.id).sort(), ["egg", "fridge", "stove"]);
      assert.equal(hits[0]?.id, "egg");
      near(hits[0]?.score, 1, "score of egg");
      near(hits[1]?.score, 0, "score of another value");
      const tilted = await store.search("factValues", axis(6, 0.5), 1);
      assert.equal(tilted[0]?.id, "stove");
      near(tilted[0]?.score, 1 / Math.hypot(1, 0.5), "cosine of a tilted query");

      await store.retire([{ id: A.id, reason: "conformance" }]);
      assert.deepEqual((await store.search("factValues", axis(5), Infinity)).map((h) => h.id).sort(), ["egg", "fridge"], "after retiring a");
      await store.delete([B.id]);
      assert.deepEqual(await store.search("factValues", axis(5), Infinity), [], "after deleting b");
    });

    // ---- versions, stats, logs -----------------------------------------------------------------

    test("update replaces the entry, sets its version to the stored one plus one and returns previous and current", async ({ store }) => {
      await seed(store);
      const first = await store.update({ ...A, script: "1. version two", version: 42 });
      assert.deepEqual(first.previous, json(A));
      assert.deepEqual(first.current, json({ ...A, script: "1. version two", version: 2 }));
      assert.deepEqual(await store.get(A.id), first.current);
      const second = await store.update({ ...A, script: "1. version three" });
      assert.deepEqual(second.previous, first.current);
      assert.equal(second.current.version, 3);
      assert.equal(second.current.script, "1. version three");
      assert.deepEqual(
        (await store.list()).map((e) => e.id),
        [A.id, B.id, C.id],
        "an update keeps the entry's place",
      );
      const versioned = entry("versioned", { version: 5 });
      await store.add([versioned], [vectors(axis(7))]);
      assert.equal((await store.update({ ...versioned, version: 1 })).current.version, 6);
    });

    test("update keeps the vectors unless it is given new ones", async ({ store }) => {
      await seed(store);
      await store.update({ ...A, script: "same keys" });
      nearVector(await store.vectorOf(A.id, "task"), axis(0), "task vector after an update without vectors");
      await store.update({ ...A, task: "heat an egg again", facts: { object: "egg", place: "oven" } }, vectors(axis(7), axis(6), { egg: axis(5), oven: axis(2) }));
      nearVector(await store.vectorOf(A.id, "task"), axis(7), "task vector after an update with vectors");
      nearVector(await store.vectorOf(A.id, "facts"), axis(6), "facts vector after an update with vectors");
      assert.equal((await store.search("task", axis(7), 1))[0]?.id, A.id);
      const values = (await store.search("factValues", axis(2), Infinity)).map((h) => h.id).sort();
      assert.deepEqual(values, ["egg", "fridge", "oven"]);
    });

    test("concurrent updates of one entry each get a version of their own", async ({ store }) => {
      await seed(store);
      const results = await Promise.all([1, 2, 3, 4, 5].map((i) => store.update({ ...A, script: `rewrite ${i}` })));
      assert.deepEqual(results.map((r) => r.current.version).sort((x, y) => x! - y!), [2, 3, 4, 5, 6]);
      assert.equal((await store.get(A.id))?.version, 6);
    });

    test("incrementStats adds exact sums, per entry", async ({ store }) => {
      await seed(store);
      await store.incrementStats([
        { id: A.id, hits: 2, successes: 1 },
        { id: B.id, hits: 0, successes: 0 },
        { id: A.id, hits: 3, successes: 2 },
      ]);
      await store.incrementStats([]);
      assert.deepEqual((await store.get(A.id))?.stats, { hits: 5, successes: 3 });
      assert.deepEqual((await store.get(B.id))?.stats, { hits: 0, successes: 0 });
      assert.deepEqual((await store.get(C.id))?.stats, { hits: 0, successes: 0 });
    });

    test("concurrent incrementStats calls on one handle lose no increment", async ({ store }) => {
      await seed(store);
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.incrementStats([
            { id: A.id, hits: 1, successes: i % 2 },
            { id: B.id, hits: 2, successes: 0 },
          ]),
        ),
      );
      assert.deepEqual((await store.get(A.id))?.stats, { hits: 50, successes: 25 });
      assert.deepEqual((await store.get(B.id))?.stats, { hits: 100, successes: 0 });
    });

    if (initializer.concurrentWriters) {
      test("concurrent incrementStats calls through two writable handles lose no increment", async ({ store, reopen }) => {
        await seed(store);
        const other = await reopen();
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? store : other).incrementStats([{ id: A.id, hits: 1, successes: i % 4 === 0 ? 1 : 0 }])),
        );
        assert.deepEqual((await store.get(A.id))?.stats, { hits: 40, successes: 10 });
        assert.deepEqual((await other.get(A.id))?.stats, { hits: 40, successes: 10 });
      });
    }

    test("appendLog and readLog round-trip records in order, one log apart from the other", async ({ store }) => {
      await seed(store);
      const { previous, current } = await store.update({ ...A, script: "rewritten" });
      const history = [
        { id: A.id, version: current.version, at: AT, event: "adjusted", previous },
        { id: B.id, version: 2, at: AT, event: "merged", previous: json(B), cause: { absorbed: json(C), reason: "twins" } },
      ];
      await store.appendLog("history", history.slice(0, 1));
      await store.appendLog("updates", [{ at: AT, batch: 3, added: [A.id] }]);
      await store.appendLog("history", history.slice(1));
      await store.appendLog("history", []);
      assert.deepEqual(await store.readLog("history"), json(history));
      assert.deepEqual(await store.readLog("updates"), [{ at: AT, batch: 3, added: [A.id] }]);
    });

    // ---- retire, archive, delete ---------------------------------------------------------------

    test("retire moves live entries out of retrieval into the archive and returns the archive records", async ({ store }) => {
      await seed(store);
      await store.incrementStats([{ id: A.id, hits: 4, successes: 1 }]);
      const stored = await store.get(A.id);
      const records = await store.retire([
        { id: A.id, reason: "keeps failing" },
        { id: C.id, reason: "over the cap" },
      ]);
      assert.equal(records.length, 2);
      assert.deepEqual(records[0]?.entry, stored);
      assert.equal(records[0]?.reason, "keeps failing");
      assert.deepEqual(records[1]?.entry, json(C));
      assert.equal(records[1]?.reason, "over the cap");
      for (const r of records) assert.ok(!Number.isNaN(Date.parse(r.retiredAt)), `retiredAt "${r.retiredAt}" is a date`);

      assert.deepEqual(await store.list(), json([B]));
      assert.equal(await store.size(), 1);
      assert.equal(await store.get(A.id), undefined);
      assert.equal(await store.has(A.id), false);
      assert.deepEqual(await store.getMany([A.id, B.id, C.id]), json([B]));
      assert.equal(await store.vectorOf(A.id, "task"), undefined);
      assert.deepEqual((await store.search("task", axis(0), Infinity)).map((h) => h.id), [B.id]);
      assert.deepEqual((await store.search("facts", axis(4), Infinity)).map((h) => h.id), [B.id]);
      assert.deepEqual(await store.archived(), records);
    });

    test("a retired entry added again is live, last in list order and in ties, searchable, and out of the archive", async ({ store }) => {
      const es = ["r0", "r1", "r2"].map((t) => entry(t));
      await store.add(es, es.map(() => vectors(axis(0))));
      await store.retire([{ id: es[0]!.id, reason: "conformance" }]);
      await store.add([es[0]!], [vectors(axis(0))]);
      const order = [es[1]!.id, es[2]!.id, es[0]!.id];
      assert.deepEqual((await store.list()).map((e) => e.id), order);
      assert.deepEqual((await store.search("task", axis(0), Infinity)).map((h) => h.id), order);
      assert.equal(await store.has(es[0]!.id), true);
      assert.deepEqual(await store.archived(), []);
    });

    test("archived lists the latest retirement of each id not live again, oldest first", async ({ store }) => {
      await seed(store);
      await store.retire([{ id: A.id, reason: "first" }]);
      await store.retire([{ id: B.id, reason: "second" }]);
      await store.add([A], [A_VECTORS]);
      await store.retire([{ id: A.id, reason: "third" }]);
      await store.retire([{ id: C.id, reason: "fourth" }]);
      await store.add([C], [C_VECTORS]);
      const archived = await store.archived();
      assert.deepEqual(archived.map((r) => [r.entry.id, r.reason]), [
        [B.id, "second"],
        [A.id, "third"],
      ]);
    });

    test("delete removes live entries for good, unarchived, and returns how many there were", async ({ store }) => {
      await seed(store);
      assert.equal(await store.delete([A.id, "conformance-unknown", A.id, C.id]), 2);
      assert.equal(await store.delete([]), 0);
      assert.equal(await store.delete([A.id]), 0);
      assert.deepEqual(await store.list(), json([B]));
      assert.deepEqual(await store.archived(), []);
      assert.equal(await store.vectorOf(C.id, "facts"), undefined);
      assert.deepEqual((await store.search("task", axis(0), Infinity)).map((h) => h.id), [B.id]);
    });

    // ---- transactions --------------------------------------------------------------------------

    test("a transaction's writes all land when it resolves, and it returns what its function returns", async ({ store }) => {
      await seed(store);
      const D_ENTRY = entry("dice an onion");
      const result = await store.transaction(async (tx) => {
        await tx.add([D_ENTRY], [vectors(axis(7))]);
        await tx.update({ ...B, script: "in a transaction" });
        await tx.incrementStats([{ id: A.id, hits: 1, successes: 1 }]);
        await tx.retire([{ id: C.id, reason: "in a transaction" }]);
        await tx.delete([A.id]);
        await tx.appendLog("history", [{ note: "in a transaction" }]);
        return "done";
      });
      assert.equal(result, "done");
      assert.deepEqual((await store.list()).map((e) => e.id), [B.id, D_ENTRY.id]);
      assert.equal((await store.get(B.id))?.version, 2);
      assert.deepEqual((await store.archived()).map((r) => r.entry.id), [C.id]);
      assert.deepEqual(await store.readLog("history"), [{ note: "in a transaction" }]);
      assert.equal((await store.search("task", axis(7), 1))[0]?.id, D_ENTRY.id);
    });

    test("reads through the transaction handle see the transaction's own writes", async ({ store }) => {
      await seed(store);
      const D_ENTRY = entry("dice an onion", { facts: { object: "onion" } });
      await store.transaction(async (tx) => {
        await tx.add([D_ENTRY], [vectors(axis(7), axis(7), { onion: axis(2) })]);
        assert.deepEqual(await tx.get(D_ENTRY.id), json(D_ENTRY));
        assert.equal(await tx.has(D_ENTRY.id), true);
        assert.equal(await tx.size(), 4);
        assert.deepEqual((await tx.getMany([D_ENTRY.id])).map((e) => e.id), [D_ENTRY.id]);
        assert.equal((await tx.list()).at(-1)?.id, D_ENTRY.id);
        assert.equal((await tx.search("task", axis(7), 1))[0]?.id, D_ENTRY.id);
        assert.equal((await tx.search("factValues", axis(2), 1))[0]?.id, "onion");
        nearVector(await tx.vectorOf(D_ENTRY.id, "task"), axis(7), "vector written in the transaction");
        await tx.update({ ...A, script: "in a transaction" });
        assert.equal((await tx.get(A.id))?.version, 2);
        await tx.incrementStats([{ id: B.id, hits: 2, successes: 1 }]);
        assert.deepEqual((await tx.get(B.id))?.stats, { hits: 2, successes: 1 });
        await tx.retire([{ id: C.id, reason: "in a transaction" }]);
        assert.equal(await tx.has(C.id), false);
        assert.deepEqual((await tx.archived()).map((r) => r.entry.id), [C.id]);
        await tx.appendLog("updates", [{ note: "in a transaction" }]);
        assert.deepEqual(await tx.readLog("updates"), [{ note: "in a transaction" }]);
      });
    });

    test("a transaction that throws changes nothing (entries, stats, vectors, logs, archive) and its error propagates", async ({ store }) => {
      await seed(store);
      await store.retire([{ id: C.id, reason: "before" }]);
      await store.appendLog("history", [{ note: "before" }]);
      const before = await contents(store);
      const boom = new Error("conformance: thrown inside the transaction");
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.add([entry("dice an onion")], [vectors(axis(0, 0.5))]);
          await tx.update({ ...A, script: "never lands" }, vectors(axis(3), axis(3), { egg: axis(1), stove: axis(0) }));
          await tx.incrementStats([{ id: B.id, hits: 5, successes: 5 }]);
          await tx.retire([{ id: B.id, reason: "never lands" }]);
          await tx.add([C], [C_VECTORS]);
          await tx.delete([A.id]);
          await tx.appendLog("history", [{ note: "never lands" }]);
          await tx.appendLog("updates", [{ note: "never lands" }]);
          throw boom;
        }),
        (err: unknown) => err === boom,
      );
      assert.deepEqual(await contents(store), before);

      await rejectsWith(
        () =>
          store.transaction(async (tx) => {
            await tx.incrementStats([{ id: A.id, hits: 1, successes: 0 }]);
            await tx.incrementStats([{ id: "conformance-unknown", hits: 1, successes: 0 }]);
          }),
        InputError,
        "a transaction whose write fails",
      );
      assert.deepEqual(await contents(store), before);
    });

    test("a nested transaction joins the outer one: its writes land with it, or not at all", async ({ store }) => {
      const [x, y, z] = ["x", "y", "z"].map((t) => entry(t));
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.transaction(async (inner) => inner.add([x!], [vectors(axis(0))]));
          throw new Error("conformance: outer failure");
        }),
        /outer failure/,
      );
      assert.deepEqual(await store.list(), [], "the inner writes are undone with the outer transaction");
      await store.transaction(async (tx) => {
        await tx.add([y!], [vectors(axis(1))]);
        await tx.transaction(async (inner) => inner.add([z!], [vectors(axis(2))]));
      });
      assert.deepEqual((await store.list()).map((e) => e.id), [y!.id, z!.id]);
    });

    test("lock inside a transaction takes known and unknown ids alike", async ({ store }) => {
      await seed(store);
      await store.transaction(async (tx) => {
        await tx.lock([B.id, "conformance-unknown", A.id, B.id]);
        await tx.lock([]);
        await tx.incrementStats([{ id: A.id, hits: 1, successes: 0 }]);
      });
      assert.deepEqual((await store.get(A.id))?.stats, { hits: 1, successes: 0 });
    });

    test("concurrent transactions that lock an entry and rewrite it lose none of each other's writes", async ({ store }) => {
      await seed(store);
      await Promise.all(
        Array.from({ length: 6 }, () =>
          store.transaction(async (tx) => {
            await tx.lock([A.id]);
            const current = (await tx.get(A.id))!;
            await tx.update({ ...current, stats: { hits: current.stats.hits + 1, successes: current.stats.successes } });
          }),
        ),
      );
      const a = await store.get(A.id);
      assert.deepEqual(a?.stats, { hits: 6, successes: 0 });
      assert.equal(a?.version, 7);
    });

    // ---- errors --------------------------------------------------------------------------------

    test("adding a live id is an InputError and adds nothing of its batch", async ({ store }) => {
      await seed(store);
      const [x, y] = [entry("x"), entry("y")];
      await rejectsWith(() => store.add([x, A, y], [vectors(axis(1)), A_VECTORS, vectors(axis(2))]), InputError, "add of a live id");
      assert.equal(await store.has(x.id), false);
      assert.equal(await store.has(y.id), false);
      assert.deepEqual(await store.list(), json([A, B, C]));
    });

    test("an unknown id in update, incrementStats or retire is an InputError and nothing is applied", async ({ store }) => {
      await seed(store);
      await store.retire([{ id: C.id, reason: "retired" }]);
      const before = await contents(store);
      await rejectsWith(() => store.update(entry("conformance unknown")), InputError, "update of an unknown id");
      await rejectsWith(() => store.update({ ...C, script: "retired" }), InputError, "update of a retired id");
      await rejectsWith(
        () => store.incrementStats([{ id: A.id, hits: 1, successes: 1 }, { id: "conformance-unknown", hits: 1, successes: 0 }]),
        InputError,
        "incrementStats of an unknown id",
      );
      await rejectsWith(
        () => store.retire([{ id: A.id, reason: "x" }, { id: "conformance-unknown", reason: "x" }]),
        InputError,
        "retire of an unknown id",
      );
      await rejectsWith(() => store.retire([{ id: C.id, reason: "again" }]), InputError, "retire of a retired id");
      assert.deepEqual(await contents(store), before);
    });

    test("a read-only handle reads everything and refuses every write with a ReadOnlyError", async ({ store, reopen }) => {
      await seed(store);
      await store.retire([{ id: C.id, reason: "retired" }]);
      await store.appendLog("history", [{ note: "kept" }]);
      const before = await contents(store);
      await store.close();
      const reader = await reopen({ readOnly: true });
      assert.equal(reader.readOnly, true);
      assert.equal(reader.staleReason, undefined);
      assert.deepEqual(await contents(reader), before);
      assert.deepEqual(await reader.getMany([B.id, A.id]), json([B, A]));
      assert.equal(await reader.has(A.id), true);
      const writes: Array<[string, () => Promise<unknown>]> = [
        ["add", () => reader.add([entry("x")], [vectors(axis(1))])],
        ["update", () => reader.update({ ...A, script: "x" })],
        ["incrementStats", () => reader.incrementStats([{ id: A.id, hits: 1, successes: 0 }])],
        ["retire", () => reader.retire([{ id: A.id, reason: "x" }])],
        ["delete", () => reader.delete([A.id])],
        ["appendLog", () => reader.appendLog("history", [{ note: "x" }])],
        ["a write in a transaction", () => reader.transaction((tx) => tx.delete([A.id]))],
      ];
      for (const [name, write] of writes) await rejectsWith(write, ReadOnlyError, `read-only ${name}`);
      assert.deepEqual(await contents(reader), before);
      await reader.close();
      assert.deepEqual(await contents(await reopen()), before);
    });

    test("a read-only handle's reindex, if it is allowed, changes only what that handle sees", async ({ store, reopen }) => {
      await seed(store);
      const before = await contents(store);
      await store.close();
      const reader = await reopen({ readOnly: true, embedder: OTHER });
      assert.ok(reader.staleReason, "a reader with another embedder sees a stale index");
      try {
        await reader.reindex(OTHER, otherVectors());
      } catch (err) {
        assert.ok(MempError.isInstance(err), `a refused reindex is a MempError, not ${String(err)}`);
      }
      await reader.close();
      const writer = await reopen({ embedder: EMBEDDER });
      assert.equal(writer.staleReason, undefined);
      assert.equal(writer.embedder.id, EMBEDDER.id);
      assert.deepEqual(await contents(writer), before);
    });

    test("every call after close is a ClosedError", async ({ store }) => {
      await seed(store);
      await store.close();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["size", () => store.size()],
        ["get", () => store.get(A.id)],
        ["getMany", () => store.getMany([A.id])],
        ["has", () => store.has(A.id)],
        ["list", () => store.list()],
        ["add", () => store.add([entry("x")], [vectors(axis(1))])],
        ["update", () => store.update({ ...A, script: "x" })],
        ["incrementStats", () => store.incrementStats([{ id: A.id, hits: 1, successes: 0 }])],
        ["retire", () => store.retire([{ id: A.id, reason: "x" }])],
        ["archived", () => store.archived()],
        ["delete", () => store.delete([A.id])],
        ["reindex", () => store.reindex(EMBEDDER, [A_VECTORS, B_VECTORS, C_VECTORS])],
        ["vectorOf", () => store.vectorOf(A.id, "task")],
        ["search", () => store.search("task", axis(0), 1)],
        ["appendLog", () => store.appendLog("history", [{ note: "x" }])],
        ["readLog", () => store.readLog("history")],
        ["transaction", () => store.transaction(async () => undefined)],
        ["lock", () => store.lock([A.id])],
      ];
      for (const [name, call] of calls) await rejectsWith(call, ClosedError, `${name} after close`);
    });

    // ---- reopening -----------------------------------------------------------------------------

    test("everything survives close and reopen: entries and their order, stats, versions, vectors, logs, archive", async ({ store, reopen }) => {
      await seed(store);
      await store.incrementStats([{ id: B.id, hits: 3, successes: 2 }]);
      await store.update({ ...B, script: "rewritten" });
      await store.retire([{ id: A.id, reason: "to restore" }, { id: C.id, reason: "to keep retired" }]);
      await store.add([A], [A_VECTORS]);
      await store.appendLog("history", [{ id: B.id, version: 2, event: "adjusted" }]);
      await store.appendLog("updates", [{ at: AT, batch: 1 }]);
      const before = await contents(store);
      assert.deepEqual(before.entries.map((e) => e.id), [B.id, A.id]);
      await store.close();
      const again = await reopen();
      assert.equal(again.staleReason, undefined);
      assert.equal(again.embedder.id, EMBEDDER.id);
      assert.equal(again.embedder.dimension, EMBEDDER.dimension);
      assert.deepEqual(await contents(again), before);
      await again.close();
      assert.deepEqual(await contents(await reopen({ readOnly: true })), before);
    });

    test("the embedder, with its state, is kept and survives reopen", async ({ store, reopen }) => {
      assert.deepEqual(json(store.embedder), json(STATEFUL));
      await seed(store);
      await store.close();
      const again = await reopen();
      assert.deepEqual(json(again.embedder), json(STATEFUL));
      assert.equal(again.staleReason, undefined);
      if (again.shared) return;
      const refitted = { ...STATEFUL, state: { documents: 4, idf: { egg: 1.5 } } };
      await again.reindex(refitted, [A_VECTORS, B_VECTORS, C_VECTORS]);
      assert.deepEqual(json(again.embedder), json(refitted));
      await again.close();
      assert.deepEqual(json((await reopen()).embedder), json(refitted));
    }, STATEFUL);

    test("reopening with another embedder marks the vectors stale; reindex with it clears that and search uses the new vectors", async ({ store, reopen }) => {
      await seed(store);
      await store.close();
      const stale = await reopen({ embedder: OTHER });
      assert.equal(typeof stale.staleReason, "string");
      assert.ok(stale.staleReason!.length > 0, "staleReason says why");
      await assert.rejects(
        async () => stale.search("task", axis(0, 0, 1, OTHER.dimension), 1),
        (err: unknown) => MempError.isInstance(err),
        "a stale index is not searched",
      );
      // A shared memory's embedder is fixed when it is created (the contract): nothing re-embeds it.
      if (stale.shared) return;
      await stale.reindex(OTHER, otherVectors());
      assert.equal(stale.staleReason, undefined);
      assert.equal(stale.embedder.id, OTHER.id);
      assert.equal(stale.embedder.dimension, OTHER.dimension);
      const hits = await stale.search("task", axis(0, 0, 1, OTHER.dimension), 1);
      assert.equal(hits[0]?.id, C.id);
      near(hits[0]?.score, 1, "score with the new vectors");
      nearVector(await stale.vectorOf(A.id, "task"), axis(2, 0, 1, OTHER.dimension), "task vector after reindex");
      await stale.close();
      const again = await reopen({ embedder: OTHER });
      assert.equal(again.staleReason, undefined);
      assert.equal((await again.search("task", axis(0, 0, 1, OTHER.dimension), 1))[0]?.id, C.id);
      await again.close();
      assert.ok((await reopen({ embedder: EMBEDDER })).staleReason, "the first embedder is stale now");
    });
  });
}

