/**
 * The eight commonsense checks of the official evaluator (evaluation/commonsense_constraint.py),
 * with their messages and quirks (spec §7). Each returns [passed, message|null].
 */
import type { TravelPlannerDatabase } from "../database.js";
import type { TravelQuery } from "../queries.js";
import { distanceLookup } from "../tools.js";
import {
  beforeParenthesis,
  countConsecutive,
  extractFromTo,
  getValidNameCity,
  isValidCitySequence,
  MEALS,
  transportationMatch,
  type TransportKind,
} from "./parsing.js";
import { at, day, dayCount, hasKey, isBlank, present, PythonError, str, truthy } from "./python.js";

export type Verdict = [boolean | null, string | null];
export type Check = (db: TravelPlannerDatabase, q: TravelQuery, plan: readonly unknown[]) => Verdict;
/** A check under its official key and its paper name. */
export type NamedCheck = { key: string; name: string; check: Check };

const FILLER_CITY = "You don't need to fill in the information for this or later days.";

/** City sequence of the plan: [A, B] for a travel day, [city] otherwise; also checks day 1's origin. */
function cityRoute(q: TravelQuery, plan: readonly unknown[]): { cities: string[]; error?: string } {
  const cities: string[] = [];
  for (let i = 0; i < dayCount(q, plan); i++) {
    const value = str(at(day(plan, i), "current_city"), "current_city");
    if (value.includes("from")) {
      const [a, b] = extractFromTo(value);
      const city1 = beforeParenthesis(a), city2 = beforeParenthesis(b);
      if (i === 0 && city1 !== q.org) return { cities, error: `The first day's city should be ${q.org}.` };
      cities.push(city1, city2);
    } else {
      cities.push(beforeParenthesis(value));
    }
  }
  return { cities };
}

export const isReasonableVisitingCity: Check = (db, q, plan) => {
  const { cities, error } = cityRoute(q, plan);
  if (error) return [false, error];
  if (cities.length === 0) throw new PythonError("IndexError: list index out of range");
  if (cities[0] !== cities[cities.length - 1]) return [false, "The trip should be a closed circle."];
  if (!isValidCitySequence(cities)) return [false, "The city sequence is invalid."];
  for (let idx = 0; idx < cities.length; idx++) {
    const city = cities[idx]!;
    const state = db.stateOfCity.get(city);
    if (state === undefined) return [false, `${city} is not a valid city.`];
    if (idx !== 0 && idx !== cities.length - 1 && q.days > 3 && state !== q.dest) return [false, `${city} is not in ${q.dest}.`];
  }
  return [true, null];
};

export const isValidRestaurants: Check = (_db, q, plan) => {
  const seen = new Set<unknown>();
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    for (const meal of MEALS) {
      if (!hasKey(unit, meal)) continue;
      const v = at(unit, meal);
      if (!present(v)) continue;
      if (seen.has(v)) {
        return [false, meal === "lunch" ? `The restaurant in day ${i + 1} lunch ${String(v)} is repeated.` : `The restaurant in day ${i + 1} ${meal} is repeated.`];
      }
      seen.add(v);
    }
  }
  return [true, null];
};

export const isValidAttractions: Check = (_db, q, plan) => {
  const seen = new Set<string>();
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    if (!hasKey(unit, "attraction")) continue;
    const v = at(unit, "attraction");
    if (!present(v)) continue;
    // The official split(';')[:-1] drops the last segment, so an unterminated entry is never checked.
    for (const attraction of str(v, "attraction").split(";").slice(0, -1)) {
      if (seen.has(attraction)) return [false, `The attraction '${attraction}' in day ${i + 1} is repeated.`];
      seen.add(attraction);
    }
  }
  return [true, null];
};

export const isValidAccommodation: Check = (db, q, plan) => {
  const stays: unknown[] = [];
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    if (!hasKey(unit, "accommodation")) return [false, "No Accommodation Info."];
    stays.push(at(unit, "accommodation"));
  }
  const t = db.accommodations;
  const minNights = t.col("minimum nights");
  for (const [value, nights] of countConsecutive(stays)) {
    if (value === "-" || value === "") continue;
    const [name, city] = getValidNameCity(str(value, "accommodation"));
    const rows = db.matchByName("accommodations", name, city);
    if (rows.length === 1 && nights < (t.get(rows[0]!, minNights) as number)) {
      return [false, `The accommodation ${String(value)} do not obey the minumum nights rule.`];
    }
  }
  return [true, null];
};

export const isValidTransportation: Check = (_db, q, plan) => {
  const first = at(day(plan, 0), "transportation");
  if (!present(first)) return [false, "The transportation in day 1 should not be empty."];
  const kinds: TransportKind[] = [transportationMatch(str(first, "transportation"))];
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    if (hasKey(unit, "transportation") && present(at(unit, "transportation"))) {
      kinds.push(transportationMatch(str(at(unit, "transportation"), "transportation")));
    }
  }
  const has = (k: TransportKind) => kinds.includes(k);
  if ((has("Self-driving") && has("Flight")) || (has("Taxi") && has("Self-driving"))) return [false, "The transportation is conflicting."];
  return [true, null];
};

export const isValidInformationInCurrentCity: Check = (_db, q, plan) => {
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    const current = str(at(unit, "current_city"), "current_city");
    let cities: string[];
    if (current.includes("from")) {
      const [a, b] = extractFromTo(current);
      cities = [beforeParenthesis(a), beforeParenthesis(b)];
    } else {
      // Quirk kept: the official code iterates the city *string*, i.e. its characters.
      cities = [...beforeParenthesis(current)];
    }
    const transportation = at(unit, "transportation");
    if (present(transportation)) {
      for (const city of cities) {
        if (!str(transportation, "transportation").includes(city)) return [false, `The transportation in day ${i + 1} is invalid city choice.`];
      }
    }
    for (const meal of MEALS) {
      const v = at(unit, meal);
      if (present(v) && !cities.some((c) => str(v, meal).includes(c))) return [false, `The ${meal} in day ${i + 1} is invalid city choice.`];
    }
    const attraction = at(unit, "attraction");
    if (present(attraction)) {
      for (const a of str(attraction, "attraction").split(";").slice(0, -1)) {
        if (!cities.some((c) => a.includes(c))) return [false, `The attraction in day ${i + 1} is invalid city choice.`];
      }
    }
    const accommodation = at(unit, "accommodation");
    if (present(accommodation)) {
      const last = cities[cities.length - 1];
      if (last === undefined) throw new PythonError("IndexError: list index out of range");
      if (!str(accommodation, "accommodation").includes(last)) return [false, `The accommodation in day ${i + 1} is invalid city choice.`];
    }
  }
  return [true, null];
};

/** Origin and destination of a transportation entry: from its own text, else from current_city. */
export function transportEndpoints(unit: unknown, value: string): [string | null, string | null] {
  let [from, to] = extractFromTo(value) as [string | null, string | null];
  if (from === null || to === null) [from, to] = extractFromTo(str(at(unit, "current_city"), "current_city"));
  return [from, to];
}

/** The flight number the official code reads: `value.split('Flight Number: ')[1].split(',')[0]`. */
export function flightNumberOf(value: string, dayNumber: number): string {
  const parts = value.split("Flight Number: ");
  if (parts.length < 2) throw new PythonError(`the transportation in day ${dayNumber} can not be parsed (no "Flight Number: " in "${value}").`);
  return parts[1]!.split(",")[0]!;
}

export const isValidInformationInSandbox: Check = (db, q, plan) => {
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    const transportation = at(unit, "transportation");
    if (present(transportation)) {
      const value = str(transportation, "transportation");
      const [from, to] = transportEndpoints(unit, value);
      const lower = value.toLowerCase();
      if (lower.includes("flight number")) {
        if (from === null || to === null) throw new PythonError(`the transportation ${value} in day ${i + 1} can not be parsed.`);
        const origin = beforeParenthesis(from), destination = beforeParenthesis(to);
        const number = flightNumberOf(value, i + 1);
        const t = db.flights, o = t.col("OriginCityName"), d = t.col("DestCityName");
        const ok = db.flightRowsByNumber(number).some((r) => t.get(r, o) === origin && t.get(r, d) === destination);
        if (!ok) return [false, `The flight number in day ${i + 1} is invalid in the sandbox.`];
      } else if (lower.includes("self-driving") || lower.includes("taxi")) {
        const origin = from === null ? "-" : beforeParenthesis(from);
        const destination = to === null ? "-" : beforeParenthesis(to);
        const mode = lower.includes("self-driving") ? "self-driving" : "taxi";
        if (distanceLookup(db, origin, destination, mode).cost === null) return [false, `The ${mode} in day ${i + 1} is invalid in the sandbox.`];
      }
    }
    for (const meal of MEALS) {
      if (!hasKey(unit, meal)) continue;
      const v = at(unit, meal);
      if (!present(v)) continue;
      const [name, city] = getValidNameCity(str(v, meal));
      if (db.matchByName("restaurants", name, city).length < 1) return [false, `The ${meal} in day ${i + 1} is invalid in the sandbox.`];
    }
    if (hasKey(unit, "attraction") && present(at(unit, "attraction"))) {
      for (const attraction of str(at(unit, "attraction"), "attraction").split(";")) {
        if (attraction.trim() === "") continue; // the ";" terminator leaves an empty last segment
        const [name, city] = getValidNameCity(attraction);
        if (db.matchByName("attractions", name, city).length < 1) return [false, `The attraction ${attraction} in day ${i + 1} is invalid in the sandbox.`];
      }
    }
    if (hasKey(unit, "accommodation") && present(at(unit, "accommodation"))) {
      const [name, city] = getValidNameCity(str(at(unit, "accommodation"), "accommodation"));
      if (db.matchByName("accommodations", name, city).length < 1) return [false, `The accommodation in day ${i + 1} is invalid in the sandbox.`];
    }
  }
  return [true, null];
};

function isValidDays(q: TravelQuery, plan: readonly unknown[]): boolean {
  let n = 0;
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    if (truthy(unit) && at(unit, "current_city") !== FILLER_CITY) n++;
  }
  return n === q.days;
}

function isValidVisitingCityNumber(q: TravelQuery, plan: readonly unknown[]): boolean {
  const { cities, error } = cityRoute(q, plan);
  if (error) return false;
  const set = new Set(cities);
  set.delete(q.org);
  return set.size === q.visiting_city_number;
}

export const isNotAbsent: Check = (_db, q, plan) => {
  const needed = 6 * q.days;
  let valid = 0;
  if (!isValidDays(q, plan)) return [false, "Invalid Days"];
  if (!isValidVisitingCityNumber(q, plan)) return [false, "Invalid City Number"];
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    for (const [key, label] of [
      ["transportation", "Transportation"],
      ["breakfast", "Breakfast"],
      ["lunch", "Lunch"],
      ["dinner", "Dinner"],
      ["attraction", "Attraction"],
      ["accommodation", "Accommodation"],
    ] as const) {
      if (!hasKey(unit, key)) return [false, `No ${label} Info.`];
    }
    const current = str(at(unit, "current_city"), "current_city");
    if ((current.includes("from ") || current.includes("to ")) && isBlank(at(unit, "transportation"))) {
      return [false, `No transportation in day ${i + 1} is not allowed.`];
    }
    if (!current.includes("from ") && !current.includes(" to ") && isBlank(at(unit, "attraction"))) {
      return [false, `No attaction in day ${i + 1} is not allowed.`];
    }
    if (i !== q.days - 1 && isBlank(at(unit, "accommodation"))) return [false, `No accommodation in day ${i + 1} is not allowed.`];
    if (MEALS.some((m) => isBlank(at(unit, m))) && !current.includes("from ")) return [false, `No meal in day ${i + 1} is not allowed.`];
    for (const v of Object.values(unit as object)) if (present(v)) valid++;
  }
  if (valid / needed < 0.5) return [false, "The absent information is more than 50%."];
  return [true, null];
};

/** The checks in the official evaluation order, under their paper names. */
export const COMMONSENSE_CHECKS: readonly NamedCheck[] = [
  { key: "is_reasonable_visiting_city", name: "Reasonable City Route", check: isReasonableVisitingCity },
  { key: "is_valid_restaurants", name: "Diverse Restaurants", check: isValidRestaurants },
  { key: "is_valid_attractions", name: "Diverse Attractions", check: isValidAttractions },
  { key: "is_valid_accommodation", name: "Minimum Nights Stay", check: isValidAccommodation },
  { key: "is_valid_transportation", name: "Non-conf. Transportation", check: isValidTransportation },
  { key: "is_valid_information_in_current_city", name: "Within Current City", check: isValidInformationInCurrentCity },
  { key: "is_valid_information_in_sandbox", name: "Within Sandbox", check: isValidInformationInSandbox },
  { key: "is_not_absent", name: "Complete Information", check: isNotAbsent },
];
