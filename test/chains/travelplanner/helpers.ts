import { join } from "node:path";
import { TravelPlannerDatabase } from "../../../environments/travelplanner/database.js";
import type { Planner } from "../../../environments/travelplanner/planner.js";
import { loadQueries, type TravelQuery } from "../../../environments/travelplanner/queries.js";
import { dataDir } from "../../helpers/data.js";

export const dir = dataDir("TRAVELPLANNER_DATA");

export const QUERY = "Plan a 3-day trip from St. Petersburg to Rockford, March 16th to 18th, 2022, for one person with $1,700.";
export const FLIGHT = "FlightSearch[St. Petersburg, Rockford, 2022-03-16]";

let shared: Promise<TravelPlannerDatabase> | undefined;
/** One database load per test file. */
export function database(): Promise<TravelPlannerDatabase> {
  return (shared ??= TravelPlannerDatabase.load(dir!));
}

export function trainQueries(): TravelQuery[] {
  return loadQueries(join(dir!, "queries/train.jsonl"));
}

/** A planner that records what it was given and answers `answer`. */
export function recordingPlanner(answer = "Day 1:\nCurrent City: from A to B") {
  const calls: { information: string; query: string }[] = [];
  const planner: Planner = {
    async plan(information, query) {
      calls.push({ information, query });
      return answer;
    },
  };
  return { planner, calls };
}
