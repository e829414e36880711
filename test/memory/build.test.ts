import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { condenseSteps, deriveActionVocabulary } from "../../memory/build/condense.js";
import { getBuildPolicy } from "../../memory/build/policies.js";
import { buildMemory } from "../../memory/build/runner.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import type { SourcedTrajectory } from "../../memory/input.js";
import { entryId } from "../../memory/types.js";
import type { Trajectory } from "../../core/trajectory.js";
import { answering, tempDir } from "./helpers.js";

const traj = (task: string, extra: Partial<Trajectory> = {}): Trajectory => ({
  task,
  env: "alfworld",
  success: true,
  steps: [
    { thought: "The mug is probably on a counter.", action: "go to countertop 1", observation: "On the countertop 1, you see a mug 1." },
    { action: "take mug 1 from countertop 1", observation: "You pick up the mug 1 from the countertop 1." },
    { action: "go to sinkbasin 1", observation: "On the sinkbasin 1, you see nothing." },
  ],
  ...extra,
});
const items = (...ts: Trajectory[]): SourcedTrajectory[] => ts.map((t, i) => ({ trajectory: t, source: `t.jsonl:${i + 1}` }));
const text = (messages: BaseMessage[]) => messages.map((m) => String(m.content)).join("\n");
const openBank = () => MemoryBank.open(tempDir(), { embeddings: { embeddings: new LocalHashEmbeddings(), id: "local" } });

describe("trajectory build", () => {
  it("condenses steps without a model", async () => {
    const out = await getBuildPolicy("trajectory").build(traj("clean a mug"), { maxObservationChars: 20 });
    expect(out.script).toBeNull();
    expect(out.trajectory![0]).toEqual({
      thought: "The mug is probably on a counter.",
      action: "go to countertop 1",
      observation: "On the countertop 1, [... 17 more characters]",
    });
  });

  it("derives the action vocabulary from the actions taken", () => {
    const v = deriveActionVocabulary([traj("x"), { task: "y", steps: [{ action: "FlightSearch[A, B, 2022-03-01]", observation: "" }] }]);
    expect(v).toBe("- go (e.g. go to countertop 1)\n- take (e.g. take mug 1 from countertop 1)\n- FlightSearch[...] (e.g. FlightSearch[A, B, 2022-03-01])");
  });

  it("collapses whitespace in every field", () => {
    expect(condenseSteps([{ thought: "  a \n\n b ", action: " go  to x ", observation: "o" }])).toEqual([{ thought: "a\nb", action: "go to x", observation: "o" }]);
  });
});

describe("script build", () => {
  it("distils a procedure from a fenced JSON reply, with the task, run and actions in the prompt", async () => {
    const model = fakeModel().respond(
      new AIMessage('Sure! Here it is:\n```json\n{"procedure": ["Find the mug", "Clean it at the sink"], "pitfalls": ["looking in closed cabinets first"]}\n```'),
    );
    const out = await getBuildPolicy("script").build(traj("clean a mug"), { model, actionVocabulary: "- go to X\n- take X from Y" });
    expect(out.script).toBe("1. Find the mug\n2. Clean it at the sink\n- Avoid: looking in closed cabinets first");
    expect(out.trajectory).toBeNull();
    const prompt = text(model.calls[0]!.messages);
    expect(prompt).toContain("Task: clean a mug");
    expect(prompt).toContain("- take X from Y");
    expect(prompt).toContain("Action: take mug 1 from countertop 1");
  });

  it("retries once with the error shown to the model", async () => {
    const model = fakeModel()
      .respond(new AIMessage('{"procedure": "not a list"}'))
      .respond(new AIMessage('{"procedure": ["a"]}'));
    const out = await getBuildPolicy("script").build(traj("t"), { model });
    expect(out.script).toBe("1. a");
    expect(model.callCount).toBe(2);
    const retry = model.calls[1]!.messages;
    expect(String(retry[retry.length - 1]!.content)).toMatch(/could not be used: JSON does not match the expected shape at "procedure"/);
  });

  it("proceduralization keeps both the script and the steps", async () => {
    const model = fakeModel().respond(new AIMessage('{"procedure": ["x"], "pitfalls": []}'));
    const out = await getBuildPolicy("proceduralization").build(traj("t"), { model });
    expect(out.script).toBe("1. x");
    expect(out.trajectory).toHaveLength(3);
  });
});

describe("events build", () => {
  it("turns steps into events, then keeps the critical ones as instructions", async () => {
    const model = fakeModel()
      .respond(
        new AIMessage(
          JSON.stringify({
            events: [
              { step: 1, pre_state: "mug on countertop", action: "go to countertop 1", entity: "countertop", post_state: "at countertop" },
              { step: 2, pre_state: "at countertop", action: "take mug 1 from countertop 1", entity: "mug", post_state: "holding mug" },
              { step: 3, pre_state: "holding mug", action: "go to sinkbasin 1", entity: "sinkbasin", post_state: "at sink" },
            ],
          }),
        ),
      )
      .respond(new AIMessage('{"critical": [2, 3, 2, 9]}'));
    const out = await getBuildPolicy("events").build(traj("clean a mug"), { model });
    expect(out.events!.map((e) => e.step)).toEqual([2, 3]);
    expect(out.script).toBe(
      "1. take mug 1 from countertop 1 (when at countertop; then holding mug)\n2. go to sinkbasin 1 (when holding mug; then at sink)",
    );
    expect(text(model.calls[1]!.messages)).toContain('"pre_state": "mug on countertop"');
  });
});

describe("buildMemory", () => {
  it("builds, skips duplicates (in the input and in the memory), reports failures and goes on", async () => {
    const bank = await openBank();
    const answered = answering((messages) => {
      const prompt = text(messages);
      if (prompt.includes("Task: bad task")) return new AIMessage("I cannot do that.");
      return new AIMessage(`{"procedure": ["do ${/Task: (.*)/.exec(prompt)![1]}"]}`);
    });
    const summary = await buildMemory(bank, items(traj("clean a mug"), traj("heat an egg"), traj("clean a mug"), traj("bad task")), {
      kind: "script",
      model: answered,
      modelName: "fake-1",
      concurrency: 2,
    });
    expect(summary.built).toBe(2);
    expect(summary.skipped).toBe(1);
    expect(summary.failed).toEqual([{ source: "t.jsonl:4", task: "bad task", error: "the model's reply could not be used: no JSON object or array found in the reply" }]);
    const entry = (await bank.store.get(entryId("script", "heat an egg")))!;
    expect(entry.script).toBe("1. do heat an egg");
    expect(entry.provenance).toMatchObject({ source: "t.jsonl:2", model: "fake-1", env: "alfworld", success: true });

    const again = await buildMemory(bank, items(traj("clean a mug")), { kind: "script", model: answered });
    expect(again).toMatchObject({ built: 0, skipped: 1 });
    await bank.close();
  });

  it("never runs more model calls at once than the concurrency allows", async () => {
    const bank = await openBank();
    let active = 0, peak = 0;
    const model = answering(() => new AIMessage('{"procedure": ["x"]}'));
    const originalInvoke = model.invoke.bind(model);
    model.invoke = (async (...args: Parameters<typeof model.invoke>) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 5));
      try {
        return await originalInvoke(...args);
      } finally {
        active--;
      }
    }) as typeof model.invoke;
    const many = Array.from({ length: 12 }, (_, i) => traj(`task ${i}`));
    const summary = await buildMemory(bank, items(...many), { kind: "script", model, concurrency: 3, commitEvery: 5 });
    expect(summary.built).toBe(12);
    expect(peak).toBe(3);
    expect(await bank.store.size()).toBe(12);
    await bank.close();
  });
});
