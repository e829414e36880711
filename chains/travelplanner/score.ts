/**
 * The verdict on an episode's answer: the planner's text is read with the deterministic plan
 * parser (no model, so a verdict never depends on a second model's mood) and checked with the
 * official evaluator.
 */
import type { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { evaluatePlan, type ConstraintBox, type PlanVerdict } from "../../environments/travelplanner/evaluator/evaluate.js";
import { parsePlan, type PlanDay } from "../../environments/travelplanner/planParser.js";
import type { TravelQuery } from "../../environments/travelplanner/queries.js";

export interface AnswerScore {
  /** The parsed plan; null when the answer holds none (not delivered). */
  plan: PlanDay[] | null;
  verdict: PlanVerdict;
  delivered: boolean;
  /** Delivered and no commonsense check failed (eval.py's `False not in ...`). */
  commonsensePass: boolean;
  /** The hard box was computed and no hard constraint failed (absent constraints count as passed). */
  hardPass: boolean;
  /** The official final pass: commonsense and hard both pass. */
  success: boolean;
}

function noFalse(box: ConstraintBox): boolean {
  return Object.values(box).every(([ok]) => ok !== false);
}

export async function scoreAnswer(db: TravelPlannerDatabase, query: TravelQuery, answer: string): Promise<AnswerScore> {
  const { plan } = await parsePlan(answer);
  const verdict = evaluatePlan(db, query, plan);
  const delivered = plan !== null && plan.length > 0;
  const commonsensePass = delivered && noFalse(verdict.commonsense);
  const hardPass = verdict.hard !== null && noFalse(verdict.hard);
  return { plan, verdict, delivered, commonsensePass, hardPass, success: commonsensePass && hardPass };
}
