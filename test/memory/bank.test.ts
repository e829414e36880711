import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { makeEntry, tempDir } from "./helpers.js";

const local = (dimension = 384) => {
  const embeddings = new LocalHashEmbeddings({ dimension });
  return { embeddings, id: embeddings.id };
};

describe("MemoryBank", () => {
  it("fits the local embedder's IDF as the memory doubles, and reopens with the same vectors", async () => {
    const dir = tempDir();
    const bank = await MemoryBank.open(dir, { embeddings: local() });
    await bank.add([makeEntry("put a mug in the sink")]);
    const firstId = bank.embedderId;
    expect(firstId).toMatch(/:idf-[0-9a-f]{8}$/);
    await bank.add([makeEntry("heat an egg")]); // 2 >= 2 * 1: refit
    const secondId = bank.embedderId;
    expect(secondId).not.toBe(firstId);
    await bank.add([makeEntry("cool an apple")]); // 3 < 2 * 2: keep
    expect(bank.embedderId).toBe(secondId);
    const before = (await bank.embedText("heat")).slice();
    await bank.close();

    const reader = await MemoryBank.open(dir, { embeddings: local(), readOnly: true });
    expect(reader.embedderId).toBe(secondId);
    expect(reader.store.staleReason).toBeUndefined();
    expect(Array.from(await reader.embedText("heat"))).toEqual(Array.from(before));
    await reader.close();
  });

  it("re-embeds everything when opened with another embedder, and persists that", async () => {
    const dir = tempDir();
    const bank = await MemoryBank.open(dir, { embeddings: local(384) });
    await bank.add([makeEntry("put a mug in the sink"), makeEntry("heat an egg")]);
    await bank.close();
    const other = await MemoryBank.open(dir, { embeddings: local(64) });
    expect(other.store.embedder.dimension).toBe(64);
    const hits = await other.store.search("task", await other.embedText("heat an egg"), 1);
    expect((await other.store.get(hits[0]!.id))!.task).toBe("heat an egg");
    await other.close();
    expect(LocalMemoryStore.peek(dir)!.embedder.dimension).toBe(64);
  });

  it("a read-only open of a stale memory reindexes in memory only", async () => {
    const dir = tempDir();
    const bank = await MemoryBank.open(dir, { embeddings: local(384) });
    await bank.add([makeEntry("put a mug in the sink")]);
    await bank.close();
    const reader = await MemoryBank.open(dir, { embeddings: local(32), readOnly: true });
    expect(await reader.store.search("task", await reader.embedText("mug"), 1)).toHaveLength(1);
    await reader.close();
    expect(LocalMemoryStore.peek(dir)!.embedder.dimension).toBe(384);
  });
});

describe("LocalHashEmbeddings", () => {
  it("is deterministic, unit-length, and puts similar tasks closer", async () => {
    const e = new LocalHashEmbeddings();
    const [a, b, c] = await e.embedDocuments(["put a clean mug in coffeemachine", "clean some mug and put it in coffeemachine", "examine the book with the desklamp"]);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.3);
    expect(await e.embedQuery("put a clean mug in coffeemachine")).toEqual(a);
    expect(Array.from(new LocalHashEmbeddings().embedSync("x y"))).toEqual(Array.from(e.embedSync("x y")));
  });

  it("weighs rare words more once fitted", () => {
    const corpus = ["put a mug in the sink", "put a pan in the sink", "put a cup in the sink", "heat a mug"];
    const fitted = new LocalHashEmbeddings().fit(corpus);
    const plain = new LocalHashEmbeddings();
    const sim = (e: LocalHashEmbeddings, x: string, y: string) => e.embedSync(x).reduce((s, v, i) => s + v * e.embedSync(y)[i]!, 0);
    // "sink" is everywhere, "mug" is not: after fitting, sharing "mug" matters more than sharing "sink".
    expect(sim(fitted, "mug", "heat a mug") - sim(fitted, "sink", "put a pan in the sink")).toBeGreaterThan(
      sim(plain, "mug", "heat a mug") - sim(plain, "sink", "put a pan in the sink"),
    );
    expect(fitted.id).not.toBe(plain.id);
    expect(new LocalHashEmbeddings({ idf: fitted.idf }).id).toBe(fitted.id);
  });
});
