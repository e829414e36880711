/**
 * Plan files: our JSONL (`{"idx"?, "plan": [...] | null}` or a bare list of days per line) and the
 * official submission JSONL (`{"idx", "query", "plan"}`). A record may also carry the plan as a
 * Python-literal string (official intermediate files) or as `annotated_plan` (the train file).
 * Plans are matched to queries by `idx` (1-based) or, when no record has one, by line order.
 */
import { InputError } from "../../core/errors.js";
import { readJsonlFile } from "../../core/util/jsonl.js";
import { truthy } from "./evaluator/python.js";
import { parsePyLiteral } from "./pyLiteral.js";
import type { TravelQuery } from "./queries.js";

export interface PlanRecord {
  idx?: number;
  plan: unknown;
  line: number;
}

function planValue(value: unknown, where: { file: string; line: number }): unknown {
  if (typeof value !== "string") return value;
  if (value.trim() === "") return null;
  try {
    return parsePyLiteral(value);
  } catch (err) {
    throw new InputError(`plan is a string that is not a JSON/Python list: ${(err as Error).message}`, { ...where, field: "plan" });
  }
}

export function readPlanFile(file: string): PlanRecord[] {
  return readJsonlFile(file, "input", "plans file").map(({ value, line }) => {
    const where = { file, line };
    if (Array.isArray(value) || value === null) return { plan: value, line };
    if (typeof value !== "object") throw new InputError("expected a JSON object with a plan, or a list of days", where);
    const rec = value as Record<string, unknown>;
    const key = "plan" in rec ? "plan" : "annotated_plan" in rec ? "annotated_plan" : undefined;
    if (!key) throw new InputError('expected a "plan" field (a list of days or null)', { ...where, field: "plan" });
    let idx: number | undefined;
    if (rec.idx !== undefined && rec.idx !== null) {
      idx = Number(rec.idx);
      if (!Number.isInteger(idx) || idx < 1) throw new InputError(`expected a positive integer, got ${JSON.stringify(rec.idx)}`, { ...where, field: "idx" });
    }
    return { idx, plan: planValue(rec[key], where), line };
  });
}

/** Puts each plan at its query's position; queries without a plan get null (not delivered). */
export function alignPlans(queries: readonly TravelQuery[], records: readonly PlanRecord[], file: string): unknown[] {
  const withIdx = records.filter((r) => r.idx !== undefined).length;
  if (withIdx > 0 && withIdx < records.length) {
    const missing = records.find((r) => r.idx === undefined)!;
    throw new InputError("some plans have an idx and some do not; give every plan an idx or none", { file, line: missing.line, field: "idx" });
  }
  const aligned: unknown[] = queries.map(() => null);
  if (withIdx === 0) {
    if (records.length > queries.length) {
      throw new InputError(`${records.length} plans for ${queries.length} queries`, { file, line: records[queries.length]!.line });
    }
    records.forEach((r, i) => (aligned[i] = r.plan));
    return aligned;
  }
  const position = new Map(queries.map((q, i) => [q.idx, i]));
  const seen = new Set<number>();
  for (const r of records) {
    const i = position.get(r.idx!);
    if (i === undefined) throw new InputError(`no query with idx ${r.idx}`, { file, line: r.line, field: "idx" });
    if (seen.has(r.idx!)) throw new InputError(`duplicate idx ${r.idx}`, { file, line: r.line, field: "idx" });
    seen.add(r.idx!);
    aligned[i] = r.plan;
  }
  return aligned;
}

function shapeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return typeof v === "string" ? "a string" : typeof v === "number" ? "a number" : `a ${typeof v}`;
}

/**
 * What is wrong with a delivered plan that is not a list of day objects, or undefined. Such a plan
 * still counts as delivered (the official eval.py only asks whether it is truthy) and fails the
 * checks that cannot read it; this only lets the user hear why.
 */
export function planShapeProblem(plan: unknown): string | undefined {
  if (!truthy(plan)) return undefined;
  if (!Array.isArray(plan)) return `the plan is ${shapeOf(plan)}, not a list of days`;
  const bad = plan.findIndex((d) => typeof d !== "object" || d === null || Array.isArray(d));
  return bad < 0 ? undefined : `day ${bad + 1} of the plan is ${shapeOf(plan[bad])}, not an object`;
}

/** The delivered plans of a file that are not lists of day objects, with their line and query idx. */
export function malformedPlans(queries: readonly TravelQuery[], records: readonly PlanRecord[]): Array<{ line: number; idx: number; problem: string }> {
  const out: Array<{ line: number; idx: number; problem: string }> = [];
  records.forEach((r, i) => {
    const problem = planShapeProblem(r.plan);
    // Records are matched by idx, else by order (as in alignPlans).
    if (problem) out.push({ line: r.line, idx: r.idx ?? queries[i]?.idx ?? i + 1, problem });
  });
  return out;
}
