import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ClosedError, InputError, ReadOnlyError, StateError } from "../../core/errors.js";
import { InMemoryStore, inMemoryBackend } from "../../memory/store/in-memory.js";
import type { MemoryStore } from "../../memory/store/types.js";
import { validateStore } from "../../testing/store-conformance.js";
import { axis, makeEntry, vectorsOf } from "./helpers.js";

const D = 8;
const embedder = { id: "test-embedder", dimension: D };
const fresh = () => `memory://test-${randomUUID()}`;

validateStore(
  {
    name: "in-memory",
    create: (e) => InMemoryStore.open(fresh(), { embedder: e }),
    reopen: (store, o) => InMemoryStore.open(store.location, { readOnly: o.readOnly, embedder: o.embedder ?? store.embedder }),
    destroy: async (store) => {
      InMemoryStore.drop(store.location);
    },
    concurrentWriters: true,
  },
  { describe, it },
);

async function seeded(location = fresh()) {
  const store = await InMemoryStore.open(location, { embedder });
  const a = makeEntry("heat an egg", { facts: { object: "egg" } });
  const b = makeEntry("cool a mug", { facts: { object: "mug", place: "fridge" } });
  await store.add([a, b], [vectorsOf(axis(D, 0), undefined, { egg: axis(D, 5) }), vectorsOf(axis(D, 1), undefined, { mug: axis(D, 6), fridge: axis(D, 7) })]);
  return { store, a, b };
}

describe("InMemoryStore locations", () => {
  it("a name opened again, by a second handle or after close, is the same memory until it is dropped", async () => {
    const { store, a } = await seeded();
    const second = await InMemoryStore.open(store.location, { embedder });
    await second.incrementStats([{ id: a.id, hits: 1, successes: 1 }]);
    expect((await store.get(a.id))!.stats).toEqual({ hits: 1, successes: 1 });
    await store.close();
    await second.close();
    const again = await InMemoryStore.open(store.location, { embedder, readOnly: true });
    expect(await again.size()).toBe(2);
    expect(InMemoryStore.peek(store.location)).toEqual(embedder);
    expect(await inMemoryBackend.peek(store.location)).toEqual(embedder);
    expect(InMemoryStore.drop(store.location)).toBe(true);
    expect(InMemoryStore.drop(store.location)).toBe(false);
    expect(InMemoryStore.peek(store.location)).toBeUndefined();
    // A handle open when its memory was dropped keeps the data it had.
    expect(await again.size()).toBe(2);
    expect(await (await InMemoryStore.open(store.location, { embedder })).size()).toBe(0);
  });

  it("memory:// alone is a fresh memory each time", async () => {
    const { store } = await seeded("memory://");
    expect(store.location).toBe("memory://");
    expect(await (await InMemoryStore.open("memory://", { embedder })).size()).toBe(0);
    expect(await store.size()).toBe(2);
    expect(InMemoryStore.peek("memory://")).toBeUndefined();
  });

  it("a reader, or create: false, on a memory that does not exist is an InputError naming the location", async () => {
    const location = fresh();
    for (const options of [{ readOnly: true }, { create: false }]) {
      const err = await InMemoryStore.open(location, { embedder, ...options }).catch((e: unknown) => e);
      expect(InputError.isInstance(err)).toBe(true);
      expect((err as Error).message).toContain(location);
    }
    await expect(InMemoryStore.open("/tmp/somewhere", { embedder })).rejects.toThrow(/memory:\/\/NAME/);
  });

  it("the backend serves memory:// locations only and opens them", async () => {
    expect(inMemoryBackend.kind).toBe("in-memory");
    expect(inMemoryBackend.handles("memory://x")).toBe(true);
    expect(inMemoryBackend.handles("/tmp/memory")).toBe(false);
    expect(inMemoryBackend.handles("postgres://db/memory")).toBe(false);
    const store = await inMemoryBackend.open(fresh(), { embedder });
    expect(store.kind).toBe("in-memory");
    expect(store.shared).toBe(false);
    expect(await inMemoryBackend.peek(fresh())).toBeUndefined();
  });
});

describe("InMemoryStore copies", () => {
  it("hands out copies: changing what it returned, or what was added, changes nothing stored", async () => {
    const { store, a } = await seeded();
    const added = makeEntry("dice an onion");
    await store.add([added], [vectorsOf(axis(D, 2))]);
    added.script = "changed by the caller";
    (await store.get(a.id))!.stats.hits = 99;
    (await store.list())[0]!.task = "changed";
    const [record] = await store.retire([{ id: added.id, reason: "x" }]);
    record!.entry.script = "changed";
    const { current } = await store.update({ ...a, script: "v2" });
    current.script = "changed";
    const log = { note: "kept" };
    await store.appendLog("history", [log]);
    log.note = "changed";
    ((await store.readLog("history"))[0] as { note: string }).note = "changed";
    expect(await store.get(a.id)).toMatchObject({ task: a.task, script: "v2", stats: { hits: 0, successes: 0 } });
    expect((await store.archived())[0]!.entry.script).toBe("1. do dice an onion");
    expect(await store.readLog("history")).toEqual([{ note: "kept" }]);
  });
});

describe("InMemoryStore search", () => {
  it("a zero vector scores 0", async () => {
    const store = await InMemoryStore.open(fresh(), { embedder });
    const zero = makeEntry("zero");
    await store.add([zero], [vectorsOf(new Float32Array(D))]);
    expect(await store.search("task", axis(D, 0), 1)).toEqual([{ id: zero.id, score: 0 }]);
    expect(await store.search("task", new Float32Array(D), 1)).toEqual([{ id: zero.id, score: 0 }]);
  });

  it("factValues ties follow the values' first appearance along the entries", async () => {
    const { store } = await seeded();
    expect((await store.search("factValues", axis(D, 3), Infinity)).map((h) => h.id)).toEqual(["egg", "mug", "fridge"]);
  });

  it("refuses a query of the wrong dimension, and an entry whose fact value has no vector", async () => {
    const { store, a } = await seeded();
    await expect(store.search("task", axis(4, 0), 1)).rejects.toThrow(RangeError);
    await expect(store.update({ ...a, facts: { object: "pan" } })).rejects.toThrow(/no vector for its fact value "pan"/);
    expect(await store.get(a.id)).toEqual(a);
  });

  it("refuses an id added twice in one batch", async () => {
    const store = await InMemoryStore.open(fresh(), { embedder });
    const x = makeEntry("x");
    await expect(store.add([x, x], [vectorsOf(axis(D, 0)), vectorsOf(axis(D, 0))])).rejects.toThrow(/added twice/);
    expect(await store.size()).toBe(0);
  });
});

describe("InMemoryStore embedders", () => {
  it("a handle's staleness follows the memory: another handle's reindex makes it stale", async () => {
    const { store } = await seeded();
    const other = { id: "other", dimension: 4 };
    const second = await InMemoryStore.open(store.location, { embedder: other });
    expect(second.staleReason).toBe("the memory was indexed with embedder test-embedder (8-d), not other (4-d)");
    await expect(second.search("task", axis(4, 0), 1)).rejects.toSatisfy(StateError.isInstance);
    await second.reindex(other, [vectorsOf(axis(4, 0), undefined, { egg: axis(4, 1) }), vectorsOf(axis(4, 1), undefined, { mug: axis(4, 2), fridge: axis(4, 3) })]);
    expect(second.staleReason).toBeUndefined();
    expect(store.staleReason).toBe("the memory was indexed with embedder other (4-d), not test-embedder (8-d)");
    expect(store.embedder).toEqual(other);
  });

  it("a reader's reindex is its own: the memory keeps its vectors", async () => {
    const { store, a } = await seeded();
    const other = { id: "other", dimension: 4 };
    const reader = await InMemoryStore.open(store.location, { embedder: other, readOnly: true });
    await reader.reindex(other, [vectorsOf(axis(4, 0), undefined, { egg: axis(4, 1) }), vectorsOf(axis(4, 1), undefined, { mug: axis(4, 2), fridge: axis(4, 3) })]);
    expect(reader.staleReason).toBeUndefined();
    expect((await reader.search("task", axis(4, 0), 1))[0]!.id).toBe(a.id);
    expect(store.embedder).toEqual(embedder);
    expect(store.staleReason).toBeUndefined();
    await expect(reader.delete([a.id])).rejects.toSatisfy(ReadOnlyError.isInstance);
  });
});

describe("InMemoryStore transactions", () => {
  it("other writers wait for a transaction, and other readers see only what it committed", async () => {
    const { store, a } = await seeded();
    const second = await InMemoryStore.open(store.location, { embedder });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const tx = store.transaction(async (t) => {
      await t.incrementStats([{ id: a.id, hits: 1, successes: 0 }]);
      entered();
      await held;
      await t.incrementStats([{ id: a.id, hits: 1, successes: 0 }]);
    });
    await inside;
    const waiting = second.incrementStats([{ id: a.id, hits: 10, successes: 0 }]);
    expect((await second.get(a.id))!.stats.hits).toBe(0);
    release();
    await Promise.all([tx, waiting]);
    expect((await store.get(a.id))!.stats.hits).toBe(12);
  });

  it("a write through the store instead of tx inside its transaction is refused, not left waiting; store.transaction inside joins", async () => {
    const { store, a, b } = await seeded();
    await expect(
      store.transaction(async () => {
        await store.delete([a.id]);
      }),
    ).rejects.toSatisfy(StateError.isInstance);
    await store.transaction(async (tx) => {
      await store.transaction(async (inner) => inner.delete([a.id]));
      expect(await tx.has(a.id)).toBe(false);
    });
    expect((await store.list()).map((e) => e.id)).toEqual([b.id]);
  });

  it("the tx handle is closed once its transaction ends", async () => {
    const { store, a } = await seeded();
    let leaked!: MemoryStore;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked.get(a.id)).rejects.toSatisfy(ClosedError.isInstance);
    await expect(leaked.delete([a.id])).rejects.toSatisfy(ClosedError.isInstance);
  });

  it("close() twice is fine", async () => {
    const { store } = await seeded();
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
