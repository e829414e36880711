import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { demonstrationSteps, GoldPlanner, goldPlan } from "../../environments/travelplanner/demonstrations.js";
import { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { evaluatePlan } from "../../environments/travelplanner/evaluator/evaluate.js";
import { parsePlan, PLAN_FIELDS, renderPlan } from "../../environments/travelplanner/planParser.js";
import { loadQueries, type TravelQuery } from "../../environments/travelplanner/queries.js";
import { InputError } from "../../core/errors.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("TRAVELPLANNER_DATA");

describe.skipIf(!dir)("scripted demonstrations from the train gold plans", () => {
  let db: TravelPlannerDatabase;
  let train: TravelQuery[];
  beforeAll(async () => {
    db = await TravelPlannerDatabase.load(dir!);
    train = loadQueries(join(dir!, "queries/train.jsonl"));
  });

  it("calls exactly the tools the plan needs, each result saved, then the Planner on the query", () => {
    const q = train[0]!; // St. Petersburg -> Rockford, flights both ways
    expect(demonstrationSteps(q).map((s) => s.action)).toEqual([
      "FlightSearch[St. Petersburg, Rockford, 2022-03-16]",
      "NotebookWrite[Flight from St. Petersburg to Rockford on 2022-03-16]",
      "AccommodationSearch[Rockford]",
      "NotebookWrite[Accommodations in Rockford]",
      "RestaurantSearch[Rockford]",
      "NotebookWrite[Restaurants in Rockford]",
      "AttractionSearch[Rockford]",
      "NotebookWrite[Attractions in Rockford]",
      "FlightSearch[Rockford, St. Petersburg, 2022-03-18]",
      "NotebookWrite[Flight from Rockford to St. Petersburg on 2022-03-18]",
      `Planner[${q.query}]`,
    ]);
    expect(demonstrationSteps(q).every((s) => s.thought.length > 0 && !s.thought.includes("None"))).toBe(true);
  });

  it("uses GoogleDistanceMatrix with the plan's mode for road legs and strips the (State) suffix", () => {
    const road = train.find((q) => goldPlan(q).some((d) => String(d.transportation).startsWith("Self-driving") && String(d.current_city).includes("(")))!;
    const actions = demonstrationSteps(road).map((s) => s.action);
    expect(actions.some((a) => /^GoogleDistanceMatrix\[[^()]+, [^()]+, self-driving\]$/.test(a))).toBe(true);
    expect(actions.filter((a) => a.includes("("))).toEqual([]);
    const taxi = train.find((q) => goldPlan(q).some((d) => String(d.transportation).startsWith("Taxi")))!;
    expect(demonstrationSteps(taxi).some((s) => s.action.endsWith(", taxi]"))).toBe(true);
  });

  it("on all 45 train queries: every step succeeds and the gold planner's answer passes every check", async () => {
    let passed = 0;
    for (const q of train) {
      const env = new TravelPlannerEnvironment({ db, planner: new GoldPlanner(q), query: q });
      await env.reset();
      const steps = demonstrationSteps(q);
      expect(steps.length).toBeLessThanOrEqual(30);
      for (const s of steps) {
        expect(env.done).toBe(false);
        const r = await env.step(s.action, { thought: s.thought });
        expect(r.info.state, `query ${q.idx}: ${s.action} -> ${r.observation.slice(0, 200)}`).toBe("Successful");
      }
      expect(env.done).toBe(true);
      expect(env.current.finished).toBe(true);
      expect(env.current.answer).toBe(renderPlan(goldPlan(q)));
      const { plan, method } = await parsePlan(env.current.answer);
      expect(method).toBe("deterministic");
      expect(plan).toEqual(goldPlan(q).map((d) => ({ days: d.days, ...Object.fromEntries(PLAN_FIELDS.map((f) => [f, d[f]])) })));
      const verdict = evaluatePlan(db, q, plan);
      const checks = [...Object.values(verdict.commonsense), ...Object.values(verdict.hard ?? { missing: [false, "no hard box"] })];
      expect(checks.filter(([ok]) => ok === false), `query ${q.idx}`).toEqual([]);
      expect(Object.values(verdict.commonsense).every(([ok]) => ok === true)).toBe(true);
      passed++;
    }
    expect(passed).toBe(45);
  });

  it("a query without a gold plan is an input error", () => {
    const { annotated_plan: _gold, ...q } = train[0]!;
    expect(() => demonstrationSteps(q)).toThrow(InputError);
    expect(() => new GoldPlanner(q)).toThrow(/no gold plan/);
  });
});
