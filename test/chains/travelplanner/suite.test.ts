import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { runEpisode } from "../../../chains/episode.js";
import { DemonstrationAgent } from "../../../chains/travelplanner/demonstration.js";
import { TwoStageReactAgent } from "../../../chains/travelplanner/react.js";
import { travelPlannerSuite } from "../../../chains/travelplanner/suite.js";
import { ToolCallingAgent } from "../../../chains/travelplanner/tools.js";
import { goldPlan } from "../../../environments/travelplanner/demonstrations.js";
import { TravelPlannerEnvironment } from "../../../environments/travelplanner/environment.js";
import { renderPlan } from "../../../environments/travelplanner/planParser.js";
import { InputError } from "../../../core/errors.js";
import { TrajectorySchema } from "../../../core/trajectory.js";
import { dir, trainQueries } from "./helpers.js";

const setupOptions = (model: FakeListChatModel, agent: "react" | "tools" = "react") => ({ model, agent, fewShot: false, maxSteps: 30 });

describe.skipIf(!dir)("travelPlannerSuite", () => {
  const suite = travelPlannerSuite({ dataDir: dir! });

  it("lists the train and validation queries as episodes", async () => {
    expect(suite.env).toBe("travelplanner");
    expect(suite.splits).toEqual(["train", "validation"]);
    const train = await suite.items("train");
    expect(train).toHaveLength(45);
    expect(train[0]).toEqual({ name: "1", index: 0, taskType: "easy", source: "travelplanner/train/1" });
    expect(train[44]).toMatchObject({ name: "45", index: 44, source: "travelplanner/train/45" });
    expect(new Set(train.map((i) => i.taskType))).toEqual(new Set(["easy", "medium", "hard"]));
    const validation = await suite.items("validation");
    expect(validation).toHaveLength(180);
    expect(validation[179]).toMatchObject({ name: "180", source: "travelplanner/validation/180" });
    expect(suite.actionVocabulary()).toContain("Planner[Query]");
  });

  it("refuses the test split (no labels: the leaderboard scores it) and unknown splits", async () => {
    await expect(async () => suite.items("test")).rejects.toThrow(InputError);
    await expect(async () => suite.items("test")).rejects.toThrow(/test split has no labels.*leaderboard/);
    await expect(async () => suite.items("dev")).rejects.toThrow(/unknown TravelPlanner split "dev"/);
  });

  it("sets up an environment with an LLM planner on the model, the chosen agent and the guidelines", async () => {
    const [item] = await suite.items("train");
    const react = await suite.setup(item!, setupOptions(new FakeListChatModel({ responses: ["x"] })));
    expect(react.env).toBeInstanceOf(TravelPlannerEnvironment);
    expect(react.agent).toBeInstanceOf(TwoStageReactAgent);
    expect(react.env.task).toBe(trainQueries()[0]!.query);
    const tools = await suite.setup(item!, { ...setupOptions(new FakeListChatModel({ responses: ["x"] }), "tools"), guidelines: "Mind the budget." } as Parameters<typeof suite.setup>[1]);
    expect(tools.agent).toBeInstanceOf(ToolCallingAgent);
    await tools.env.reset();
    expect(tools.env.guidelines).toBe("Mind the budget.");
    expect(tools.env.thoughtPrompt()).toContain("Mind the budget.\n\nQuery:");
    await expect(suite.setup({ ...item!, source: "alfworld/x" }, setupOptions(new FakeListChatModel({ responses: [] })))).rejects.toThrow(/not a TravelPlanner episode source/);
  });

  it("judges with the evaluator and summarizes with the official metric names", async () => {
    const items = (await suite.items("train")).slice(0, 2);
    const queries = trainQueries();
    const episodes = [];
    for (const [i, item] of items.entries()) {
      // The planner (the same model) answers with the gold plan for the first query and with prose for the second.
      const answer = i === 0 ? renderPlan(goldPlan(queries[0]!)) : "Sorry, no plan.";
      const { env } = await suite.setup(item, setupOptions(new FakeListChatModel({ responses: [answer] })));
      const result = await runEpisode(env, DemonstrationAgent.forQuery(queries[i]!), { name: item.source });
      const verdict = await suite.judge(item, result, env);
      expect(verdict.success).toBe(i === 0);
      expect(verdict.reward).toBe(i === 0 ? 1 : 0);
      expect(verdict.details).toMatchObject({ delivered: i === 0, answer });
      expect(Object.keys(verdict.details!)).toEqual(expect.arrayContaining(["commonsense", "hard", "plan", "commonsensePass", "hardPass"]));
      episodes.push({ item, details: JSON.parse(JSON.stringify(verdict.details)) as Record<string, unknown> });
    }
    const summary = await suite.summarize!("train", episodes);
    // Denominators are the 2 episodes: 16 commonsense checks, 1 + 0 set constraints each for hard (Budget alone).
    expect(summary).toEqual({ delivery_rate: 0.5, commonsense_micro: 8 / 16, commonsense_macro: 0.5, hard_micro: 1 / 2, hard_macro: 0.5, final_pass_rate: 0.5, episodes: 2 });
  });

  it("demonstrations: scripted train runs with the gold planner, successful, with source and facts", async () => {
    const demos = await suite.demonstrations({ limit: 3 });
    expect(demos).toHaveLength(3);
    const q = trainQueries()[0]!;
    const t = TrajectorySchema.parse(demos[0]);
    expect(t).toMatchObject({ task: q.query, env: "travelplanner", game: "travelplanner/train/1", success: true, reward: 1 });
    expect(t.facts).toMatchObject({ org: q.org, dest: q.dest, days: "3", level: "easy" });
    expect(t.steps.at(-1)).toMatchObject({ action: `Planner[${q.query}]`, observation: renderPlan(goldPlan(q)) });
    expect(t.steps.every((s) => s.thought)).toBe(true);
    expect(demos.map((d) => d.game)).toEqual(["travelplanner/train/1", "travelplanner/train/2", "travelplanner/train/3"]);
  });

  it("describes the data it runs on", async () => {
    await suite.items("train");
    const d = suite.describe({});
    expect(d).toMatchObject({ database: `${dir}/database`, queries: { train: `${dir}/queries/train.jsonl`, validation: `${dir}/queries/validation.jsonl` }, flights: 2011, accommodations: 4285, cities: 311 });
  });

  it("a missing data folder is an input error naming the file", async () => {
    const missing = travelPlannerSuite({ dataDir: "/no/such/travelplanner" });
    await expect(async () => missing.items("train")).rejects.toThrow(/\/no\/such\/travelplanner\/queries\/train\.jsonl/);
  });
});
