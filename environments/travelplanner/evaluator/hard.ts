/**
 * The five hard-constraint checks of the official evaluator (evaluation/hard_constraint.py). A
 * constraint the query does not set gives [null, null].
 */
import type { TravelPlannerDatabase } from "../database.js";
import type { TravelQuery } from "../queries.js";
import { distanceLookup } from "../tools.js";
import { flightNumberOf, transportEndpoints, type Check, type NamedCheck } from "./commonsense.js";
import { getValidNameCity, MEALS } from "./parsing.js";
import { at, day, dayCount, hasKey, present, PythonError, str, truthy } from "./python.js";

/** The first matching accommodation row for a plan entry, or undefined. */
function accommodationRow(db: TravelPlannerDatabase, value: string): number | undefined {
  const [name, city] = getValidNameCity(value);
  return db.matchByName("accommodations", name, city)[0];
}

/** `get_total_cost`: flights × people, driving per 5 and taxis per 4 people, meals × people, rooms by occupancy. */
export function totalCost(db: TravelPlannerDatabase, q: TravelQuery, plan: readonly unknown[]): number {
  const people = q.people_number;
  let total = 0;
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    const transportation = at(unit, "transportation");
    if (present(transportation)) {
      const value = str(transportation, "transportation");
      const [from, to] = transportEndpoints(unit, value);
      if (from !== null && to !== null) {
        const lower = value.toLowerCase();
        if (lower.includes("flight number")) {
          const row = db.flightRowsByNumber(flightNumberOf(value, i + 1))[0];
          if (row !== undefined) total += (db.flights.get(row, db.flights.col("Price")) as number) * people;
        } else if (lower.includes("self-driving") || lower.includes("taxi")) {
          const mode = lower.includes("self-driving") ? "self-driving" : "taxi";
          const cost = distanceLookup(db, from, to, mode).cost;
          if (cost === null) throw new PythonError(`TypeError: the ${mode} in day ${i + 1} has no cost (None)`);
          total += cost * Math.ceil(people / (mode === "self-driving" ? 5 : 4));
        }
      }
    }
    for (const meal of MEALS) {
      const v = at(unit, meal);
      if (!present(v)) continue;
      const [name, city] = getValidNameCity(str(v, meal));
      const row = db.matchByName("restaurants", name, city)[0];
      if (row !== undefined) total += (db.restaurants.get(row, db.restaurants.col("Average Cost")) as number) * people;
    }
    const acc = at(unit, "accommodation");
    if (present(acc)) {
      const row = accommodationRow(db, str(acc, "accommodation"));
      if (row !== undefined) {
        const t = db.accommodations;
        total += (t.get(row, t.col("price")) as number) * Math.ceil(people / (t.get(row, t.col("maximum occupancy")) as number));
      }
    }
  }
  return total;
}

export const isValidCost: Check = (db, q, plan) => [totalCost(db, q, plan) <= q.budget, null];

const RULE_TEXT: Record<string, string> = {
  smoking: "No smoking",
  parties: "No parties",
  "children under 10": "No children under 10",
  visitors: "No visitors",
  pets: "No pets",
};

/** Runs `test` on the first DB row of every accommodation in the plan. */
function eachAccommodation(db: TravelPlannerDatabase, q: TravelQuery, plan: readonly unknown[], test: (row: number) => boolean): boolean {
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    if (!hasKey(unit, "accommodation") || !present(at(unit, "accommodation"))) continue;
    const row = accommodationRow(db, str(at(unit, "accommodation"), "accommodation"));
    if (row !== undefined && !test(row)) return false;
  }
  return true;
}

export const isValidRoomRule: Check = (db, q, plan) => {
  const rule = q.local_constraint["house rule"];
  if (rule === null) return [null, null];
  const forbidden = RULE_TEXT[rule];
  const t = db.accommodations, c = t.col("house_rules");
  const ok = eachAccommodation(db, q, plan, (row) => forbidden === undefined || !String(t.get(row, c)).includes(forbidden));
  return ok ? [true, null] : [false, `The house rule should be ${rule}.`];
};

const ROOM_TYPE_RULE: Record<string, (roomType: string) => boolean> = {
  "not shared room": (t) => t !== "Shared room",
  "shared room": (t) => t === "Shared room",
  "private room": (t) => t === "Private room",
  "entire room": (t) => t === "Entire home/apt",
};

export const isValidRoomType: Check = (db, q, plan) => {
  const wanted = q.local_constraint["room type"];
  if (wanted === null) return [null, null];
  const allowed = ROOM_TYPE_RULE[wanted];
  const t = db.accommodations, c = t.col("room type");
  const ok = eachAccommodation(db, q, plan, (row) => allowed === undefined || allowed(String(t.get(row, c))));
  return ok ? [true, null] : [false, `The room type should be ${wanted}.`];
};

export const isValidCuisine: Check = (db, q, plan) => {
  const wanted = q.local_constraint.cuisine;
  if (!truthy(wanted) || wanted === null) return [null, null];
  const found = new Set<string>();
  const t = db.restaurants, c = t.col("Cuisines");
  days: for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    for (const meal of MEALS) {
      if (!hasKey(unit, meal) || !present(at(unit, meal))) continue;
      const [name, city] = getValidNameCity(str(at(unit, meal), meal));
      // Quirk kept: a meal in the origin city skips the rest of that day's meals.
      if (city === q.org) continue days;
      const row = db.matchByName("restaurants", name, city)[0];
      if (row === undefined) continue;
      const cuisines = String(t.get(row, c));
      for (const cuisine of wanted) if (cuisines.includes(cuisine)) found.add(cuisine);
    }
  }
  if (found.size === wanted.length) return [true, null];
  const missing = wanted.find((cu) => !found.has(cu));
  return [false, `The cuisine ${missing} is not satisfied.`];
};

export const isValidTransportationRule: Check = (_db, q, plan) => {
  const rule = q.local_constraint.transportation;
  if (rule === null) return [null, null];
  for (let i = 0; i < dayCount(q, plan); i++) {
    const unit = day(plan, i);
    if (!hasKey(unit, "transportation") || !present(at(unit, "transportation"))) continue;
    const value = str(at(unit, "transportation"), "transportation");
    if ((rule === "no flight" && value.includes("Flight")) || (rule === "no self-driving" && value.includes("Self-driving"))) {
      return [false, `The transportation should not be ${rule}.`];
    }
  }
  return [true, null];
};

/** The hard checks in the official order, under their paper names. */
export const HARD_CHECKS: readonly NamedCheck[] = [
  { key: "valid_cost", name: "Budget", check: isValidCost },
  { key: "valid_room_rule", name: "Room Rule", check: isValidRoomRule },
  { key: "valid_cuisine", name: "Cuisine", check: isValidCuisine },
  { key: "valid_room_type", name: "Room Type", check: isValidRoomType },
  { key: "valid_transportation", name: "Transportation", check: isValidTransportationRule },
];
