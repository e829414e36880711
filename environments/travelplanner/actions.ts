/**
 * The agent-facing action layer of the two-stage mode (agents/tool_agents.py): `Action[args]`
 * parsing, argument splitting and validation, the official error observations and json_log
 * states, and the "current data" the Notebook stores. The Planner action is async and lives in
 * the episode controller; everything here is synchronous and deterministic.
 */
import type { TravelPlannerDatabase } from "./database.js";
import { pyRepr } from "./format.js";
import { Notebook } from "./notebook.js";
import { accommodationSearch, attractionSearch, citySearch, distanceMatrix, flightSearch, restaurantSearch } from "./tools.js";

export const ACTION_TYPES = [
  "FlightSearch",
  "AccommodationSearch",
  "RestaurantSearch",
  "AttractionSearch",
  "CitySearch",
  "GoogleDistanceMatrix",
  "NotebookWrite",
  "Planner",
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** The official `actionMapping`: the retry counter each action is guarded by (note "accommodation"). */
export const ACTION_COUNTER: Readonly<Record<ActionType, string>> = {
  FlightSearch: "flights",
  AttractionSearch: "attractions",
  GoogleDistanceMatrix: "googleDistanceMatrix",
  AccommodationSearch: "accommodation",
  RestaurantSearch: "restaurants",
  Planner: "planner",
  NotebookWrite: "notebook",
  CitySearch: "cities",
};

/** The counters of `retry_record` (tool names + invalidAction). "accommodation" is not one of them. */
export const RETRY_COUNTERS = ["flights", "attractions", "accommodations", "restaurants", "googleDistanceMatrix", "planner", "cities", "notebook", "invalidAction"] as const;

export const INVALID_ACTION_OBSERVATION =
  "Invalid Action. Valid Actions are  FlightSearch[Departure City, Destination City, Date] / AccommodationSearch[City] /  RestaurantSearch[City] / NotebookWrite[Short Description] / AttractionSearch[City] / CitySearch[State] / GoogleDistanceMatrix[Origin, Destination, Mode] and Planner[Query].";

export const MASKED_TEXT = "Masked due to limited length. Make sure the data has been written in Notebook.";

export type ActionState =
  | "Successful"
  | "Illegal args. DateError"
  | "Illegal args. City Error"
  | "Illegal args. State Error"
  | "Illegal args. Other Error"
  | "invalidAction";

/** `parse_action`: `^(\w+)\[(.+)\]$` over the whole action; null when it does not match. */
export function parseAction(action: string): { type: string; arg: string } | null {
  const m = /^([\p{L}\p{N}_]+)\[(.+)\]$/u.exec(action);
  return m ? { type: m[1]!, arg: m[2]! } : null;
}

export function isActionType(type: string | null | undefined): type is ActionType {
  return (ACTION_TYPES as readonly string[]).includes(type ?? "");
}

export interface ToolCallResult {
  type: string | null;
  arg: string | null;
  observation: string;
  state: ActionState;
  /** The retry counter to increment (a failed call); absent on success. */
  failedCounter?: string;
  /** True when the call replaced the scratchpad's visible data (the previous result gets masked first). */
  masked: boolean;
}

class ArgumentError extends Error {
  constructor(
    readonly observation: string,
    readonly state: ActionState,
  ) {
    super(observation);
  }
}

/**
 * One sandbox session: the database, the notebook and the last search result. `call` runs any
 * action but Planner, the way the official agent does.
 */
export class TravelPlannerSandbox {
  readonly notebook = new Notebook();
  /** The last search result (`current_data`); null before any search (Python None). */
  currentData: string | null = null;
  private citySetRepr: string | undefined;

  constructor(readonly db: TravelPlannerDatabase) {}

  reset(): void {
    this.notebook.reset();
    this.currentData = null;
  }

  private city(arg: string): string {
    if (!this.db.citySetLookup.has(arg)) {
      this.citySetRepr ??= pyRepr([...this.db.citySet]);
      throw new ArgumentError(`${arg} is not valid city in ${this.citySetRepr}.`, "Illegal args. City Error");
    }
    return arg;
  }

  private static date(arg: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(arg)) throw new ArgumentError(`'${arg}' is not in the format YYYY-MM-DD`, "Illegal args. DateError");
    return arg;
  }

  /** Splits on ", " exactly like `action_arg.split(', ')`; a missing position is an IndexError. */
  private static nth(parts: string[], i: number): string {
    const v = parts[i];
    if (v === undefined) throw new Error("IndexError: list index out of range");
    return v;
  }

  /** Runs a search and records it as the current data. */
  private search(type: string, arg: string, counter: string, otherError: string, run: () => string, masksFirst = false): ToolCallResult {
    let result: string;
    try {
      result = run();
    } catch (err) {
      if (err instanceof ArgumentError) return { type, arg, observation: err.observation, state: err.state, failedCounter: counter, masked: false };
      // GoogleDistanceMatrix masks before splitting its arguments, so even its failures mask.
      return { type, arg, observation: otherError, state: "Illegal args. Other Error", failedCounter: counter, masked: masksFirst };
    }
    this.currentData = result;
    return { type, arg, observation: result, state: "Successful", masked: true };
  }

  /** Runs one `Action[args]` string. `Planner[...]` is not handled here (see `Episode`). */
  call(action: string): ToolCallResult {
    const parsed = parseAction(action);
    if (!parsed || !isActionType(parsed.type) || parsed.type === "Planner") {
      return { type: parsed?.type ?? null, arg: parsed?.arg ?? null, observation: INVALID_ACTION_OBSERVATION, state: "invalidAction", failedCounter: "invalidAction", masked: false };
    }
    return this.run(parsed.type, parsed.arg);
  }

  run(type: Exclude<ActionType, "Planner">, arg: string): ToolCallResult {
    const parts = arg.split(", ");
    const nth = TravelPlannerSandbox.nth;
    switch (type) {
      case "FlightSearch":
        return this.search(type, arg, "flights", "Illegal Flight Search. Please try again.", () => {
          const date = TravelPlannerSandbox.date(nth(parts, 2));
          const from = this.city(nth(parts, 0));
          const to = this.city(nth(parts, 1));
          return flightSearch(this.db, from, to, date);
        });
      case "AttractionSearch":
        return this.search(type, arg, "attractions", "Illegal Attraction Search. Please try again.", () => attractionSearch(this.db, this.city(arg)));
      case "AccommodationSearch":
        return this.search(type, arg, "accommodations", "Illegal Accommodation Search. Please try again.", () => accommodationSearch(this.db, this.city(arg)));
      case "RestaurantSearch":
        return this.search(type, arg, "restaurants", "Illegal Restaurant Search. Please try again.", () => restaurantSearch(this.db, this.city(arg)));
      case "GoogleDistanceMatrix":
        return this.search(type, arg, "googleDistanceMatrix", "Illegal GoogleDistanceMatrix. Please try again.", () =>
          distanceMatrix(this.db, nth(parts, 0), nth(parts, 1), nth(parts, 2)),
          true,
        );
      case "CitySearch":
        // The official agent does not keep this result as current data (that line is commented out).
        return { type, arg, observation: citySearch(this.db, arg), state: "Successful", masked: true };
      case "NotebookWrite":
        return { type, arg, observation: this.notebook.write(this.currentData, arg), state: "Successful", masked: true };
    }
  }
}
