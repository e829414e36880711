/**
 * The episode as a LangChain Runnable: invoke and batch play real ALFWorld dev games with an
 * in-process model replaying the expert; callbacks see each episode as one chain run with every
 * model call inside it; the ReAct agent's chat follows MemP's format.
 */
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { beforeAll, describe, expect, it } from "vitest";
import { alfworldSuite } from "../../chains/alfworld/suite.js";
import { EpisodeChain } from "../../chains/episode-chain.js";
import type { EpisodeItem } from "../../chains/suite.js";
import { listGames } from "../../environments/alfworld/splits.js";
import { HandlerChatModel } from "../../testing/handler-model.js";
import { alfworldReplay, type ReplayScript } from "../../testing/alfworld-replay.js";
import { dataDir } from "../helpers/data.js";

const data = dataDir("ALFWORLD_DATA");

class Recorder extends BaseCallbackHandler {
  name = "recorder";
  chains: Array<{ runId: string; parentRunId?: string; name?: string }> = [];
  models: Array<{ runId: string; parentRunId?: string }> = [];
  override async handleChainStart(_chain: unknown, _inputs: unknown, runId: string, parentRunId?: string, _tags?: string[], _metadata?: unknown, _runType?: string, runName?: string) {
    this.chains.push({ runId, parentRunId, name: runName });
  }
  override async handleChatModelStart(_llm: unknown, _messages: unknown, runId: string, parentRunId?: string) {
    this.models.push({ runId, parentRunId });
  }
}

describe.skipIf(!data)("EpisodeChain", () => {
  let items: EpisodeItem[];
  let script: ReplayScript;
  const suite = alfworldSuite({ dataDir: data });

  beforeAll(async () => {
    items = (await suite.items("dev")).slice(0, 3);
    script = await alfworldReplay(listGames("dev", data!).slice(0, 3));
  });

  it("invoke plays one game to the engine's verdict; callbacks see one run with the model calls inside", async () => {
    const model = new HandlerChatModel(script.handler);
    const chain = new EpisodeChain({ suite, model, agent: "react", fewShot: false, maxSteps: 30 });
    const recorder = new Recorder();
    const record = await chain.invoke(items[0]!, { callbacks: [recorder] });
    expect(record).toMatchObject({ name: items[0]!.name, success: true, reward: 1, retrieved: [] });
    expect(record.steps.map((s) => s.action)).toEqual(script.actions.get(items[0]!.name));
    const episode = recorder.chains.find((c) => c.name === "alfworld-episode")!;
    expect(episode.parentRunId).toBeUndefined();
    expect(recorder.models).toHaveLength(record.steps.length);
    expect(recorder.models.every((m) => m.parentRunId === episode.runId)).toBe(true);
  });

  it("the chat is MemP's: system prompt with the command forms, the intro unchanged, Observation turns", async () => {
    const model = new HandlerChatModel(script.handler);
    await new EpisodeChain({ suite, model, agent: "react", fewShot: false, maxSteps: 30 }).invoke(items[1]!);
    const last = model.calls.at(-1)!;
    expect(last[0]!.getType()).toBe("system");
    expect(last[0]!.text).toContain("move {obj} to {recep}");
    expect(last[1]!.text).toMatch(/^-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room\./);
    expect(last.slice(2).map((m) => m.getType())).toEqual(last.slice(2).map((_, i) => (i % 2 === 0 ? "ai" : "human")));
    expect(last[2]!.text).toMatch(/^Thought: .*\nAction: /);
    expect(last[3]!.text).toMatch(/^Observation: /);
  });

  it("batch plays several episodes, each its own run", async () => {
    const chain = new EpisodeChain({ suite, model: new HandlerChatModel(script.handler), agent: "react", fewShot: false, maxSteps: 30 });
    const recorder = new Recorder();
    const records = await chain.batch(items, { callbacks: [recorder], maxConcurrency: 2 });
    expect(records.map((r) => r.success)).toEqual([true, true, true]);
    expect(recorder.chains.filter((c) => c.name === "alfworld-episode")).toHaveLength(3);
  });

  it("the grammar decides the command forms; a step limit stops the episode", async () => {
    const model = new HandlerChatModel(script.handler);
    const record = await new EpisodeChain({ suite, model, agent: "react", fewShot: false, maxSteps: 2, grammar: "2.1.1" }).invoke(items[0]!);
    expect(record.steps).toHaveLength(2);
    expect(record.success).toBe(false);
    expect(model.calls[0]![0]!.text).toContain("put {obj} in/on {recep}");
  });
});
