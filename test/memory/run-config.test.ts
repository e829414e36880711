import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { Serialized } from "@langchain/core/load/serializable";
import { describe, expect, it } from "vitest";
import { buildMemory } from "../../memory/build/runner.js";
import { ProceduralMemoryRetriever } from "../../memory/langchain/index.js";
import { retrieveMemory } from "../../memory/retrieve/index.js";
import { MemorySession } from "../../memory/session.js";
import { entryId } from "../../memory/types.js";
import { updateMemory, type FinishedTask } from "../../memory/update/index.js";
import { seededBank, SEEDED } from "../langchain/helpers.js";
import { answering } from "./helpers.js";

/** A model-call start as a callback handler sees it. */
interface ModelStart {
  runId: string;
  parentRunId?: string;
  tags?: string[];
  metadata?: Record<string, unknown>;
  prompt: string;
}

/** Records model-call starts (chat or LLM) and retriever runs. */
class Recorder extends BaseCallbackHandler {
  name = "memp-test-recorder";
  override awaitHandlers = true;
  models: ModelStart[] = [];
  retrievers: Array<{ runId: string; parentRunId?: string; query: string }> = [];
  override handleChatModelStart(_llm: Serialized, messages: BaseMessage[][], runId: string, parentRunId?: string, _extra?: Record<string, unknown>, tags?: string[], metadata?: Record<string, unknown>) {
    this.models.push({ runId, parentRunId, tags, metadata, prompt: messages.flat().map((m) => m.text).join("\n") });
  }
  override handleLLMStart(_llm: Serialized, prompts: string[], runId: string, parentRunId?: string, _extra?: Record<string, unknown>, tags?: string[], metadata?: Record<string, unknown>) {
    this.models.push({ runId, parentRunId, tags, metadata, prompt: prompts.join("\n") });
  }
  override handleRetrieverStart(_retriever: Serialized, query: string, runId: string, parentRunId?: string) {
    this.retrievers.push({ runId, parentRunId, query });
  }
}

const run = (task: string, success = true) => ({ task, success, steps: [{ action: "go to countertop 1", observation: "On the countertop 1, you see a mug 1." }, { action: "take mug 1 from countertop 1", observation: "You pick up the mug 1." }] });

/** Answers the build prompt with a procedure, the adjustment prompt with a rewrite, the facts prompt with facts. */
const model = () =>
  answering((messages) => {
    const prompt = messages.map((m) => m.text).join("\n");
    if (prompt.includes('{"analysis"')) return new AIMessage(JSON.stringify({ analysis: "it looked in the wrong place", procedure: ["look on the countertop first"], pitfalls: [] }));
    if (/extract the key facts/i.test(prompt)) return new AIMessage('{"facts": {"object": "mug", "target": "cabinet"}}');
    return new AIMessage(JSON.stringify({ procedure: ["go to the countertop", "take the mug"], pitfalls: [] }));
  });

const config = (recorder: Recorder) => ({ callbacks: [recorder], tags: ["memp-test"], metadata: { caller: "run-config.test" } });

describe("RunnableConfig reaches every model call", () => {
  it("buildMemory: each distilling call is reported to the caller's handler, with its tags and metadata", async () => {
    const bank = await seededBank();
    const recorder = new Recorder();
    const m = model();
    const summary = await buildMemory(
      bank,
      [{ trajectory: run("put a clean mug in cabinet"), source: "a" }, { trajectory: run("put a hot mug in cabinet"), source: "b" }],
      { kind: "script", model: m, progress: false, config: config(recorder) },
    );
    expect(summary.built).toBe(2);
    expect(m.callCount).toBe(2);
    expect(recorder.models).toHaveLength(2);
    for (const start of recorder.models) {
      expect(start.tags).toContain("memp-test");
      expect(start.metadata).toMatchObject({ caller: "run-config.test" });
    }
    expect(recorder.models.map((s) => /Task: (.*)/.exec(s.prompt)?.[1]).sort()).toEqual(["put a clean mug in cabinet", "put a hot mug in cabinet"]);
    await bank.close();
  });

  it("updateMemory (adjustment): the rewrite and the build of the new entry are both reported", async () => {
    const bank = await seededBank();
    const recorder = new Recorder();
    const m = model();
    const misleading = entryId("script", SEEDED[0]!);
    const batch: FinishedTask[] = [
      { trajectory: run("heat some mug and put it in cabinet", false), success: false, retrieved: [misleading] },
      { trajectory: run("put a clean mug in cabinet"), success: true, retrieved: [] },
    ];
    const report = await updateMemory(bank, batch, { policy: "adjustment", model: m, buildKind: "script", config: config(recorder) });
    expect(report.adjusted).toEqual([misleading]);
    expect(report.added).toEqual([entryId("script", "put a clean mug in cabinet")]);
    expect(m.callCount).toBe(2);
    expect(recorder.models).toHaveLength(2);
    expect(recorder.models.filter((s) => s.prompt.includes('{"analysis"'))).toHaveLength(1);
    for (const start of recorder.models) expect(start.tags).toContain("memp-test");
    await bank.close();
  });

  it("retrieval with facts extraction: retrieveMemory and MemorySession.retrieve report the extraction call", async () => {
    const bank = await seededBank();
    const m = model();
    const direct = new Recorder();
    const hits = await retrieveMemory(bank, "facts", { task: "heat some mug and put it in cabinet", k: 1 }, { model: m, config: config(direct) });
    expect(hits).toHaveLength(1);
    expect(direct.models).toHaveLength(1);
    expect(direct.models[0]!.prompt).toContain("heat some mug and put it in cabinet");
    expect(direct.models[0]!.tags).toContain("memp-test");

    const viaSession = new Recorder();
    const session = new MemorySession({ bank, retrieval: { policy: "ave_fact", k: 1, model: m } });
    await session.retrieve("cool some mug and put it in cabinet", { config: config(viaSession) });
    expect(viaSession.models).toHaveLength(1);
    expect(viaSession.models[0]!.prompt).toContain("cool some mug and put it in cabinet");
    expect(m.callCount).toBe(2);
    await bank.close();
  });

  it("ProceduralMemoryRetriever.invoke(q, { callbacks }): a retriever run whose child is the facts extraction call", async () => {
    const bank = await seededBank();
    const m = model();
    const recorder = new Recorder();
    const retriever = new ProceduralMemoryRetriever({ bank, policy: "facts", k: 2, model: m });
    const docs = await retriever.invoke("heat some mug and put it in cabinet", { callbacks: [recorder] });
    expect(docs).toHaveLength(2);
    expect(recorder.retrievers).toEqual([{ runId: expect.any(String), parentRunId: undefined, query: "heat some mug and put it in cabinet" }]);
    expect(recorder.models).toHaveLength(1);
    expect(recorder.models[0]!.parentRunId).toBe(recorder.retrievers[0]!.runId);
    expect(m.callCount).toBe(1);
    await bank.close();
  });
});
