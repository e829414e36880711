/**
 * Scoring plans the way evaluation/eval.py does: the commonsense box for every delivered plan,
 * the hard box only when Complete Information and Within Sandbox both pass, then delivery rate,
 * micro/macro pass rates and the final pass rate, overall and per level × duration.
 */
import { InputError } from "../../../core/errors.js";
import type { TravelPlannerDatabase } from "../database.js";
import { LEVELS, setConstraintCount, type Level, type TravelQuery } from "../queries.js";
import { COMMONSENSE_CHECKS, type Check, type Verdict } from "./commonsense.js";
import { HARD_CHECKS } from "./hard.js";
import { truthy } from "./python.js";

export type ConstraintBox = Record<string, Verdict>;

export interface PlanVerdict {
  idx: number;
  /** Paper name → verdict; every verdict is [null, null] when no plan was delivered. */
  commonsense: ConstraintBox;
  /** Null unless Complete Information and Within Sandbox pass (as in the official script). */
  hard: ConstraintBox | null;
}

export interface Scores {
  delivery_rate: number;
  commonsense_micro: number;
  commonsense_macro: number;
  hard_micro: number;
  hard_macro: number;
  final_pass_rate: number;
}

export interface GroupScores extends Scores {
  level: Level;
  days: number;
  count: number;
}

export interface EvaluationReport {
  aggregate: Scores;
  per_plan: PlanVerdict[];
  /** Per level × duration, each with its own denominators (queries of the group). */
  groups: GroupScores[];
}

export const SPLITS = ["train", "validation", "test"] as const;
export type Split = (typeof SPLITS)[number];

/** The official fixed denominators (eval.py): plans, commonsense checks, hard constraints. */
export const OFFICIAL_DENOMINATORS: Readonly<Record<Split, { plans: number; commonsense: number; hard: number }>> = {
  train: { plans: 45, commonsense: 360, hard: 105 },
  validation: { plans: 180, commonsense: 1440, hard: 420 },
  test: { plans: 1000, commonsense: 8000, hard: 2290 },
};

/** Runs a check; a plan the official code would crash on fails the check with the reason. */
function runCheck(check: Check, db: TravelPlannerDatabase, q: TravelQuery, plan: readonly unknown[]): Verdict {
  try {
    return check(db, q, plan);
  } catch (err) {
    return [false, `The plan cannot be checked: ${(err as Error).message}`];
  }
}

/** Evaluates one plan against its query. `plan` is whatever the plan file held (null = not delivered). */
export function evaluatePlan(db: TravelPlannerDatabase, q: TravelQuery, plan: unknown): PlanVerdict {
  const delivered = truthy(plan);
  const commonsense: ConstraintBox = {};
  if (!delivered) {
    for (const c of COMMONSENSE_CHECKS) commonsense[c.name] = [null, null];
    return { idx: q.idx, commonsense, hard: null };
  }
  const days: readonly unknown[] = Array.isArray(plan) ? plan : [];
  for (const c of COMMONSENSE_CHECKS) {
    commonsense[c.name] = Array.isArray(plan) ? runCheck(c.check, db, q, days) : [false, "The plan cannot be checked: it is not a list of days."];
  }
  if (commonsense["Complete Information"]![0] !== true || commonsense["Within Sandbox"]![0] !== true) {
    return { idx: q.idx, commonsense, hard: null };
  }
  const hard: ConstraintBox = {};
  for (const c of HARD_CHECKS) hard[c.name] = runCheck(c.check, db, q, days);
  return { idx: q.idx, commonsense, hard };
}

function countTrue(box: ConstraintBox | null): number {
  return box ? Object.values(box).filter((v) => v[0] === true).length : 0;
}

function noFalse(box: ConstraintBox): boolean {
  return Object.values(box).every((v) => v[0] !== false);
}

interface Denominators {
  plans: number;
  commonsense: number;
  hard: number;
}

function score(verdicts: readonly PlanVerdict[], delivered: number, d: Denominators): Scores {
  let csPass = 0, hardPass = 0, csMacro = 0, hardMacro = 0, final = 0;
  for (const v of verdicts) {
    csPass += countTrue(v.commonsense);
    // Macro and final counts need a hard box: the official loop `continue`s past plans without one.
    if (v.hard === null) continue;
    hardPass += countTrue(v.hard);
    const cs = noFalse(v.commonsense), hard = noFalse(v.hard);
    if (cs) csMacro++;
    if (hard) hardMacro++;
    if (cs && hard) final++;
  }
  const rate = (n: number, of: number) => (of === 0 ? 0 : n / of);
  return {
    delivery_rate: rate(delivered, d.plans),
    commonsense_micro: rate(csPass, d.commonsense),
    commonsense_macro: rate(csMacro, d.plans),
    hard_micro: rate(hardPass, d.hard),
    hard_macro: rate(hardMacro, d.plans),
    final_pass_rate: rate(final, d.plans),
  };
}

function computedDenominators(queries: readonly TravelQuery[]): Denominators {
  return {
    plans: queries.length,
    commonsense: 8 * queries.length,
    hard: queries.reduce((n, q) => n + 1 + setConstraintCount(q), 0),
  };
}

/**
 * Scores `plans[i]` against `queries[i]` (already aligned; see `alignPlans`). With `split`, the
 * overall denominators are the official constants for that split.
 */
export function evaluatePlans(db: TravelPlannerDatabase, queries: readonly TravelQuery[], plans: readonly unknown[], split?: Split): EvaluationReport {
  if (split && queries.length !== OFFICIAL_DENOMINATORS[split].plans) {
    throw new InputError(`the ${split} split has ${OFFICIAL_DENOMINATORS[split].plans} queries, but ${queries.length} were given`, { field: "split" });
  }
  const perPlan = queries.map((q, i) => evaluatePlan(db, q, plans[i] ?? null));
  const deliveredFlags = queries.map((_, i) => truthy(plans[i] ?? null));
  const delivered = deliveredFlags.filter(Boolean).length;
  const aggregate = score(perPlan, delivered, split ? OFFICIAL_DENOMINATORS[split] : computedDenominators(queries));
  const groups: GroupScores[] = [];
  for (const level of LEVELS) {
    for (const days of [3, 5, 7]) {
      const members = queries.map((q, i) => i).filter((i) => queries[i]!.level === level && queries[i]!.days === days);
      if (members.length === 0) continue;
      const groupQueries = members.map((i) => queries[i]!);
      const groupDelivered = members.filter((i) => deliveredFlags[i]).length;
      groups.push({ level, days, count: members.length, ...score(members.map((i) => perPlan[i]!), groupDelivered, computedDenominators(groupQueries)) });
    }
  }
  return { aggregate, per_plan: perPlan, groups };
}
