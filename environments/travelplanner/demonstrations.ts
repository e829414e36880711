/**
 * Scripted demonstrations from the train split's gold plans, for the offline memory without a
 * model: the tool calls that gather exactly the information a gold plan uses (each result saved
 * in the Notebook, as the Planner reads only the Notebook), then `Planner[query]`; and a planner
 * that answers with the gold plan in the planner-prompt layout. Pure: nothing here runs a tool.
 */
import { InputError } from "../../core/errors.js";
import { extractFromTo, getValidNameCity, MEALS, transportationMatch } from "./evaluator/parsing.js";
import { renderPlan } from "./planParser.js";
import type { Planner } from "./planner.js";
import type { TravelQuery } from "./queries.js";
import { extractBeforeParenthesis } from "./tools.js";

export interface DemonstrationStep {
  thought: string;
  action: string;
}

type PlanDay = Record<string, unknown>;

/** The gold plan's first `days` days (train plans are padded with `{}` to seven). */
export function goldPlan(query: TravelQuery): PlanDay[] {
  const plan = query.annotated_plan;
  if (!Array.isArray(plan) || plan.length === 0) {
    throw new InputError(`query ${query.idx} has no gold plan (annotated_plan); demonstrations come from the train split`, { field: "annotated_plan" });
  }
  return plan.slice(0, query.days).map((d, i) => {
    if (typeof d !== "object" || d === null || Array.isArray(d)) throw new InputError(`query ${query.idx}: day ${i + 1} of the gold plan is not an object`, { field: "annotated_plan" });
    return d as PlanDay;
  });
}

function text(day: PlanDay, field: string): string {
  const v = day[field];
  return typeof v === "string" ? v.trim() : "";
}

const isSet = (v: string) => v !== "" && v !== "-";

/** The tools accept city names without the "(State)" suffix the plans carry. */
function cityName(raw: string): string {
  return extractBeforeParenthesis(raw).trim();
}

function entryCity(entry: string): string | undefined {
  const city = getValidNameCity(entry)[1];
  return city === "-" ? undefined : city;
}

type CitySearch = "AccommodationSearch" | "RestaurantSearch" | "AttractionSearch";

/** The cities a day's entries name, in field order, with the search each one needs. */
function dayEntries(day: PlanDay): [string, CitySearch][] {
  const out: [string, CitySearch][] = [];
  const add = (entry: string, search: CitySearch) => {
    const city = isSet(entry) ? entryCity(entry) : undefined;
    if (city) out.push([city, search]);
  };
  add(text(day, "breakfast"), "RestaurantSearch");
  for (const a of text(day, "attraction").split(";")) add(a.trim(), "AttractionSearch");
  for (const meal of MEALS.slice(1)) add(text(day, meal), "RestaurantSearch");
  add(text(day, "accommodation"), "AccommodationSearch");
  return out;
}

interface Search {
  action: string;
  thought: string;
  /** The Notebook label, in the reference information's wording ("Restaurants in X", ...). */
  label: string;
}

function legSearch(day: PlanDay, date: string | undefined): Search | undefined {
  const transportation = text(day, "transportation");
  const currentCity = text(day, "current_city");
  if (!currentCity.includes("from") || !isSet(transportation)) return undefined;
  let [from, to] = extractFromTo(transportation);
  if (from === null) [from, to] = extractFromTo(currentCity);
  if (from === null || to === null) return undefined;
  const a = cityName(from), b = cityName(to);
  switch (transportationMatch(transportation)) {
    case "Flight":
      if (date === undefined) return undefined;
      return { action: `FlightSearch[${a}, ${b}, ${date}]`, thought: `I need the flights from ${a} to ${b} on ${date}.`, label: `Flight from ${a} to ${b} on ${date}` };
    case "Self-driving":
      return { action: `GoogleDistanceMatrix[${a}, ${b}, self-driving]`, thought: `I will drive from ${a} to ${b}, so I need the driving distance and cost.`, label: `Self-driving from ${a} to ${b}` };
    case "Taxi":
      return { action: `GoogleDistanceMatrix[${a}, ${b}, taxi]`, thought: `I will take a taxi from ${a} to ${b}, so I need its distance and cost.`, label: `Taxi from ${a} to ${b}` };
    default:
      return undefined;
  }
}

const CITY_SEARCHES: Record<CitySearch, { thought: (city: string) => string; label: (city: string) => string }> = {
  AccommodationSearch: { thought: (c) => `I need a place to stay in ${c}.`, label: (c) => `Accommodations in ${c}` },
  RestaurantSearch: { thought: (c) => `I need restaurants for the meals in ${c}.`, label: (c) => `Restaurants in ${c}` },
  AttractionSearch: { thought: (c) => `I need attractions to visit in ${c}.`, label: (c) => `Attractions in ${c}` },
};

/**
 * The steps that gather what the gold plan of a train query uses: for each day in order, the
 * day's transport leg (FlightSearch on that day's date, or GoogleDistanceMatrix with the plan's
 * mode), then, for each city the first time the plan names it, the accommodation, restaurant and
 * attraction searches the plan needs there; each search followed by a NotebookWrite; finally
 * `Planner[<query text>]`. No search repeats, so the three-repeats rule never fires.
 */
export function demonstrationSteps(query: TravelQuery): DemonstrationStep[] {
  const days = goldPlan(query);
  const needs = new Map<string, Set<CitySearch>>();
  for (const day of days) {
    for (const [city, search] of dayEntries(day)) {
      const set = needs.get(city) ?? new Set<CitySearch>();
      set.add(search);
      needs.set(city, set);
    }
  }
  const steps: DemonstrationStep[] = [];
  const seen = new Set<string>();
  const record = (s: Search) => {
    if (seen.has(s.action)) return;
    seen.add(s.action);
    steps.push({ thought: s.thought, action: s.action });
    steps.push({ thought: `I write the result into the Notebook as "${s.label}".`, action: `NotebookWrite[${s.label}]` });
  };
  const citiesDone = new Set<string>();
  days.forEach((day, i) => {
    const leg = legSearch(day, query.date[i]);
    if (leg) record(leg);
    for (const [city] of dayEntries(day)) {
      if (citiesDone.has(city)) continue;
      citiesDone.add(city);
      const name = cityName(city);
      for (const search of ["AccommodationSearch", "RestaurantSearch", "AttractionSearch"] as const) {
        if (!needs.get(city)!.has(search)) continue;
        const spec = CITY_SEARCHES[search];
        record({ action: `${search}[${name}]`, thought: spec.thought(name), label: spec.label(name) });
      }
    }
  });
  steps.push({ thought: "I have gathered the information the plan needs, so I can ask the Planner for the plan.", action: `Planner[${query.query}]` });
  return steps;
}

/** A planner that answers every call with the query's gold plan, written as the planner prompt asks. */
export class GoldPlanner implements Planner {
  readonly text: string;

  constructor(query: TravelQuery) {
    this.text = renderPlan(goldPlan(query));
  }

  async plan(): Promise<string> {
    return this.text;
  }
}
