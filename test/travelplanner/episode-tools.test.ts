import { beforeAll, describe, expect, it } from "vitest";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { createTravelPlannerEpisodeTools, EPISODE_OVER_OBSERVATION } from "../../environments/travelplanner/langchain.js";
import type { Planner } from "../../environments/travelplanner/planner.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");
const QUERY = "Plan a 3-day trip from St. Petersburg to Rockford, March 16th to 18th, 2022, for one person with $1,700.";
const planner: Planner = { plan: async () => "the plan" };

describe.skipIf(!dir)("episode tools", () => {
  let db: TravelPlannerDatabase;
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
  });
  const started = async (extra: { maxSteps?: number } = {}) => {
    const env = new TravelPlannerEnvironment({ db, planner, query: QUERY, countTokens: () => 0, ...extra });
    await env.reset();
    return env;
  };
  const byName = (env: TravelPlannerEnvironment, schema?: "text" | "structured") => Object.fromEntries(createTravelPlannerEpisodeTools(env, { schema }).map((t) => [t.name, t]));

  it("each call is a step of the episode with the official observation; the Planner ends it", async () => {
    const env = await started();
    const tools = byName(env, "structured");
    expect(Object.keys(tools)).toEqual(["FlightSearch", "AccommodationSearch", "RestaurantSearch", "AttractionSearch", "CitySearch", "GoogleDistanceMatrix", "NotebookWrite", "Planner"]);
    expect(await tools.GoogleDistanceMatrix!.invoke({ origin: "Washington", destination: "Myrtle Beach", mode: "taxi" })).toBe("taxi, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 693");
    expect(await tools.NotebookWrite!.invoke({ short_description: "taxi" })).toBe("The information has been recorded in Notebook, and its index is 0.");
    expect(await tools.Planner!.invoke({ query: "go" })).toBe("the plan");
    expect(env.done).toBe(true);
    expect(env.current.jsonLog.map((j) => j.action)).toEqual(["Action 1: GoogleDistanceMatrix[Washington, Myrtle Beach, taxi]", "Action 2: NotebookWrite[taxi]", "Action 3: Planner[go]"]);
    expect(await tools.CitySearch!.invoke({ state: "Texas" })).toBe(EPISODE_OVER_OBSERVATION);
    expect(env.current.jsonLog).toHaveLength(3);
  });

  it("the retry counters, the three-repeats rule and the step limit apply", async () => {
    const env = await started();
    const tools = byName(env);
    for (const d of ["01", "02", "03"]) expect(await tools.FlightSearch!.invoke(`X, Y, 2022-03-${d}`)).toMatch(/^X is not valid city in/);
    expect(await tools.FlightSearch!.invoke("X, Y, 2022-03-04")).toBe("flights early stop due to 3 max retries.");
    expect(env.done).toBe(true);

    const repeats = await started();
    const t2 = byName(repeats);
    await t2.CitySearch!.invoke("Texas");
    await t2.CitySearch!.invoke("Texas");
    expect(await t2.CitySearch!.invoke("Texas")).toBe("same action 3 times repeated");
    expect(repeats.done).toBe(true);

    const short = await started({ maxSteps: 2 });
    const t3 = byName(short);
    await t3.CitySearch!.invoke("Texas");
    expect(short.done).toBe(false);
    await t3.CitySearch!.invoke("Ohio");
    expect(short.done).toBe(true);
    expect(await t3.CitySearch!.invoke("Utah")).toBe(EPISODE_OVER_OBSERVATION);
  });

  it("concurrent calls run one at a time, in call order", async () => {
    const env = await started();
    const tools = byName(env);
    const out = await Promise.all([tools.CitySearch!.invoke("Texas"), tools.Planner!.invoke("go"), tools.CitySearch!.invoke("Ohio")]);
    expect(out[1]).toBe("the plan");
    expect(out[2]).toBe(EPISODE_OVER_OBSERVATION);
    expect(env.current.scratchpad).toMatch(/^\nAction 1: CitySearch\[Texas\]\nObservation 1: .*\nAction 2: Planner\[go\]\nObservation 2: the plan$/s);
  });
});
