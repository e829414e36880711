import { AIMessage, SystemMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { createMiddleware } from "langchain";
import { describe, expect, it } from "vitest";
import { runEpisode } from "../../../chains/episode.js";
import { TOOL_SYSTEM_PROMPT, ToolCallingAgent } from "../../../chains/travelplanner/tools.js";
import { TravelPlannerEnvironment } from "../../../environments/travelplanner/environment.js";
import { TwoStageEpisode } from "../../../environments/travelplanner/episode.js";
import { EPISODE_OVER_OBSERVATION } from "../../../environments/travelplanner/langchain.js";
import { database, dir, FLIGHT, QUERY, recordingPlanner } from "./helpers.js";

type Call = { name: string; args: Record<string, string> };
let ids = 0;
/** A tool-calling reply with token usage. */
const calls = (list: Call[], usage = { input: 0, output: 0 }, content = "") =>
  new AIMessage({
    content,
    tool_calls: list.map((c) => ({ ...c, id: `tc-${++ids}`, type: "tool_call" as const })),
    usage_metadata: { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output },
  });
const flight = { name: "FlightSearch", args: { departure_city: "St. Petersburg", destination_city: "Rockford", date: "2022-03-16" } };
const write = (d: string) => ({ name: "NotebookWrite", args: { short_description: d } });
const planner = { name: "Planner", args: { query: "3-day trip to Rockford" } };
const city = (state: string) => ({ name: "CitySearch", args: { state } });

describe.skipIf(!dir)("ToolCallingAgent", () => {
  const env = async (extra: { maxSteps?: number } = {}) => {
    const rec = recordingPlanner("the plan");
    return { env: new TravelPlannerEnvironment({ db: await database(), planner: rec.planner, query: QUERY, countTokens: () => 0, ...extra }), plannerCalls: rec.calls };
  };

  it("each tool call is a recorded step; the Planner ends the episode and the model is not called again", async () => {
    const model = fakeModel()
      .respond(calls([flight], { input: 100, output: 5 }, "Flights first."))
      .respond(calls([write("Flights")], { input: 200, output: 6 }))
      .respond(calls([planner], { input: 300, output: 7 }))
      .respond(new AIMessage("never used"));
    const { env: e, plannerCalls } = await env();
    const result = await runEpisode(e, new ToolCallingAgent({ model }));
    expect(model.callCount).toBe(3);
    expect(result.steps.map((s) => s.action)).toEqual([FLIGHT, "NotebookWrite[Flights]", "Planner[3-day trip to Rockford]"]);
    expect(result.steps[2]!.observation).toBe("the plan");
    expect(plannerCalls[0]!.information).toContain("'Short Description': 'Flights'");
    expect(e.done).toBe(true);
    expect(e.current.answer).toBe("the plan");
    // Each model call's tokens go to the step its tool call made.
    expect(result.steps.map((s) => s.usage)).toEqual([
      { input: 100, output: 5, calls: 1 },
      { input: 200, output: 6, calls: 1 },
      { input: 300, output: 7, calls: 1 },
    ]);
    expect(result.usage).toEqual({ input: 600, output: 18, calls: 3 });
    // The transcript: system prompt, the query, assistant turns with tool calls, tool results.
    expect(result.messages[0]).toEqual({ role: "system", content: TOOL_SYSTEM_PROMPT });
    expect(result.messages[1]).toEqual({ role: "user", content: QUERY });
    expect(result.messages[2]).toMatchObject({ role: "assistant", content: "Flights first.", toolCalls: [{ name: "FlightSearch", args: flight.args }] });
    expect(result.messages[3]!.role).toBe("tool");
    expect(result.messages[3]!.content.startsWith("Flight Number  Price")).toBe(true);
    expect(result.messages.at(-1)).toEqual({ role: "tool", content: "the plan" });
    // The scratchpad is the one text mode writes for the same actions (no thoughts).
    const text = new TwoStageEpisode({ db: await database(), planner: recordingPlanner("the plan").planner, query: QUERY, countTokens: () => 0 });
    for (const s of result.steps) await text.step(s.action);
    expect(e.current.scratchpad).toBe(text.scratchpad);
    expect(e.current.jsonLog).toEqual(text.jsonLog);
  });

  it("the environment's step limit and runEpisode's end the run", async () => {
    const busy = () => {
      const m = fakeModel();
      for (let i = 0; i < 10; i++) m.respond(calls([city(`State${i}`)]));
      return m;
    };
    const limited = await env({ maxSteps: 2 });
    const m1 = busy();
    const r1 = await runEpisode(limited.env, new ToolCallingAgent({ model: m1 }));
    expect(r1.steps).toHaveLength(2);
    expect(m1.callCount).toBe(2);
    expect(limited.env.current.stopReason).toBe("halted: the step limit (2) was reached");
    const m2 = busy();
    const r2 = await runEpisode((await env()).env, new ToolCallingAgent({ model: m2 }), { maxSteps: 3 });
    expect(r2.steps).toHaveLength(3);
    expect(m2.callCount).toBe(3);
  });

  it("a tool that failed three times in a row stops the episode on its next call, as in text mode", async () => {
    const bad = (d: string) => ({ name: "FlightSearch", args: { departure_city: "Nowhere", destination_city: "Rockford", date: `2022-03-${d}` } });
    const model = fakeModel();
    for (const d of ["01", "02", "03", "04", "05"]) model.respond(calls([bad(d)]));
    const { env: e } = await env();
    const result = await runEpisode(e, new ToolCallingAgent({ model }));
    expect(model.callCount).toBe(4);
    expect(e.current.jsonLog.map((j) => j.state)).toEqual(["Illegal args. City Error", "Illegal args. City Error", "Illegal args. City Error", "flights early stop due to 3 max retries."]);
    expect(result.steps.map((s) => s.observation.slice(0, 30))).toEqual(Array(3).fill("Nowhere is not valid city in [").concat([""]));
    // What the model saw for the stopping call: the stop state (the step's observation is empty).
    expect(result.messages.at(-1)).toEqual({ role: "tool", content: "flights early stop due to 3 max retries." });
    const text = new TwoStageEpisode({ db: await database(), planner: recordingPlanner().planner, query: QUERY, countTokens: () => 0 });
    for (const s of result.steps) await text.step(s.action);
    expect(text.jsonLog).toEqual(e.current.jsonLog);
  });

  it("calls of one turn run in order; those after the Planner are answered without a step", async () => {
    const model = fakeModel().respond(calls([city("Texas"), planner, city("Ohio")]));
    const { env: e } = await env();
    const result = await runEpisode(e, new ToolCallingAgent({ model }));
    expect(result.steps.map((s) => s.action)).toEqual(["CitySearch[Texas]", "Planner[3-day trip to Rockford]"]);
    expect(result.messages.filter((m) => m.role === "tool").map((m) => m.content)).toEqual([expect.stringContaining("Houston"), "the plan", EPISODE_OVER_OBSERVATION]);
    expect(model.callCount).toBe(1);
  });

  it("without middleware, the guidelines go into the system prompt; with middleware they are left to it, and its afterAgent hook still runs", async () => {
    const plain = fakeModel().respond(calls([planner]));
    await runEpisode((await env()).env, new ToolCallingAgent({ model: plain }), { guidance: () => "Search flights first." });
    const system = plain.calls[0]!.messages[0]!;
    expect(SystemMessage.isInstance(system)).toBe(true);
    expect(system.text).toBe(`${TOOL_SYSTEM_PROMPT}\n\nSearch flights first.`);

    const hooks: string[] = [];
    const observer = createMiddleware({
      name: "Observer",
      beforeAgent: () => void hooks.push("beforeAgent"),
      afterAgent: (state) => void hooks.push(`afterAgent:${state.messages.length}`),
    });
    const withMiddleware = fakeModel().respond(calls([planner]));
    await runEpisode((await env()).env, new ToolCallingAgent({ model: withMiddleware, middleware: [observer] }), { guidance: () => "Search flights first." });
    expect(withMiddleware.calls[0]!.messages[0]!.text).toBe(TOOL_SYSTEM_PROMPT);
    expect(hooks).toEqual(["beforeAgent", "afterAgent:4"]);
  });

  it("text-schema tools take the bracket text; a model that only makes rejected calls is stopped", async () => {
    const model = fakeModel().respond(calls([{ name: "AttractionSearch", args: { input: "Rockford" } }]));
    for (let i = 0; i < 20; i++) model.respond(calls([{ name: "GoogleDistanceMatrix", args: { origin: "A", destination: "B", mode: "walking" } }]));
    const { env: e } = await env();
    const textResult = await runEpisode(e, new ToolCallingAgent({ model, schema: "text" }), { maxSteps: 3 });
    expect(textResult.steps[0]!.action).toBe("AttractionSearch[Rockford]");

    // Structured schema: a mode outside the enum never reaches the episode; the call budget ends the run.
    const stubborn = fakeModel();
    for (let i = 0; i < 20; i++) stubborn.respond(calls([{ name: "GoogleDistanceMatrix", args: { origin: "A", destination: "B", mode: "walking" } }]));
    const r = await runEpisode((await env()).env, new ToolCallingAgent({ model: stubborn }), { maxSteps: 3 });
    expect(r.steps).toHaveLength(0);
    expect(stubborn.callCount).toBe(7); // 2 * maxSteps + 1
  });
});
