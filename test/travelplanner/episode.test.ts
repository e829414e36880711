import { FakeListChatModel } from "@langchain/core/utils/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runEpisode } from "../../chains/episode.js";
import { TwoStageReactAgent } from "../../chains/travelplanner/react.js";
import { MASKED_TEXT } from "../../environments/travelplanner/actions.js";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { TravelPlannerEnvironment, type TravelPlannerEnvironmentOptions } from "../../environments/travelplanner/environment.js";
import { FILTERED_ACTION_TEXT, NULL_ACTION_FEEDBACK, TwoStageEpisode } from "../../environments/travelplanner/episode.js";
import type { Planner } from "../../environments/travelplanner/planner.js";
import { TrajectorySchema } from "../../core/trajectory.js";
import { dataDir } from "../helpers/data.js";
import { recordingPlanner } from "../chains/travelplanner/helpers.js";

const dir = dataDir("TRAVELPLANNER_DATA");


const QUERY = "Plan a 3-day trip from St. Petersburg to Rockford, March 16th to 18th, 2022, for one person with $1,700.";
const FLIGHT = "FlightSearch[St. Petersburg, Rockford, 2022-03-16]";

describe.skipIf(!dir)("two-stage episode rules", () => {
  let db: TravelPlannerDatabase;
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
  });
  const episode = (extra: Partial<ConstructorParameters<typeof TwoStageEpisode>[0]> = {}) =>
    new TwoStageEpisode({ db, planner: recordingPlanner().planner, query: QUERY, countTokens: () => 0, ...extra });
  /** Plays the environment with the two-stage agent over `model`; returns the finished episode. */
  async function play(model: FakeListChatModel, options: Partial<TravelPlannerEnvironmentOptions> & { stop?: string[] } = {}) {
    const { stop, ...envOptions } = options;
    const env = new TravelPlannerEnvironment({ db, planner: recordingPlanner().planner, query: QUERY, countTokens: () => 0, ...envOptions });
    await runEpisode(env, new TwoStageReactAgent({ model, ...(stop ? { stop } : {}) }));
    return env.current;
  }

  it("runs thought/action turns with a chat model, masks older tables, and ends with the Planner on the notebook", async () => {
    const { planner, calls } = recordingPlanner("Day 1: ...");
    const model = new FakeListChatModel({
      responses: [
        "I need flights first.",
        FLIGHT,
        "Save them.\n",
        "NotebookWrite[Flights from St. Petersburg to Rockford on 2022-03-16]",
        "Now plan.",
        "Planner[3-day trip St. Petersburg to Rockford]",
      ],
    });
    // FakeListChatModel answers a call that has stop sequences with the first of them, so none here.
    const ep = await play(model, { planner, stop: [] });
    expect(ep.finished).toBe(true);
    expect(ep.answer).toBe("Day 1: ...");
    expect(ep.jsonLog.map((e) => e.state)).toEqual(["Successful", "Successful", "Successful"]);
    expect(ep.jsonLog[0]).toMatchObject({ step: 1, thought: "Thought 1: I need flights first.", action: `Action 1: ${FLIGHT}` });
    expect(ep.jsonLog[0]!.observation.startsWith("Flight Number  Price")).toBe(true);
    // NotebookWrite masks the table in the scratchpad; the notebook still holds it for the Planner.
    expect(ep.scratchpad).toContain(`\nObservation 1: ${MASKED_TEXT}\nThought 2: Save them.\nAction 2: NotebookWrite[`);
    expect(ep.scratchpad).not.toContain("F3573659");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.query).toBe("3-day trip St. Petersburg to Rockford"); // the agent's argument, not the user's query
    expect(calls[0]!.information).toMatch(/^\[\{'index': 0, 'Short Description': 'Flights from St\. Petersburg to Rockford on 2022-03-16', 'Content': 'Flight Number {2}Price .*F3573659/);
    expect(ep.scratchpad.endsWith("\nObservation 3: Day 1: ...")).toBe(true);
    const trajectory = TrajectorySchema.parse(ep.toTrajectory());
    expect(trajectory).toMatchObject({ task: QUERY, env: "travelplanner", success: true });
    expect(trajectory.steps.map((s) => s.action)).toEqual([FLIGHT, "NotebookWrite[Flights from St. Petersburg to Rockford on 2022-03-16]", "Planner[3-day trip St. Petersburg to Rockford]"]);
    expect(trajectory.steps[1]!.thought).toBe("Save them.");
  });

  it("calls the model with stop ['\\n'] by default", async () => {
    // The fake echoes the first stop sequence, so every thought and action comes back empty.
    const model = new FakeListChatModel({ responses: ["unused"] });
    const ep = await play(model);
    expect(ep.jsonLog.map((e) => e.state)).toEqual(["", "", "same action 3 times repeated"]);
    expect(ep.jsonLog[0]!.observation).toBe("No feedback from the environment due to the null action.");
  });

  it("the agent prompt carries the query and the scratchpad with its labels", async () => {
    const ep = episode();
    const p = ep.prompt();
    expect(p).toContain(`Query: ${QUERY}\nThought 1:`);
    await ep.submit("thinking");
    expect(ep.prompt().endsWith(`Query: ${QUERY}\nThought 1: thinking\nAction 1:`)).toBe(true);
    expect(ep.expecting).toBe("action");
  });

  it("stops on the same action three times in a row, without a plan", async () => {
    const ep = episode();
    await ep.step("CitySearch[Texas]");
    await ep.step("CitySearch[Texas]");
    expect(ep.done).toBe(false);
    const last = await ep.step("CitySearch[Texas]");
    expect(ep.finished).toBe(true);
    expect(ep.answer).toBe("");
    expect(last).toMatchObject({ state: "same action 3 times repeated", action: "", observation: "" });
    await expect(ep.step("CitySearch[Ohio]")).rejects.toThrow(/the episode is over/);
  });

  it("a different action in between resets the repetition count", async () => {
    const ep = episode();
    for (const a of ["CitySearch[Texas]", "CitySearch[Texas]", "CitySearch[Ohio]", "CitySearch[Texas]", "CitySearch[Texas]"]) await ep.step(a);
    expect(ep.done).toBe(false);
  });

  it("stops after three consecutive failures of one tool; a success resets every counter", async () => {
    const ep = episode();
    await ep.step("FlightSearch[A, B, 2022-03-01]");
    await ep.step("FlightSearch[A, C, 2022-03-01]");
    await ep.step("CitySearch[Texas]"); // success: counters back to 0
    for (const d of ["01", "02", "03"]) expect((await ep.step(`FlightSearch[X, Y, 2022-03-${d}]`)).state).toBe("Illegal args. City Error");
    expect(ep.done).toBe(false);
    const stop = await ep.step("FlightSearch[X, Y, 2022-03-04]");
    expect(stop.state).toBe("flights early stop due to 3 max retries.");
    expect(ep.finished).toBe(true);
  });

  it("keeps the official quirk: AccommodationSearch is guarded by the invalid-action counter", async () => {
    const ep = episode();
    for (const c of ["X1", "X2", "X3", "X4"]) expect((await ep.step(`AccommodationSearch[${c}]`)).state).toBe("Illegal args. City Error");
    expect(ep.done).toBe(false);
    for (const a of ["Foo[1]", "Foo[2]", "Foo[3]"]) expect((await ep.step(a)).state).toBe("invalidAction");
    const stop = await ep.step("AccommodationSearch[Rockford]");
    expect(stop.state).toBe("accommodation early stop due to 3 max retries.");
  });

  it("answers an empty action with the filtered-action texts", async () => {
    const ep = episode();
    const entry = await ep.step("\n");
    expect(ep.scratchpad).toBe(`\nAction 1:${FILTERED_ACTION_TEXT}\nObservation 1: ${NULL_ACTION_FEEDBACK}`);
    expect(entry.observation).toBe("No feedback from the environment due to the null action.");
    expect(FILTERED_ACTION_TEXT).toContain("['\\n', 'Thought', 'Action', 'Observation']");
  });

  it("masks the text 'None' on the first search, as the official code does with current_data = None", async () => {
    const ep = episode();
    await ep.step("CitySearch[Atlantis]", "None of this matters");
    expect(ep.scratchpad.startsWith(`\nThought 1: ${MASKED_TEXT} of this matters`)).toBe(true);
  });

  it("halts at the step limit and at the prompt-token budget", async () => {
    const model = new FakeListChatModel({ responses: ["think", "CitySearch[Texas]", "think", "CitySearch[Ohio]"] });
    const ep = await play(model, { maxSteps: 2, stop: [] });
    expect(ep.finished).toBe(false);
    expect(ep.stepN).toBe(3);
    expect(ep.answer).toBe("");
    expect(ep.stopReason).toBe("halted: the step limit (2) was reached");
    const long = episode({ countTokens: (t) => t.length, maxPromptTokens: 100 });
    expect(long.done).toBe(true);
    expect(long.stopReason).toBe("halted: the prompt exceeds 100 tokens");
  });

  it("is a TextEnvironment: one Action[args] per step, done after the Planner; the verdict is not its job", async () => {
    const env = new TravelPlannerEnvironment({ db, planner: recordingPlanner("the plan").planner, query: QUERY, countTokens: () => 0 });
    expect((await env.reset()).observation).toBe(QUERY);
    expect(env.actionVocabulary).toContain("FlightSearch[Departure City, Destination City, Date]");
    const s1 = await env.step(FLIGHT);
    expect(s1).toMatchObject({ done: false, reward: 0, info: { won: false, state: "Successful" } });
    expect(env.done).toBe(false);
    const s2 = await env.step("Planner[go]");
    expect(s2).toMatchObject({ observation: "the plan", done: true, reward: 0, info: { won: false, answer: "the plan" } });
    expect(env.done).toBe(true);
    expect(env.current.scratchpad).toContain("\nAction 1: FlightSearch[");
  });

  it("a step with a thought writes the scratchpad and json_log exactly as TwoStageEpisode.step(action, thought)", async () => {
    const env = new TravelPlannerEnvironment({ db, planner: recordingPlanner("the plan").planner, query: QUERY, countTokens: () => 0 });
    await env.reset();
    const reference = episode({ planner: recordingPlanner("the plan").planner });
    const steps: [string, string | undefined][] = [
      [FLIGHT, "None yet: flights first.\n"],
      ["NotebookWrite[Flights]", "  keep them  "],
      ["CitySearch[Texas]", undefined],
      ["", "an empty action"],
      ["Planner[go]", "plan"],
    ];
    for (const [action, thought] of steps) {
      const r = await env.step(action, thought === undefined ? undefined : { thought });
      const e = await reference.step(action, thought);
      expect(r.observation).toBe(e.observation);
      expect(r.info.state).toBe(e.state);
    }
    expect(env.current.scratchpad).toBe(reference.scratchpad);
    expect(env.current.jsonLog).toEqual(reference.jsonLog);
    expect(env.current.scratchpad).toContain(`\nThought 1: ${MASKED_TEXT} yet: flights first.\nAction 1: ${FLIGHT}`);
  });
});
