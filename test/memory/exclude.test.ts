import { describe, expect, it, vi } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { excludeSource, retrieveMemory, type RetrievePolicyName } from "../../memory/retrieve/index.js";
import type { MemoryEntry } from "../../memory/types.js";
import { makeEntry, tempDir } from "./helpers.js";

const TASKS = [
  "put a clean mug in coffeemachine",
  "put a clean cup in coffeemachine",
  "put a clean pan in coffeemachine",
  "heat some egg and put it in garbagecan",
  "cool some apple and put it in fridge",
  "examine the book with the desklamp",
];
const FACTS = (t: string) => ({ object: t.split(" ")[3]!, target: t.split(" ").at(-1)! });
const QUERY = "put a clean mug in the coffeemachine";

async function bank(): Promise<MemoryBank> {
  const b = await MemoryBank.open(tempDir(), { embeddings: { embeddings: new LocalHashEmbeddings(), id: "local" } });
  await b.add(
    TASKS.map((t, i) =>
      makeEntry(t, { facts: FACTS(t), provenance: { source: "test", model: null, env: "alfworld", game: `game-${i}`, createdAt: "", updatedAt: "" } }),
    ),
  );
  return b;
}

const requests: Record<RetrievePolicyName, { task: string; facts?: Record<string, string> }> = {
  random: { task: QUERY },
  query: { task: QUERY },
  facts: { task: QUERY, facts: { object: "mug", target: "coffeemachine" } },
  ave_fact: { task: QUERY, facts: { object: "mug", target: "coffeemachine" } },
};

describe("retrieval with exclude", () => {
  for (const policy of ["query", "facts", "ave_fact"] as const) {
    it(`${policy}: still returns k entries, the best of those not excluded, in order`, async () => {
      const b = await bank();
      const all = await retrieveMemory(b, policy, { ...requests[policy], k: TASKS.length });
      // Exclude the top three, so that a first search of width k = 2 finds nothing usable.
      const banned = new Set(all.slice(0, 3).map((h) => h.entry.id));
      const search = vi.spyOn(b.store, "search");
      const hits = await retrieveMemory(b, policy, { ...requests[policy], k: 2, exclude: (e) => banned.has(e.id) });
      expect(hits.map((h) => h.entry.id)).toEqual(all.slice(3, 5).map((h) => h.entry.id));
      expect(hits.map((h) => h.score)).toEqual(all.slice(3, 5).map((h) => h.score));
      if (policy === "ave_fact") {
        // ave_fact scores every stored fact value once per fact key of the task, then ranks the entries.
        expect(search.mock.calls.map((c) => [c[0], c[2]])).toEqual([
          ["factValues", Infinity],
          ["factValues", Infinity],
        ]);
      } else {
        // The request grew (2, 4, then the whole store) rather than asking for everything at once.
        expect(search.mock.calls.map((c) => [c[0], c[2]])).toEqual([2, 4, 6].map((n) => [policy === "query" ? "task" : "facts", n]));
      }
      await b.close();
    });
  }

  it("returns what is left when fewer than k entries are not excluded, and honours the threshold", async () => {
    const b = await bank();
    const keep = new Set([TASKS[0], TASKS[4]]);
    const exclude = (e: MemoryEntry) => !keep.has(e.task);
    const hits = await retrieveMemory(b, "query", { task: QUERY, k: 4, exclude });
    expect(hits.map((h) => h.entry.task)).toEqual([TASKS[0], TASKS[4]]);
    const cut = (hits[0]!.score! + hits[1]!.score!) / 2;
    expect((await retrieveMemory(b, "query", { task: QUERY, k: 4, exclude, threshold: cut })).map((h) => h.entry.task)).toEqual([TASKS[0]]);
    await b.close();
  });

  it("random samples among the entries not excluded only", async () => {
    const b = await bank();
    const exclude = (e: MemoryEntry) => e.task.includes("coffeemachine");
    for (let seed = 0; seed < 20; seed++) {
      const hits = await retrieveMemory(b, "random", { task: QUERY, k: 2, seed, exclude });
      expect(hits).toHaveLength(2);
      expect(hits.some((h) => exclude(h.entry))).toBe(false);
    }
    const rest = await retrieveMemory(b, "random", { task: QUERY, k: 10, exclude });
    expect(rest.map((h) => h.entry.task).sort()).toEqual(TASKS.slice(3).sort());
    await b.close();
  });
});

describe("excludeSource", () => {
  it("drops the entries built from the episode's own source, not others with the same task text", async () => {
    const b = await bank();
    const prov = (env: string, game: string) => ({ source: "run", model: null, env, game, createdAt: "", updatedAt: "" });
    // Same task text as game-0, from another trial, built another way (so it has its own id).
    await b.add([makeEntry(TASKS[0]!, { trajectory: [{ action: "go to coffeemachine 1", observation: "ok" }], script: null, provenance: prov("alfworld", "game-9") }, "trajectory")]);
    const hits = await retrieveMemory(b, "query", { task: TASKS[0]!, k: 2, exclude: excludeSource("alfworld", "game-0") });
    expect(hits[0]!.entry.task).toBe(TASKS[0]);
    expect(hits[0]!.entry.provenance.game).toBe("game-9");
    expect(hits.some((h) => h.entry.provenance.game === "game-0")).toBe(false);

    const own = excludeSource("alfworld", "travelplanner/validation/3");
    expect(own(makeEntry("t", { provenance: prov("alfworld", "travelplanner/validation/3") }))).toBe(true);
    expect(own(makeEntry("t", { provenance: prov("travelplanner", "travelplanner/validation/3") }))).toBe(false);
    expect(excludeSource(undefined, "game-0")(makeEntry("t", { provenance: prov("travelplanner", "game-0") }))).toBe(true);
    expect(excludeSource(undefined, "game-0")(makeEntry("t", { provenance: { source: "s", model: null, createdAt: "", updatedAt: "" } }))).toBe(false);
    await b.close();
  });
});
