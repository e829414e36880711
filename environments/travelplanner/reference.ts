/**
 * Reference information (the sole-planning input): each entry's Content is the tool output named
 * by its Description ("Flight from A to B on D", "Restaurants in X", "Taxi from A to B", ...).
 * Rebuilding it from the database gives the official text byte for byte.
 */
import { InputError } from "../../core/errors.js";
import type { TravelPlannerDatabase } from "./database.js";
import { pyRepr } from "./format.js";
import type { ReferenceEntry, TravelQuery } from "./queries.js";
import { accommodationSearch, attractionSearch, distanceMatrix, flightSearch, restaurantSearch } from "./tools.js";

const PATTERNS: [RegExp, (db: TravelPlannerDatabase, m: RegExpExecArray) => string][] = [
  [/^Flight from (.+) to (.+) on (\d{4}-\d{2}-\d{2})$/, (db, m) => flightSearch(db, m[1]!, m[2]!, m[3]!)],
  [/^Attractions in (.+)$/, (db, m) => attractionSearch(db, m[1]!)],
  [/^Restaurants in (.+)$/, (db, m) => restaurantSearch(db, m[1]!)],
  [/^Accommodations in (.+)$/, (db, m) => accommodationSearch(db, m[1]!)],
  [/^Self-driving from (.+) to (.+)$/, (db, m) => distanceMatrix(db, m[1]!, m[2]!, "self-driving")],
  [/^Taxi from (.+) to (.+)$/, (db, m) => distanceMatrix(db, m[1]!, m[2]!, "taxi")],
];

/** The Content for one reference Description. */
export function referenceContent(db: TravelPlannerDatabase, description: string): string {
  for (const [re, run] of PATTERNS) {
    const m = re.exec(description);
    if (m) return run(db, m);
  }
  throw new InputError(`unknown reference description "${description}"`, { field: "Description" });
}

export function buildReferenceEntries(db: TravelPlannerDatabase, descriptions: readonly string[]): ReferenceEntry[] {
  return descriptions.map((Description) => ({ Description, Content: referenceContent(db, Description) }));
}

/** The Python repr the official sole-planning script hands to the planner. */
export function referenceInformationText(entries: readonly ReferenceEntry[]): string {
  return pyRepr(entries.map((e) => ({ Description: e.Description, Content: e.Content })));
}

/**
 * The sole-planning text of a query: the official text when the query carries it (CSV), else
 * rebuilt from the database from its reference descriptions (train JSONL).
 */
export function referenceInformationFor(db: TravelPlannerDatabase, query: TravelQuery): string {
  if (query.reference_information) return query.reference_information;
  if (query.reference_descriptions) return referenceInformationText(buildReferenceEntries(db, query.reference_descriptions));
  throw new InputError(`query ${query.idx} has no reference information`, { field: "reference_information" });
}
