/**
 * The search tools over the sandbox database, returning exactly the text the official tools give
 * (the apis.py of each official tool): tables as `to_string(index=False)`, and the official "no result" sentences.
 * Argument validation and error strings of the agent layer live in `actions.ts`.
 */
import {
  ACCOMMODATION_COLUMNS,
  ATTRACTION_COLUMNS,
  FLIGHT_COLUMNS,
  RESTAURANT_COLUMNS,
  type TravelPlannerDatabase,
} from "./database.js";
import { dataFrameToString, pyRepr } from "./format.js";

/** `extract_before_parenthesis`: the text before the first "(...)" group, else the text. */
export function extractBeforeParenthesis(s: string): string {
  const m = /^([\s\S]*?)\([^)]*\)/.exec(s);
  return m ? m[1]! : s;
}

export function flightSearch(db: TravelPlannerDatabase, origin: string, destination: string, date: string): string {
  const rows = db.flightRows(origin, destination, date);
  if (rows.length === 0) return `There is no flight from ${origin} to ${destination} on ${date}.`;
  return dataFrameToString(db.flights.view(rows, FLIGHT_COLUMNS));
}

export function accommodationSearch(db: TravelPlannerDatabase, city: string): string {
  const rows = db.accommodationRows(city);
  // The official tool answers with the attraction sentence here (a copy-paste slip kept on purpose).
  if (rows.length === 0) return "There is no attraction in this city.";
  return dataFrameToString(db.accommodations.view(rows, ACCOMMODATION_COLUMNS));
}

export function restaurantSearch(db: TravelPlannerDatabase, city: string): string {
  const rows = db.restaurantRows(city);
  if (rows.length === 0) return "There is no restaurant in this city.";
  return dataFrameToString(db.restaurants.view(rows, RESTAURANT_COLUMNS));
}

export function attractionSearch(db: TravelPlannerDatabase, city: string): string {
  const rows = db.attractionRows(city);
  if (rows.length === 0) return "There is no attraction in this city.";
  return dataFrameToString(db.attractions.view(rows, ATTRACTION_COLUMNS));
}

/** The cities of a state as a Python list repr; an unknown state gives "Invalid State". */
export function citySearch(db: TravelPlannerDatabase, state: string): string {
  const cities = db.citiesOfState.get(state);
  return cities ? pyRepr([...cities]) : "Invalid State";
}

/** Result of a distance-matrix lookup as the evaluator sees it (`run_for_evaluation`). */
export interface DistanceInfo {
  origin: string;
  destination: string;
  duration: string | null;
  distance: string | null;
  /** null when the pair is absent, has no duration/distance, takes days, or the mode has no price. */
  cost: number | null;
}

/** `eval(distance.replace("km","").replace(",",""))` for the three formats the file uses. */
function kilometres(distance: string): number {
  const expr = distance.replace(/km/g, "").replace(/,/g, "").trim();
  const km = Number(expr);
  if (!Number.isFinite(km)) throw new Error(`cannot evaluate distance "${distance}"`);
  return km;
}

/** The price rule of the official tool: driving costs 0.05 per km, a taxi 1 per km (truncated). */
function costFor(mode: string, km: number): number | null {
  if (mode.includes("driving")) return Math.trunc(km * 0.05);
  if (mode === "taxi") return Math.trunc(km);
  return null;
}

export function distanceLookup(db: TravelPlannerDatabase, originRaw: string, destinationRaw: string, mode: string): DistanceInfo & { found: boolean } {
  const origin = extractBeforeParenthesis(originRaw);
  const destination = extractBeforeParenthesis(destinationRaw);
  const info = { origin, destination, duration: null, distance: null, cost: null, found: false };
  const row = db.distanceRow(origin, destination);
  if (row === undefined) return info;
  const t = db.distances;
  const duration = t.get(row, t.col("duration"));
  const distance = t.get(row, t.col("distance"));
  if (duration === null || distance === null) return { ...info, found: true };
  if (String(duration).includes("day")) return { ...info, found: true };
  const dur = String(duration), dist = String(distance);
  return { origin, destination, duration: dur, distance: dist, cost: costFor(mode, kilometres(dist)), found: true };
}

/** The GoogleDistanceMatrix tool's text. */
export function distanceMatrix(db: TravelPlannerDatabase, origin: string, destination: string, mode: string): string {
  const info = distanceLookup(db, origin, destination, mode);
  if (!info.found) return `${mode}, from ${info.origin} to ${info.destination}, no valid information.`;
  if (info.duration === null) return "No valid information.";
  return `${mode}, from ${info.origin} to ${info.destination}, duration: ${info.duration}, distance: ${info.distance}, cost: ${info.cost === null ? "None" : info.cost}`;
}
