/**
 * The few Python semantics the official checks lean on (truthiness, `in`, KeyError/TypeError on
 * malformed plans), so the checks below can be written line for line against the official ones.
 */

/** An error the official Python code would raise (and crash on); the port turns it into a failed check. */
export class PythonError extends Error {
  override readonly name = "PythonError";
}

export type PlanDay = Record<string, unknown>;

/** Python truthiness for JSON values. */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** `unit[key]`: KeyError when absent. */
export function at(unit: unknown, key: string): unknown {
  if (typeof unit !== "object" || unit === null || Array.isArray(unit)) {
    throw new PythonError(`TypeError: a plan day must be an object, got ${JSON.stringify(unit)}`);
  }
  if (!(key in unit)) throw new PythonError(`KeyError: '${key}'`);
  return (unit as PlanDay)[key];
}

/** `key in unit` for a day that may not be a dict. */
export function hasKey(unit: unknown, key: string): boolean {
  if (typeof unit !== "object" || unit === null || Array.isArray(unit)) {
    throw new PythonError(`TypeError: a plan day must be an object, got ${JSON.stringify(unit)}`);
  }
  return key in unit;
}

/** A value used as a string (`'x' in v`, `v.split`): TypeError for anything else. */
export function str(v: unknown, what: string): string {
  if (typeof v === "string") return v;
  throw new PythonError(`TypeError: ${what} must be a string, got ${JSON.stringify(v)}`);
}

/** `v in ['', '-']` and `v != '-'` style tests compare exact values. */
export function isBlank(v: unknown): boolean {
  return v === "" || v === "-";
}

/** `plan[i]` (IndexError when out of range). */
export function day(plan: readonly unknown[], i: number): unknown {
  if (i >= plan.length) throw new PythonError("IndexError: list index out of range");
  return plan[i];
}

/** A value that is set: truthy and not "-" (`v and v != '-'`). */
export function present(v: unknown): boolean {
  return truthy(v) && v !== "-";
}

/** Days the checks look at: `range(min(query['days'], len(plan)))`. */
export function dayCount(q: { days: number }, plan: readonly unknown[]): number {
  return Math.min(q.days, plan.length);
}
