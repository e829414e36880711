import { Embeddings } from "@langchain/core/embeddings";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { getBuildPolicy } from "../../memory/build/policies.js";
import { buildMemory } from "../../memory/build/runner.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import type { SourcedTrajectory } from "../../memory/input.js";
import { taskFacts } from "../../memory/retrieve/facts-extraction.js";
import { entryId } from "../../memory/types.js";
import { adjustEntry } from "../../memory/update/adjust.js";
import { UpdateAbandonedError, updateMemory, type FinishedTask } from "../../memory/update/index.js";
import { ModelEndpointError } from "../../core/errors.js";
import type { Trajectory } from "../../core/trajectory.js";
import { answering, makeEntry, tempDir } from "../memory/helpers.js";

const PROSE = "Here is the procedure:\n1. Go to the countertop.\n2. Take the mug.\n\nPitfalls:\n- looking in closed cabinets first";
const traj = (task: string): Trajectory => ({
  task,
  env: "alfworld",
  success: true,
  steps: [
    { action: "go to countertop 1", observation: "On the countertop 1, you see a mug 1." },
    { action: "take mug 1 from countertop 1", observation: "You pick up the mug 1." },
  ],
});
const items = (...tasks: string[]): SourcedTrajectory[] => tasks.map((t, i) => ({ trajectory: traj(t), source: `t.jsonl:${i + 1}` }));
const openBank = () => MemoryBank.open(tempDir(), { embeddings: { embeddings: new LocalHashEmbeddings(), id: "local" } });
const prompt = (messages: BaseMessage[]) => messages.map((m) => String(m.content)).join("\n");

describe("prose replies in a build", () => {
  it("script: a model that answers in prose twice still gives the entry its steps, and the summary says so", async () => {
    const bank = await openBank();
    const model = answering(() => new AIMessage(PROSE));
    const summary = await buildMemory(bank, items("clean a mug"), { kind: "script", model, progress: false });
    expect(model.callCount).toBe(2);
    expect(summary).toMatchObject({ built: 1, failed: [] });
    expect(summary.fallbacks).toEqual([
      {
        id: entryId("script", "clean a mug"),
        source: "t.jsonl:1",
        task: "clean a mug",
        kind: "prose-script",
        detail: "the reply was not the JSON asked for (no JSON object or array found in the reply); its prose steps became the script",
      },
    ]);
    expect((await bank.store.get(entryId("script", "clean a mug")))!.script).toBe("1. Go to the countertop.\n2. Take the mug.\n- Avoid: looking in closed cabinets first");
    await bank.close();
  });

  it("proceduralization: an unusable reply costs the script, not the trajectory", async () => {
    const out = await getBuildPolicy("proceduralization").build(traj("t"), { model: answering(() => new AIMessage("I cannot do that.")) });
    expect(out.script).toBeNull();
    expect(out.trajectory).toHaveLength(2);
    expect(out.fallback).toEqual({ kind: "trajectory-only", detail: "no script (the model's reply could not be used: no JSON object or array found in the reply); the trajectory was kept" });
  });

  it("proceduralization: a failing endpoint fails the item, so that a later build still distils it", async () => {
    const down = fakeModel().alwaysThrow(new ModelEndpointError("http://127.0.0.1:9/v1", "connection refused (ECONNREFUSED)", { attempts: 4 }));
    const bank = await openBank();
    const summary = await buildMemory(bank, items("t"), { kind: "proceduralization", model: down, progress: false });
    expect(summary.built).toBe(0);
    expect(summary.failed[0]!.error).toBe("model endpoint http://127.0.0.1:9/v1 failed after 4 attempts: connection refused (ECONNREFUSED)");
    await bank.close();
  });

  it("events: prose events are refused (their states would be guessed); a prose selection of steps is read", async () => {
    const proseEvents = answering(() => new AIMessage("First the agent went to the countertop. Then it took the mug."));
    await expect(getBuildPolicy("events").build(traj("t"), { model: proseEvents })).rejects.toThrow(
      "the events build needs its events as JSON: the model's reply could not be used: no JSON object or array found in the reply",
    );

    const events = JSON.stringify({
      events: [
        { step: 1, pre_state: "mug on countertop", action: "go to countertop 1", post_state: "at countertop" },
        { step: 2, pre_state: "at countertop", action: "take mug 1 from countertop 1", post_state: "holding mug" },
      ],
    });
    const model = answering((messages) => new AIMessage(prompt(messages).includes('"critical"') ? "The critical one is step 2; step 9 is not needed." : events));
    const out = await getBuildPolicy("events").build(traj("t"), { model });
    expect(out.events!.map((e) => e.step)).toEqual([2]);
    expect(out.fallback).toMatchObject({ kind: "prose-selection", detail: expect.stringContaining("the critical steps (2) were read from a prose reply") });
  });
});

describe("prose replies elsewhere", () => {
  it("adjustment: a prose rewrite becomes the script, its opening the analysis", async () => {
    const model = answering(() => new AIMessage("Analysis: the agent never opened the fridge.\n\n1. Open the fridge.\n2. Take the egg."));
    const fix = await adjustEntry(model, makeEntry("heat an egg"), { trajectory: traj("heat some egg") });
    expect(fix).toEqual({
      analysis: "the agent never opened the fridge.",
      script: "1. Open the fridge.\n2. Take the egg.",
      fallback: "the reply was not the JSON asked for (no JSON object or array found in the reply); its prose steps became the script",
    });
  });

  it("the update report lists the entries that fell back", async () => {
    const bank = await openBank();
    const entry = makeEntry("heat an egg");
    await bank.add([entry]);
    const model = answering(() => new AIMessage("1. Open the fridge.\n2. Take the egg."));
    const batch: FinishedTask[] = [{ trajectory: traj("heat some egg"), success: false, retrieved: [entry.id] }];
    const report = await updateMemory(bank, batch, { policy: "adjustment", model });
    expect(report.adjusted).toEqual([entry.id]);
    expect(report.fallbacks).toEqual([{ id: entry.id, task: "heat some egg", kind: "prose-script", detail: expect.stringContaining("its prose steps became the script") }]);
    await bank.close();
  });

  it("facts: key: value lines are the facts", async () => {
    const bank = await openBank();
    const model = answering(() => new AIMessage("object: mug\ntarget: coffeemachine"));
    expect(await taskFacts({ task: "put a mug in the coffeemachine", k: 3 }, { bank, model })).toEqual({ object: "mug", target: "coffeemachine" });
    await bank.close();
  });
});

describe("failure limits", () => {
  const refusing = () => answering(() => new AIMessage("I cannot do that."));

  it("maxFailures stops starting new items and says how many were not tried", async () => {
    const bank = await openBank();
    const model = refusing();
    const summary = await buildMemory(bank, items("a", "b", "c", "d", "e"), { kind: "script", model, concurrency: 1, maxFailures: 2, progress: false });
    expect(summary.failed.map((f) => f.task)).toEqual(["a", "b"]);
    expect(summary.stopped).toEqual({ reason: "gave up after 2 failures (the limit is 2)", notAttempted: 3 });
    expect(model.callCount).toBe(4);
    await bank.close();
  });

  it("maxFailureRate is a share of the items to build", async () => {
    const bank = await openBank();
    const summary = await buildMemory(bank, items("a", "b", "c", "d", "e"), { kind: "script", model: refusing(), concurrency: 1, maxFailureRate: 0.2, progress: false });
    expect(summary.stopped).toEqual({ reason: "gave up after 1 failure (the limit is 1)", notAttempted: 4 });
    await bank.close();
  });

  it("a commit that fails (the embedding endpoint is down) ends the build instead of passing for an item's failure", async () => {
    class DownEmbeddings extends Embeddings {
      async embedDocuments(): Promise<number[][]> {
        throw new ModelEndpointError("http://127.0.0.1:9/v1", "500 Internal Server Error", { status: 500, attempts: 4 });
      }
      async embedQuery(): Promise<number[]> {
        return [1, 0, 0];
      }
    }
    const bank = await MemoryBank.open(tempDir(), { embeddings: { embeddings: new DownEmbeddings({}), id: "down" } });
    const model = answering(() => new AIMessage('{"procedure": ["x", "y"]}'));
    await expect(buildMemory(bank, items("a", "b", "c"), { kind: "script", model, concurrency: 1, commitEvery: 1, progress: false })).rejects.toThrow(
      "model endpoint http://127.0.0.1:9/v1 failed after 4 attempts: 500 Internal Server Error",
    );
    // The first commit failed: no further item was sent to the model.
    expect(model.callCount).toBe(1);
    await bank.close();
  });

  it("an update whose model work all failed is rolled back when asked, so the batch can be applied again", async () => {
    const bank = await openBank();
    const entry = makeEntry("heat an egg");
    await bank.add([entry]);
    const batch: FinishedTask[] = [
      { trajectory: traj("heat some egg"), success: false, retrieved: [entry.id] },
      { trajectory: traj("cool some lettuce"), success: true, retrieved: [entry.id] },
    ];
    const error = await updateMemory(bank, batch, { policy: "adjustment", model: refusing(), buildKind: "script", abandonWhenAllFail: true }).catch((e: unknown) => e);
    expect(UpdateAbandonedError.isInstance(error)).toBe(true);
    const abandoned = error as UpdateAbandonedError;
    expect(abandoned.message).toBe("nothing was rewritten or built: all 2 model-backed steps failed; the update was rolled back and the memory is unchanged");
    expect(abandoned.report.failed.map((f) => f.task)).toEqual(["heat some egg", "cool some lettuce"]);
    expect(abandoned.report.stats).toEqual([]);
    expect((await bank.store.get(entry.id))!.stats).toEqual({ hits: 0, successes: 0 });
    expect(await bank.store.readLog("updates")).toEqual([]);

    // Without the flag, the library keeps its behaviour: book-keeping is applied, failures reported.
    const report = await updateMemory(bank, batch, { policy: "adjustment", model: refusing(), buildKind: "script" });
    expect(report.failed).toHaveLength(2);
    expect((await bank.store.get(entry.id))!.stats).toEqual({ hits: 2, successes: 1 });
    await bank.close();
  });

  it("an update that reaches maxFailures gives up and is rolled back", async () => {
    const bank = await openBank();
    const model = refusing();
    const batch: FinishedTask[] = ["a", "b", "c", "d"].map((t) => ({ trajectory: traj(t), success: true, retrieved: [] }));
    await expect(updateMemory(bank, batch, { policy: "vanilla", model, buildKind: "script", concurrency: 1, maxFailures: 2 })).rejects.toThrow(
      "gave up after 2 failures (the limit is 2); the update was rolled back and the memory is unchanged",
    );
    expect(await bank.store.size()).toBe(0);
    expect(model.callCount).toBe(4);
    await bank.close();
  });
});
