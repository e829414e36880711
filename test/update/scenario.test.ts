import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { Embeddings } from "@langchain/core/embeddings";
import { describe, expect, it, vi } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { archivedEntries, entryHistory, restoreEntry, updateMemory, type FinishedTask, type UpdateOptions } from "../../memory/update/index.js";
import { entryId } from "../../memory/types.js";
import { answering, tempDir } from "../memory/helpers.js";

const text = (messages: BaseMessage[]) => messages.map((m) => String(m.content)).join("\n");
const model = () =>
  answering((messages) => {
    const prompt = text(messages);
    if (prompt.includes('{"analysis"')) {
      const failed = /The task it was shown for: (.*)/.exec(prompt)![1];
      return new AIMessage(JSON.stringify({ analysis: `the entry skipped a step needed by ${failed}`, procedure: [`revised for ${failed}`], pitfalls: [] }));
    }
    return new AIMessage(JSON.stringify({ procedure: [`do ${/Task: (.*)/.exec(prompt)![1]}`], pitfalls: [] }));
  });

const task = (t: string, success: boolean, retrieved: string[] = []): FinishedTask => ({
  trajectory: { task: t, success, steps: [{ action: `act on ${t}`, observation: success ? "done" : "Nothing happens." }] },
  retrieved,
  source: `results.jsonl:${t}`,
});
const id = (t: string) => entryId("script", t);

const A = "put a clean mug in coffeemachine", A2 = "put a clean mug in coffeemachine.", B = "heat some egg and put it in garbagecan";
const C = "cool a tomato and put it in fridge", D = "heat some potato and put it in countertop", E = "heat an apple and put it in diningtable";
const F = "examine the alarmclock with the desklamp", G = "heat some cup and put it in cabinet", H = "put two pillow in sofa";
const I = "find some soapbar and put it in toilet", J = "put a clean knife in drawer", K = "examine the pen with the desklamp";

describe("a scripted online run over 5 batches (adjustment policy)", () => {
  it("keeps exact stats, deprecates, adjusts with history, merges, respects the cap, and logs every update", async () => {
    const embeddings = new LocalHashEmbeddings();
    const dir = tempDir();
    const bank = await MemoryBank.open(dir, { embeddings: { embeddings, id: embeddings.id } });
    const options: UpdateOptions = { policy: "adjustment", model: model(), modelName: "fake-reflector", buildKind: "script", mergeThreshold: 0.95, maxEntries: 4 };

    // Batch 1: two successes are added; the failure is not (adjustment keeps successes).
    const r1 = await updateMemory(bank, [task(A, true), task(B, true), task(C, false)], options);
    expect(r1.added.sort()).toEqual([id(A), id(B)].sort());
    expect(await bank.store.size()).toBe(2);

    // Batch 2: A is shown twice to one task (counts once); B misleads D and is adjusted; A2 merges into A.
    const r2 = await updateMemory(bank, [task(A2, true, [id(A), id(A)]), task(D, false, [id(B)])], options);
    expect(r2.stats).toEqual(expect.arrayContaining([{ id: id(A), hits: 1, successes: 1 }, { id: id(B), hits: 1, successes: 0 }]));
    expect(r2.adjusted).toEqual([id(B)]);
    expect(r2.merged).toEqual([{ kept: id(A), absorbed: id(A2) }]);
    expect((await bank.store.get(id(B)))!.script).toBe(`1. revised for ${D}`);
    expect((await bank.store.get(id(A)))!.stats).toEqual({ hits: 1, successes: 1 });
    expect(await bank.store.has(id(A2))).toBe(false);

    // Batch 3: B misleads again (2 hits, 0 successes: not yet deprecated) and gets a second adjustment.
    const r3 = await updateMemory(bank, [task(E, false, [id(B)]), task(F, true)], options);
    expect(r3.retired).toEqual([]);
    expect(r3.adjusted).toEqual([id(B)]);
    expect((await bank.store.get(id(B)))!.stats).toEqual({ hits: 2, successes: 0 });
    expect((await bank.store.get(id(B)))!.version).toBe(3);

    // Batch 4: the third failing hit deprecates B before the policy runs, so nothing is adjusted.
    const r4 = await updateMemory(bank, [task(G, false, [id(B)]), task(H, true), task(I, true)], options);
    expect(r4.retired).toEqual([{ id: id(B), reason: "success rate 0/3 is below 0.5 after 3 hits" }]);
    expect(r4.adjusted).toEqual([]);
    expect(await bank.store.size()).toBe(4);

    // Batch 5: F misleads K (utility 1/3); J is added; over the cap of 4, F is retired first.
    const r5 = await updateMemory(bank, [task(K, false, [id(F)]), task(J, true)], options);
    expect(r5.adjusted).toEqual([id(F)]);
    expect(r5.retired).toEqual([{ id: id(F), reason: "over the cap of 4 entries (utility 0.333)" }]);
    expect((await bank.store.list()).map((e) => e.id).sort()).toEqual([id(A), id(H), id(I), id(J)].sort());

    // B's history: two adjustments, each with the failed task that caused it, then its retirement.
    const hb = await entryHistory(bank.store, id(B));
    expect(hb.current).toBeUndefined();
    expect(hb.retired!.reason).toMatch(/below 0.5/);
    expect(hb.events.map((e) => [e.event, e.version, e.cause?.task])).toEqual([
      ["adjusted", 2, D],
      ["adjusted", 3, E],
      ["retired", 3, undefined],
    ]);
    expect(hb.events[0]!.previous.script).toBe(`1. do ${B}`);
    expect(hb.events[1]!.previous.script).toBe(`1. revised for ${D}`);
    expect(hb.events[0]!.cause!.analysis).toBe(`the entry skipped a step needed by ${D}`);
    expect((await entryHistory(bank.store, id(A))).events.map((e) => e.event)).toEqual(["merged"]);
    expect((await archivedEntries(bank.store)).map((r) => r.entry.id).sort()).toEqual([id(A2), id(B), id(F)].sort());

    // The update log has one complete record per batch.
    const log = (await bank.store.readLog("updates")) as Array<Record<string, unknown>>;
    expect(log.map((l) => [l.batch, l.policy, (l.added as string[]).length, (l.adjusted as string[]).length, (l.retired as unknown[]).length])).toEqual([
      [3, "adjustment", 2, 0, 0],
      [2, "adjustment", 0, 1, 1],
      [2, "adjustment", 1, 1, 0],
      [3, "adjustment", 2, 0, 1],
      [2, "adjustment", 1, 1, 1],
    ]);
    await bank.close();

    // Everything survives a reopen, and a retired entry can be restored.
    const again = await MemoryBank.open(dir, { embeddings: { embeddings, id: embeddings.id } });
    const restored = await restoreEntry(again, id(B));
    expect(restored).toMatchObject({ id: id(B), script: `1. revised for ${E}`, stats: { hits: 0, successes: 0 }, version: 4 });
    expect(await again.store.has(id(B))).toBe(true);
    expect((await entryHistory(again.store, id(B))).events.at(-1)!.event).toBe("restored");
    await expect(restoreEntry(again, id(B))).rejects.toThrow(/is live, not retired/);
    await again.close();
  });

  it("vanilla adds every run, validation only the successes", async () => {
    const e = new LocalHashEmbeddings();
    for (const [policy, expected] of [["vanilla", 2], ["validation", 1]] as const) {
      const bank = await MemoryBank.open(tempDir(), { embeddings: { embeddings: e, id: e.id } });
      const r = await updateMemory(bank, [task(A, true), task(B, false)], { policy });
      expect(r.added).toHaveLength(expected);
      expect((await bank.store.list()).every((x) => x.kind === "trajectory")).toBe(true);
      await bank.close();
    }
  });

  it("leaves the memory untouched when the update fails midway", async () => {
    // An embedder that fails once the model work is done: the update must leave nothing behind.
    class FlakyEmbeddings extends Embeddings {
      failing = false;
      readonly inner = new LocalHashEmbeddings();
      readonly id = "flaky";
      async embedDocuments(texts: string[]): Promise<number[][]> {
        if (this.failing) throw new Error("embedding service unavailable");
        return this.inner.embedDocuments(texts);
      }
      async embedQuery(text: string): Promise<number[]> {
        return this.inner.embedQuery(text);
      }
    }
    const e = new FlakyEmbeddings({});
    const dir = tempDir();
    const bank = await MemoryBank.open(dir, { embeddings: { embeddings: e, id: e.id } });
    await updateMemory(bank, [task(A, true), task(C, true)], { policy: "vanilla" });
    const before = await bank.store.list();
    e.failing = true;
    await expect(updateMemory(bank, [task(B, true, [id(A).replace("scri", "traj")])], { policy: "vanilla" })).rejects.toThrow("embedding service unavailable");
    expect(await bank.store.list()).toEqual(before);
    e.failing = false;

    // A failure inside the transaction, after the stats were booked and the entry added: all rolled back.
    const appendLog = vi.spyOn(bank.store, "appendLog").mockRejectedValueOnce(new Error("disk full"));
    await expect(updateMemory(bank, [task(B, true, [id(A).replace("scri", "traj")])], { policy: "vanilla" })).rejects.toThrow("disk full");
    expect(appendLog).toHaveBeenCalledTimes(1);
    appendLog.mockRestore();
    expect(await bank.store.list()).toEqual(before);
    expect(await bank.store.readLog("history")).toEqual([]);
    expect(await bank.store.readLog("updates")).toHaveLength(1);
    await bank.close();

    const reopened = await MemoryBank.open(dir, { embeddings: { embeddings: e, id: e.id }, readOnly: true });
    expect(await reopened.store.list()).toEqual(before);
    expect(await reopened.store.readLog("updates")).toHaveLength(1);
    await reopened.close();
  });
});
