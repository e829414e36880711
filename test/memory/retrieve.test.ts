import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { formatGuidelines, GUIDELINES_HEADER, retrieveMemory } from "../../memory/retrieve/index.js";
import { makeEntry, tempDir } from "./helpers.js";

const TASKS = [
  "put a clean mug in coffeemachine",
  "heat some egg and put it in garbagecan",
  "cool some apple and put it in fridge",
  "examine the book with the desklamp",
  "find two pillow and put them in sofa",
  "put a hot potato in countertop",
];

async function bankWith(facts: Array<Record<string, string> | null> = []) {
  const bank = await MemoryBank.open(tempDir(), { embeddings: { embeddings: new LocalHashEmbeddings(), id: "local" } });
  await bank.add(TASKS.map((t, i) => makeEntry(t, { facts: facts[i] ?? null })));
  return bank;
}

describe("query retrieval", () => {
  it("ranks by similarity of the task text, scores descending", async () => {
    const bank = await bankWith();
    const hits = await retrieveMemory(bank, "query", { task: "put a clean cup into the coffeemachine", k: 3 });
    expect(hits[0]!.entry.task).toBe("put a clean mug in coffeemachine");
    expect(hits.map((h) => h.score!)).toEqual([...hits.map((h) => h.score!)].sort((a, b) => b - a));
    await bank.close();
  });

  it("applies the threshold", async () => {
    const bank = await bankWith();
    const all = await retrieveMemory(bank, "query", { task: "examine the book with the desklamp", k: 6 });
    const cut = (all[0]!.score! + all[1]!.score!) / 2;
    const kept = await retrieveMemory(bank, "query", { task: "examine the book with the desklamp", k: 6, threshold: cut });
    expect(kept.map((h) => h.entry.task)).toEqual(["examine the book with the desklamp"]);
    await bank.close();
  });
});

describe("random retrieval", () => {
  it("is deterministic for a seed and task, distinct entries, varies with the seed", async () => {
    const bank = await bankWith();
    const a = await retrieveMemory(bank, "random", { task: "x", k: 3, seed: 7 });
    const b = await retrieveMemory(bank, "random", { task: "x", k: 3, seed: 7 });
    expect(a.map((h) => h.entry.id)).toEqual(b.map((h) => h.entry.id));
    expect(new Set(a.map((h) => h.entry.id)).size).toBe(3);
    expect(a.every((h) => h.score === null)).toBe(true);
    const seeds = await Promise.all([1, 2, 3, 4, 5].map((seed) => retrieveMemory(bank, "random", { task: "x", k: 3, seed })));
    expect(new Set(seeds.map((s) => s.map((h) => h.entry.id).join())).size).toBeGreaterThan(1);
    expect(await retrieveMemory(bank, "random", { task: "x", k: 100 })).toHaveLength(TASKS.length);
    await bank.close();
  });
});

const FACTS: Array<Record<string, string>> = [
  { object: "mug", target: "coffeemachine", state: "clean" },
  { object: "egg", target: "garbagecan", state: "hot" },
  { object: "apple", target: "fridge", state: "cool" },
  { object: "book", tool: "desklamp" },
  { object: "pillow", target: "sofa" },
  { object: "potato", target: "countertop", state: "hot" },
];

describe("facts retrieval", () => {
  it("uses the caller's facts without a model", async () => {
    const bank = await bankWith(FACTS);
    const hits = await retrieveMemory(bank, "facts", { task: "whatever", k: 1, facts: { object: "apple", target: "fridge", state: "cool" } });
    expect(hits[0]!.entry.task).toBe("cool some apple and put it in fridge");
    await bank.close();
  });

  it("asks the model for the task's facts when none are given", async () => {
    const bank = await bankWith(FACTS);
    const model = fakeModel().respond(new AIMessage('{"facts": {"object": "egg", "target": "garbagecan", "state": "hot"}}'));
    const hits = await retrieveMemory(bank, "facts", { task: "heat an egg then bin it", k: 1 }, { model });
    expect(hits[0]!.entry.task).toBe("heat some egg and put it in garbagecan");
    expect(String(model.calls[0]!.messages[1]!.content)).toContain("Task: heat an egg then bin it");
    await bank.close();
  });

  it("explains that facts or a model are needed", async () => {
    const bank = await bankWith(FACTS);
    await expect(retrieveMemory(bank, "ave_fact", { task: "t", k: 1 })).rejects.toThrow(/need the task's facts or a chat model/);
    await bank.close();
  });
});

describe("ave_fact retrieval", () => {
  it("scores the mean cosine over shared keys and leaves out entries sharing none", async () => {
    const bank = await bankWith(FACTS);
    const hits = await retrieveMemory(bank, "ave_fact", { task: "t", k: 10, facts: { tool: "desklamp", state: "hot" } });
    // Only entries with a `tool` or `state` key take part.
    expect(hits.map((h) => h.entry.task).sort()).toEqual(
      ["cool some apple and put it in fridge", "examine the book with the desklamp", "heat some egg and put it in garbagecan", "put a clean mug in coffeemachine", "put a hot potato in countertop"].sort(),
    );
    // Identical values have cosine 1, so exact matches tie at the top.
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    expect(hits.slice(0, 3).map((h) => h.entry.task).sort()).toEqual(
      ["examine the book with the desklamp", "heat some egg and put it in garbagecan", "put a hot potato in countertop"].sort(),
    );
    const q = await bank.embedTexts(["desklamp", "hot"]);
    const mugState = await bank.embedText("clean");
    const expected = q[1]!.reduce((s, v, i) => s + v * mugState[i]!, 0);
    expect(hits.find((h) => h.entry.task.includes("mug"))!.score).toBeCloseTo(expected, 5);
    await bank.close();
  });
});

describe("formatGuidelines", () => {
  it("renders MemP's guideline list", () => {
    const a = makeEntry("clean a mug", { script: "1. find mug", trajectory: [{ action: "go to sink 1", observation: "ok" }], kind: "proceduralization" });
    const out = formatGuidelines([{ entry: a, score: 1 }]);
    expect(out.startsWith(`${GUIDELINES_HEADER}\n[`)).toBe(true);
    expect(JSON.parse(out.slice(GUIDELINES_HEADER.length + 1))).toEqual([
      { task_name: "clean a mug", guidelines: "1. find mug\n\nExample run:\nAction: go to sink 1\nObservation: ok" },
    ]);
    expect(formatGuidelines([])).toBe("");
  });
});
