import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { AIMessage } from "@langchain/core/messages";
import { RunnableLambda, type RunnableConfig } from "@langchain/core/runnables";
import { fakeModel } from "@langchain/core/testing";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { runEpisode } from "../../../chains/episode.js";
import { TwoStageReactAgent } from "../../../chains/travelplanner/react.js";
import { TravelPlannerEnvironment } from "../../../environments/travelplanner/environment.js";
import { TwoStageEpisode } from "../../../environments/travelplanner/episode.js";
import { database, dir, FLIGHT, QUERY, recordingPlanner } from "./helpers.js";

const SCRIPT = ["I need flights first.", FLIGHT, "Save them.\n", "NotebookWrite[Flights to Rockford]", "Now plan.", "Planner[3-day trip to Rockford]"];

class Recorder extends BaseCallbackHandler {
  name = "recorder";
  chains: string[] = [];
  llmRuns: { runId: string; parentRunId?: string }[] = [];
  override async handleChainStart(_chain: unknown, _inputs: unknown, runId: string) {
    this.chains.push(runId);
  }
  override async handleChatModelStart(_llm: unknown, _messages: unknown, runId: string, parentRunId?: string) {
    this.llmRuns.push({ runId, parentRunId });
  }
}

const reply = (text: string, input: number, output: number) => new AIMessage({ content: text, usage_metadata: { input_tokens: input, output_tokens: output, total_tokens: input + output } });

describe.skipIf(!dir)("TwoStageReactAgent", () => {
  const env = async (answer = "the plan") => new TravelPlannerEnvironment({ db: await database(), planner: recordingPlanner(answer).planner, query: QUERY, countTokens: () => 0 });

  it("plays thought and action per step through runEpisode, recording thoughts, steps and the transcript", async () => {
    const e = await env();
    const result = await runEpisode(e, new TwoStageReactAgent({ model: new FakeListChatModel({ responses: SCRIPT }), stop: [] }));
    expect(result.steps.map((s) => [s.thought, s.action])).toEqual([
      ["I need flights first.", FLIGHT],
      ["Save them.", "NotebookWrite[Flights to Rockford]"],
      ["Now plan.", "Planner[3-day trip to Rockford]"],
    ]);
    expect(result.steps[2]!.observation).toBe("the plan");
    expect(result.trajectory).toMatchObject({ task: QUERY, env: "travelplanner", success: false });
    expect(e.current.jsonLog.map((j) => j.state)).toEqual(["Successful", "Successful", "Successful"]);
    // Replies in full, prompts by their label, the last prompt whole.
    const m = result.messages;
    expect(m).toHaveLength(12);
    expect(m.slice(0, 4)).toEqual([
      { role: "user", content: "Thought 1:" },
      { role: "assistant", content: "I need flights first." },
      { role: "user", content: "Action 1:" },
      { role: "assistant", content: FLIGHT },
    ]);
    expect(m[10]!.content.startsWith("You gather the information")).toBe(true);
    expect(m[10]!.content.endsWith(`Query: ${QUERY}\nThought 1: I need flights first.\nAction 1: ${FLIGHT}\nObservation 1: Masked due to limited length. Make sure the data has been written in Notebook.\nThought 2: Save them.\nAction 2: NotebookWrite[Flights to Rockford]\nObservation 2: The information has been recorded in Notebook, and its index is 0.\nThought 3: Now plan.\nAction 3:`)).toBe(true);
  });

  it("sends exactly the old prompt()/submit() prompts, with stop ['\\n'] by default, and sums both calls' tokens per step", async () => {
    const model = fakeModel();
    SCRIPT.forEach((text, i) => model.respond(reply(text, 100 + i, 10 + i)));
    const e = await env();
    const result = await runEpisode(e, new TwoStageReactAgent({ model }));
    expect(model.calls.every((c) => JSON.stringify(c.options.stop) === '["\\n"]')).toBe(true);
    expect(model.calls.every((c) => c.messages.length === 1 && c.messages[0]!.type === "human")).toBe(true);
    // Replay the same replies through the controller's own prompt()/submit() flow.
    const old = new TwoStageEpisode({ db: await database(), planner: recordingPlanner("the plan").planner, query: QUERY, countTokens: () => 0 });
    for (const [i, text] of SCRIPT.entries()) {
      expect(model.calls[i]!.messages[0]!.content).toBe(old.prompt());
      await old.submit(text);
    }
    expect(e.current.scratchpad).toBe(old.scratchpad);
    expect(result.steps.map((s) => s.usage)).toEqual([
      { input: 201, output: 21, calls: 2 },
      { input: 205, output: 25, calls: 2 },
      { input: 209, output: 29, calls: 2 },
    ]);
    expect(result.usage).toEqual({ input: 615, output: 75, calls: 6 });
  });

  it("passes the episode's config to every model call: callbacks see each call, nested in the caller's run", async () => {
    const direct = new Recorder();
    await runEpisode(await env(), new TwoStageReactAgent({ model: new FakeListChatModel({ responses: SCRIPT }), stop: [] }), { config: { callbacks: [direct] } });
    expect(direct.llmRuns).toHaveLength(6);

    const nested = new Recorder();
    const e = await env();
    const chain = RunnableLambda.from(async (_input: string, config?: RunnableConfig) => {
      const r = await runEpisode(e, new TwoStageReactAgent({ model: new FakeListChatModel({ responses: SCRIPT }), stop: [] }), { config });
      return r.steps.length;
    });
    expect(await chain.invoke("go", { callbacks: [nested] })).toBe(3);
    expect(nested.chains).toHaveLength(1);
    expect(nested.llmRuns).toHaveLength(6);
    expect(nested.llmRuns.every((r) => r.parentRunId === nested.chains[0])).toBe(true);
  });

  it("puts guidance retrieved after reset into every prompt, the same text each time", async () => {
    const model = fakeModel();
    SCRIPT.forEach((text) => model.respond(reply(text, 1, 1)));
    const result = await runEpisode(await env(), new TwoStageReactAgent({ model }), { guidance: () => "Save every search in the Notebook." });
    expect(result.guidelines).toBe("Save every search in the Notebook.");
    for (const c of model.calls) expect(String(c.messages[0]!.content)).toContain(`Save every search in the Notebook.\n\nQuery: ${QUERY}\nThought 1:`);
  });

  it("stops at the environment's step limit and at runEpisode's", async () => {
    const many = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? "think" : `CitySearch[State${i}]`));
    const limited = new TravelPlannerEnvironment({ db: await database(), planner: recordingPlanner().planner, query: QUERY, countTokens: () => 0, maxSteps: 2 });
    expect((await runEpisode(limited, new TwoStageReactAgent({ model: new FakeListChatModel({ responses: many }), stop: [] }))).steps).toHaveLength(2);
    const r = await runEpisode(await env(), new TwoStageReactAgent({ model: new FakeListChatModel({ responses: many }), stop: [] }), { maxSteps: 3 });
    expect(r.steps).toHaveLength(3);
  });

  it("counts the thought call's tokens when the action call fails", async () => {
    const model = fakeModel().respond(reply("thinking", 7, 3)).respond(new Error("endpoint down"));
    const booked: unknown[] = [];
    let transcript: unknown[] = [];
    await expect(
      runEpisode(await env(), {
        async play(ctx) {
          const spied = Object.create(ctx, { addUsage: { value: (u: unknown) => booked.push(u) } }) as typeof ctx;
          transcript = ctx.messages;
          await new TwoStageReactAgent({ model }).play(spied);
        },
      }),
    ).rejects.toThrow(/endpoint down/);
    expect(booked).toEqual([{ input: 7, output: 3, calls: 1 }]);
    expect(transcript).toHaveLength(2); // the thought turn, its prompt kept whole
    expect((transcript[0] as { content: string }).content.endsWith(`Query: ${QUERY}\nThought 1:`)).toBe(true);
  });
});
