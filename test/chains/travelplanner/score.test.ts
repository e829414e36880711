import { beforeAll, describe, expect, it } from "vitest";
import { scoreAnswer } from "../../../chains/travelplanner/score.js";
import type { TravelPlannerDatabase } from "../../../environments/travelplanner/database.js";
import { goldPlan } from "../../../environments/travelplanner/demonstrations.js";
import { renderPlan } from "../../../environments/travelplanner/planParser.js";
import type { TravelQuery } from "../../../environments/travelplanner/queries.js";
import { database, dir, trainQueries } from "./helpers.js";

describe.skipIf(!dir)("scoreAnswer", () => {
  let db: TravelPlannerDatabase;
  let q: TravelQuery;
  beforeAll(async () => {
    db = await database();
    q = trainQueries()[0]!;
  });

  it("the gold plan written as text passes every check", async () => {
    const s = await scoreAnswer(db, q, renderPlan(goldPlan(q)));
    expect(s).toMatchObject({ delivered: true, commonsensePass: true, hardPass: true, success: true });
    expect(s.plan).toHaveLength(3);
    expect(s.verdict.idx).toBe(q.idx);
  });

  it("no plan (empty, the token-limit answer, prose) is not delivered and fails", async () => {
    for (const answer of ["", "Max Token Length Exceeded.", "I could not find any flights."]) {
      const s = await scoreAnswer(db, q, answer);
      expect(s).toMatchObject({ plan: null, delivered: false, commonsensePass: false, hardPass: false, success: false });
      expect(s.verdict.hard).toBeNull();
    }
  });

  it("a broken commonsense rule or hard constraint fails the final pass", async () => {
    const days = goldPlan(q).map((d) => ({ ...d }));
    days[1]!.lunch = days[1]!.breakfast; // a restaurant twice
    const repeated = await scoreAnswer(db, q, renderPlan(days));
    expect(repeated).toMatchObject({ delivered: true, commonsensePass: false, hardPass: true, success: false });
    expect(repeated.verdict.commonsense["Diverse Restaurants"]![0]).toBe(false);

    const poor = await scoreAnswer(db, { ...q, budget: 10 }, renderPlan(goldPlan(q)));
    expect(poor).toMatchObject({ commonsensePass: true, hardPass: false, success: false });
    expect(poor.verdict.hard!.Budget![0]).toBe(false);
  });
});
