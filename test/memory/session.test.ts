import { Embeddings } from "@langchain/core/embeddings";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it, vi } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { excludeSource, formatGuidelines, retrieveMemory } from "../../memory/retrieve/index.js";
import { MemorySession } from "../../memory/session.js";
import { entryId } from "../../memory/types.js";
import { updateTags } from "../../memory/update/index.js";
import { ConfigError, InputError } from "../../core/errors.js";
import { seededBank } from "../langchain/helpers.js";
import { makeEntry, tempDir } from "./helpers.js";

const TASK = "heat some mug and put it in cabinet";
const SEEDED_MUG = entryId("script", "heat some mug and put it in coffeemachine");
const run = (task: string) => ({ task, steps: [{ action: `do ${task}`, observation: "ok" }] });

/** A promise with its resolver, to hold a call at a known point. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** Lets pending promise callbacks and I/O run. */
const settle = () => new Promise((r) => setTimeout(r, 20));

/** Embeddings whose queries wait at a gate while one is set, counting the queries in flight. */
class GatedEmbeddings extends Embeddings {
  readonly inner = new LocalHashEmbeddings();
  gate?: Promise<void>;
  inFlight = 0;
  maxInFlight = 0;
  async embedDocuments(texts: string[]): Promise<number[][]> {
    return this.inner.embedDocuments(texts);
  }
  async embedQuery(text: string): Promise<number[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await this.gate;
      return await this.inner.embedQuery(text);
    } finally {
      this.inFlight--;
    }
  }
}

/** A chat model that answers the adjustment prompt only once its gate opens. */
class SlowReflector extends BaseChatModel {
  calls = 0;
  constructor(private readonly held: Promise<void>) {
    super({});
  }
  _llmType(): string {
    return "slow-reflector";
  }
  async _generate(_messages: BaseMessage[]): Promise<ChatResult> {
    this.calls++;
    await this.held;
    const text = JSON.stringify({ analysis: "it never opened the microwave", procedure: ["go to the microwave", "heat the mug", "put it in the cabinet"], pitfalls: [] });
    return { generations: [{ text, message: new AIMessage(text) }] };
  }
}

describe("MemorySession: retrieve, record, commit", () => {
  it("hands out a ticket per retrieval and books what each task was shown", async () => {
    const bank = await seededBank();
    const session = new MemorySession({ bank, retrieval: { k: 2 } });
    const [a, b] = await Promise.all([session.retrieve(TASK), session.retrieve(`  ${TASK} `)]);
    const expected = await retrieveMemory(bank, "query", { task: TASK, k: 2 });
    expect(a.id).not.toBe(b.id);
    expect(b.task).toBe(TASK);
    expect(a.retrieved.map((r) => r.entry.id)).toEqual(expected.map((r) => r.entry.id));
    expect(a.guidelines).toBe(formatGuidelines(expected));

    const finished = session.record(a, { trajectory: run(TASK), success: true, source: "alfworld/heat-1" });
    expect(finished).toEqual({ trajectory: { ...run(TASK), success: true }, success: true, retrieved: expected.map((r) => r.entry.id), source: "alfworld/heat-1" });
    session.record(b, { trajectory: run(TASK), success: false });
    session.record({ task: "cool some apple", retrieved: [SEEDED_MUG] }, { trajectory: run("cool some apple"), success: undefined });
    expect(session.pending).toHaveLength(3);
    expect(() => session.record(a, { trajectory: run(TASK), success: true })).toThrow(/already recorded/);
    expect(() => session.record({ task: "x", retrieved: [] }, { trajectory: run("x"), success: "yes" as never })).toThrow(InputError);

    const report = await session.commit({ policy: "validation", tag: "batch-0" });
    expect(report.tag).toBe("batch-0");
    expect(report.added).toEqual([entryId("trajectory", TASK)]);
    expect(report.stats).toContainEqual({ id: SEEDED_MUG, hits: 3, successes: 1 });
    expect(session.pending).toEqual([]);
    expect(await updateTags(bank)).toEqual(new Set(["batch-0"]));
    await bank.close();
  });

  it("passes exclude and the caller's facts to the policy, and extracts facts with the model otherwise", async () => {
    const bank = await seededBank();
    await bank.add([makeEntry(TASK, { provenance: { source: "s", model: null, env: "alfworld", game: "heat/trial-1", createdAt: "", updatedAt: "" } })]);
    const plain = new MemorySession({ bank, retrieval: { k: 1 } });
    expect((await plain.retrieve(TASK)).retrieved[0]!.entry.task).toBe(TASK);
    expect((await plain.retrieve(TASK, { exclude: excludeSource("alfworld", "heat/trial-1") })).retrieved[0]!.entry.id).toBe(SEEDED_MUG);

    const model = fakeModel().respond(new AIMessage('{"facts": {"object": "mug"}}'));
    const facts = new MemorySession({ bank, retrieval: { policy: "facts", k: 1, model } });
    await facts.retrieve(TASK, { facts: { object: "mug", target: "cabinet" } });
    expect(model.callCount).toBe(0);
    await facts.retrieve(TASK);
    expect(model.callCount).toBe(1);
    await bank.close();
  });

  it("pairs tickets by task text first-in first-out, skipping tickets recorded directly", async () => {
    const bank = await seededBank();
    const session = new MemorySession({ bank, retrieval: { k: 1 } });
    const [t1, t2, t3] = await Promise.all([session.retrieve(TASK), session.retrieve(TASK), session.retrieve(TASK)]);
    for (const t of [t1!, t2!, t3!]) session.markShown(t);
    session.record(t1!, { trajectory: run(TASK), success: true });
    expect(session.takeShown(TASK)?.id).toBe(t2!.id);
    expect(session.takeShown(` ${TASK}`)?.id).toBe(t3!.id);
    expect(session.takeShown(TASK)).toBeUndefined();
    await bank.close();
  });

  it("checks policies and k once, at construction", async () => {
    const bank = await seededBank();
    expect(() => new MemorySession({ bank, retrieval: { k: 0 } })).toThrow(ConfigError);
    expect(() => new MemorySession({ bank, retrieval: { policy: "nope" as never } })).toThrow(/unknown retrieval policy/);
    expect(() => new MemorySession({ bank, retrieval: { policy: "ave_fact" } })).toThrow(/needs a model/);
    expect(() => new MemorySession({ bank, update: { policy: "reflect" as never } })).toThrow(/unknown update policy/);
    expect(() => new MemorySession({} as never)).toThrow(ConfigError);
    const session = new MemorySession({ bank });
    await expect(session.retrieve("  ")).rejects.toSatisfy(InputError.isInstance);
    await expect(session.commit({ policy: "nope" as never })).rejects.toSatisfy(ConfigError.isInstance);
    await bank.close();
  });

  it("puts a failed batch back ahead of tasks recorded since; a later commit applies both", async () => {
    const bank = await seededBank();
    const session = new MemorySession({ bank, update: { policy: "vanilla" } });
    session.record({ task: "a", retrieved: [] }, { trajectory: run("a"), success: true });
    await session.commit({ tag: "t1" });
    session.record({ task: "b", retrieved: [] }, { trajectory: run("b"), success: true });
    const failing = session.commit({ tag: "t1" }); // already applied
    session.record({ task: "c", retrieved: [] }, { trajectory: run("c"), success: true });
    await expect(failing).rejects.toThrow(/already applied/);
    expect(session.pending.map((p) => p.trajectory.task)).toEqual(["b", "c"]);
    const report = await session.commit({ tag: "t2", policy: undefined });
    expect(report.policy).toBe("vanilla");
    expect(report.added).toEqual([entryId("trajectory", "b"), entryId("trajectory", "c")]);
    await bank.close();
  });
});

describe("MemorySession: a consistent snapshot for concurrent episodes", () => {
  it("retrievals fired during an adjustment commit wait for it and see the memory after it, never halfway", async () => {
    const bank = await seededBank();
    const hold = gate();
    const reflector = new SlowReflector(hold.opened);
    const session = new MemorySession({ bank, retrieval: { k: 1 }, update: { policy: "adjustment", model: reflector, buildKind: "script" } });
    const shown = await session.retrieve(TASK);
    expect(shown.retrieved[0]!.entry.id).toBe(SEEDED_MUG);
    session.record(shown, { trajectory: run(TASK), success: false });

    const committing = session.commit();
    await vi.waitFor(() => expect(reflector.calls).toBe(1));
    // Halfway: the model is still reflecting. Every model call comes before the update's one
    // transaction, so a bare read sees the memory as it was: the hit not booked, the entry not rewritten.
    expect((await bank.store.get(SEEDED_MUG))!.stats.hits).toBe(0);
    expect((await bank.store.get(SEEDED_MUG))!.version).toBeUndefined();

    const done: string[] = [];
    const readers = [TASK, "heat a mug then put it in a cabinet", "heat some mug"].map((t) => session.retrieve(t).then((ticket) => (done.push(t), ticket)));
    await settle();
    expect(done).toEqual([]);

    hold.open();
    await committing;
    const tickets = await Promise.all(readers);
    for (const ticket of tickets) {
      const entry = ticket.retrieved[0]!.entry;
      expect(entry.id).toBe(SEEDED_MUG);
      expect(entry.version).toBe(2);
      expect(entry.stats).toEqual({ hits: 1, successes: 0 });
      expect(entry.script).toContain("go to the microwave");
    }
    await bank.close();
  });

  it("retrievals overlap each other; a commit waits for the running ones and holds back the ones after it", async () => {
    const e = new GatedEmbeddings({});
    const bank = await MemoryBank.open(tempDir("memp-session-"), { embeddings: { embeddings: e, id: "gated" } });
    await bank.add([makeEntry("heat some mug and put it in coffeemachine"), makeEntry("cool some apple and put it in fridge")]);
    const session = new MemorySession({ bank, retrieval: { k: 1 } });
    session.record({ task: TASK, retrieved: [] }, { trajectory: run(TASK), success: true });
    const transaction = vi.spyOn(bank.store, "transaction");
    const order: string[] = [];
    const track = <T>(name: string, p: Promise<T>) => p.then((v) => (order.push(name), v));

    const hold = gate();
    e.gate = hold.opened;
    const early = [track("early-1", session.retrieve(TASK)), track("early-2", session.retrieve("cool some apple"))];
    await vi.waitFor(() => expect(e.inFlight).toBe(2)); // both readers inside at once
    const committing = track("commit", session.commit());
    const late = track("late", session.retrieve(TASK));
    await settle();
    expect(transaction).not.toHaveBeenCalled(); // the commit waits for the early readers
    expect(e.inFlight).toBe(2); // and the late reader waits behind the commit

    e.gate = undefined;
    hold.open();
    await Promise.all([...early, committing]);
    const lateTicket = await late;
    expect(order.slice(2)).toEqual(["commit", "late"]);
    expect(order.slice(0, 2).sort()).toEqual(["early-1", "early-2"]);
    expect(e.maxInFlight).toBe(2);
    expect(lateTicket.retrieved[0]!.entry.id).toBe(entryId("trajectory", TASK));
    await bank.close();
  });
});
