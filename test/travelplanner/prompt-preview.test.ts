import { beforeAll, describe, expect, it } from "vitest";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { TwoStageEpisode } from "../../environments/travelplanner/episode.js";
import type { Planner } from "../../environments/travelplanner/planner.js";
import { agentPrompt } from "../../environments/travelplanner/prompts.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");
const QUERY = "Plan a 3-day trip from St. Petersburg to Rockford, March 16th to 18th, 2022, for one person with $1,700.";
const planner: Planner = { plan: async () => "Day 1:\nCurrent City: from A to B" };
const GUIDELINES = 'Here are some guidelines of how to solve the similar task:\n[{"task_name": "x", "guidelines": "search flights first"}]';

/** Model outputs as they come back: stray spaces and newlines, a masked table, an empty action, repeats, a failure. */
const TURNS: [string, string][] = [
  ["  None of the flights are known.\n", "FlightSearch[St. Petersburg, Rockford, 2022-03-16]\n"],
  ["Save them.", " NotebookWrite[Flights to Rockford] "],
  ["Hotels next", "AccommodationSearch[Rockford]"],
  ["A bad city", "RestaurantSearch[Atlantis]"],
  ["", "\n"],
  ["multi\nline\nthought", "NotebookWrite[Hotels in Rockford]"],
  ["Plan it", "Planner[a trip to Rockford]"],
];

describe.skipIf(!dir)("prompt previews", () => {
  let db: TravelPlannerDatabase;
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
  });

  for (const guidelines of [undefined, GUIDELINES]) {
    it(`thoughtPrompt/actionPrompt are byte for byte what prompt()/submit() sent (${guidelines ? "with" : "without"} guidelines)`, async () => {
      const old = new TwoStageEpisode({ db, planner, query: QUERY, ...(guidelines ? { guidelines } : {}) });
      const env = new TravelPlannerEnvironment({ db, planner, query: QUERY, ...(guidelines ? { guidelines } : {}) });
      await env.reset();
      for (const [thought, action] of TURNS) {
        const before = env.current.scratchpad;
        const thoughtPrompt = env.thoughtPrompt();
        expect(env.thoughtPrompt()).toBe(thoughtPrompt); // no side effect
        expect(thoughtPrompt).toBe(old.prompt());
        expect(thoughtPrompt.endsWith(`\nThought ${old.stepN}:`)).toBe(true);
        await old.submit(thought);
        const actionPrompt = env.actionPrompt(thought);
        expect(actionPrompt).toBe(old.prompt());
        expect(env.current.scratchpad).toBe(before);
        await old.submit(action);
        await env.step(action, { thought });
        expect(env.current.scratchpad).toBe(old.scratchpad);
        expect(env.current.jsonLog).toEqual(old.jsonLog);
        if (guidelines) expect(thoughtPrompt).toContain(`${GUIDELINES}\n\nQuery: ${QUERY}\nThought`);
      }
      expect(env.done).toBe(true);
      expect(() => env.thoughtPrompt()).toThrow(/the episode is over/);
    });
  }

  it("the action prompt ends with the formatted thought and the action label", async () => {
    const env = new TravelPlannerEnvironment({ db, planner, query: QUERY });
    await env.reset();
    expect(env.actionPrompt(" two\nlines ").endsWith(`Query: ${QUERY}\nThought 1: twolines\nAction 1:`)).toBe(true);
  });
});

describe("guidelines in the agent prompt", () => {
  it("sit after the instructions and before the query; without them the prompt is unchanged", () => {
    const plain = agentPrompt("Q", "\nThought 1:");
    expect(agentPrompt("Q", "\nThought 1:", "")).toBe(plain);
    expect(agentPrompt("Q", "\nThought 1:", "  \n")).toBe(plain);
    const guided = agentPrompt("Q", "\nThought 1:", "Use the guidance.\n");
    expect(guided).toBe(plain.replace("\n\nQuery: Q", "\n\nUse the guidance.\n\nQuery: Q"));
  });

  it.skipIf(!dir)("are the same at every step and can be set only before the first one", async () => {
    const db = await TravelPlannerDatabase.load(dir!);
    const env = new TravelPlannerEnvironment({ db, planner, query: QUERY, countTokens: () => 0 });
    await env.reset();
    expect(env.guidelines).toBe("");
    env.setGuidelines("Search flights first.");
    expect(env.guidelines).toBe("Search flights first.");
    const first = env.thoughtPrompt();
    await env.step("CitySearch[Texas]", { thought: "states" });
    const second = env.thoughtPrompt();
    const head = (p: string) => p.slice(0, p.indexOf("Query:"));
    expect(head(second)).toBe(head(first));
    expect(head(first)).toContain("Search flights first.\n\n");
    expect(() => env.setGuidelines("other")).toThrow(/before the first step/);
    // A new episode starts from the options' guidelines again.
    await env.reset();
    expect(env.guidelines).toBe("");
  });

  it.skipIf(!dir)("count towards the prompt-token budget", async () => {
    const db = await TravelPlannerDatabase.load(dir!);
    const plain = new TwoStageEpisode({ db, planner, query: QUERY, countTokens: (t) => t.length, maxPromptTokens: agentPrompt(QUERY, "").length + 5 });
    expect(plain.done).toBe(false);
    plain.setGuidelines("x".repeat(50));
    expect(plain.done).toBe(true);
  });
});
