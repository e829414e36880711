/**
 * How the official evaluator reads plan strings (utils/func.py and evaluation/*): "Name, City"
 * entries, "from A to B" routes, and the transportation kind.
 */
import { extractBeforeParenthesis } from "../tools.js";
import { PythonError } from "./python.js";

/** The meal fields of a plan day, in the official order. */
export const MEALS = ["breakfast", "lunch", "dinner"] as const;

export { extractBeforeParenthesis };

/** `extract_from_to`: the first "from A to B" (B stops at a comma); nulls when absent. */
export function extractFromTo(text: string): [string, string] | [null, null] {
  const m = /from\s+(.+?)\s+to\s+([^,]+)(?=[,\s]|$)/.exec(text);
  return m ? [m[1]!, m[2]!] : [null, null];
}

/** `extract_before_parenthesis` on a value that may be None (TypeError in Python). */
export function beforeParenthesis(s: string | null): string {
  if (s === null) throw new PythonError("TypeError: expected string or bytes-like object");
  return extractBeforeParenthesis(s);
}

/**
 * `get_valid_name_city`: the name is everything before the last comma, the city what follows it
 * (an optional "(State)" suffix removed). Unparsable entries give ["-", "-"], which match nothing.
 */
export function getValidNameCity(info: string): [string, string] {
  const m = /(.*?),\s*([^,]+)(\(\w[\w\s]*\))?$/.exec(info);
  if (!m) return ["-", "-"];
  return [m[1]!.trim(), extractBeforeParenthesis(m[2]!.trim()).trim()];
}

export type TransportKind = "Taxi" | "Self-driving" | "Flight" | null;

/** `transportation_match`, case-insensitive. */
export function transportationMatch(text: string): TransportKind {
  const t = text.toLowerCase();
  if (t.includes("taxi")) return "Taxi";
  if (t.includes("self-driving")) return "Self-driving";
  if (t.includes("flight")) return "Flight";
  return null;
}

/** `count_consecutive_values`: runs of equal values as [value, length]. */
export function countConsecutive<T>(values: readonly T[]): [T, number][] {
  const out: [T, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && last[0] === v) last[1]++;
    else out.push([v, 1]);
  }
  return out;
}

/**
 * `is_valid_city_sequence`: at least 3 entries; a city may not come back once its run ended
 * (except at the two ends); a run of one inside the list is invalid.
 */
export function isValidCitySequence(cities: readonly string[]): boolean {
  if (cities.length < 3) return false;
  const visited = new Set<string>();
  let i = 0;
  while (i < cities.length) {
    const city = cities[i]!;
    if (visited.has(city) && i !== 0 && i !== cities.length - 1) return false;
    let count = 0;
    while (i < cities.length && cities[i] === city) {
      count++;
      i++;
    }
    if (count === 1 && 0 < i - 1 && i - 1 < cities.length - 1) return false;
    visited.add(city);
  }
  return true;
}
