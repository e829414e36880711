/**
 * LangChain tools, in two flavours. `createTravelPlannerTools`: bare tools over one sandbox
 * session (no episode rules), text tools (a single string argument, the text inside the brackets
 * of `Action[...]`) for text ReAct agents, or zod-schema tools for tool-calling agents; the tools
 * of one call share a notebook. `createTravelPlannerEpisodeTools`: the same tools as actions of a
 * running episode, so the two-stage rules (step limit, retries, repeats, Planner ends) apply.
 * Both return the official observation strings.
 */
import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";
import type { StepResult } from "../types.js";
import { TravelPlannerSandbox, type ActionType } from "./actions.js";
import type { TravelPlannerDatabase } from "./database.js";
import type { TravelPlannerEnvironment } from "./environment.js";
import type { Planner } from "./planner.js";

export interface TravelPlannerToolsOptions {
  /** "text": one string input per tool (default); "structured": named arguments. */
  schema?: "text" | "structured";
  /** Share a session (notebook, last result) with other code; a new one by default. */
  sandbox?: TravelPlannerSandbox;
}

const DESCRIPTIONS: Record<ActionType, string> = {
  FlightSearch: "Flights between two cities on a date. Input: 'Departure City, Destination City, YYYY-MM-DD'.",
  AccommodationSearch: "Accommodations in a city. Input: the city name.",
  RestaurantSearch: "Restaurants in a city. Input: the city name.",
  AttractionSearch: "Attractions in a city. Input: the city name.",
  CitySearch: "The cities of a state. Input: the state name.",
  GoogleDistanceMatrix: "Distance, duration and cost between two cities. Input: 'Origin, Destination, Mode' with Mode self-driving or taxi.",
  NotebookWrite: "Save the latest search result in the Notebook under a short description. Input: the description.",
  Planner: "Write the final travel plan from the Notebook for a query. Input: the query.",
};

const city = z.string().describe("City name exactly as the database spells it");
const STRUCTURED: Record<ActionType, { schema: z.ZodObject<z.ZodRawShape>; toArg: (a: Record<string, string>) => string }> = {
  FlightSearch: {
    schema: z.object({ departure_city: city, destination_city: city, date: z.string().describe("YYYY-MM-DD") }),
    toArg: (a) => `${a.departure_city}, ${a.destination_city}, ${a.date}`,
  },
  AccommodationSearch: { schema: z.object({ city }), toArg: (a) => a.city! },
  RestaurantSearch: { schema: z.object({ city }), toArg: (a) => a.city! },
  AttractionSearch: { schema: z.object({ city }), toArg: (a) => a.city! },
  CitySearch: { schema: z.object({ state: z.string() }), toArg: (a) => a.state! },
  GoogleDistanceMatrix: {
    schema: z.object({ origin: city, destination: city, mode: z.enum(["self-driving", "taxi"]) }),
    toArg: (a) => `${a.origin}, ${a.destination}, ${a.mode}`,
  },
  NotebookWrite: { schema: z.object({ short_description: z.string() }), toArg: (a) => a.short_description! },
  Planner: { schema: z.object({ query: z.string() }), toArg: (a) => a.query! },
};

/** The eight TravelPlanner tools, named after the official actions. */
export function createTravelPlannerTools(db: TravelPlannerDatabase, planner: Planner, options: TravelPlannerToolsOptions = {}): StructuredToolInterface[] {
  const sandbox = options.sandbox ?? new TravelPlannerSandbox(db);
  const run = async (type: ActionType, arg: string): Promise<string> => {
    if (type === "Planner") return planner.plan(sandbox.notebook.toPlannerText(), arg);
    return sandbox.run(type, arg).observation;
  };
  return (Object.keys(DESCRIPTIONS) as ActionType[]).map((type) => {
    if (options.schema === "structured") {
      const { schema, toArg } = STRUCTURED[type];
      return tool(async (input: Record<string, string>) => run(type, toArg(input)), { name: type, description: DESCRIPTIONS[type], schema });
    }
    return tool(async (input: string) => run(type, input), { name: type, description: DESCRIPTIONS[type], schema: z.string() });
  });
}

export interface TravelPlannerEpisodeToolsOptions {
  /** "text": one string input per tool (default); "structured": named arguments. */
  schema?: "text" | "structured";
  /**
   * Executes an action string; `env.step` by default. An episode runner passes its own step
   * (chains' `ctx.step`) so that every tool call is recorded as a step.
   */
  step?: (action: string) => Promise<StepResult>;
  /** Whether the episode is over; `env.done` by default. */
  done?: () => boolean;
}

/** What a tool answers once the episode is over (a call in the same turn as the Planner, say). */
export const EPISODE_OVER_OBSERVATION = "The episode is over: no more actions are accepted.";

/**
 * The eight tools as actions of `env`'s current episode (call `env.reset()` first): each call
 * becomes the step `Type[arg]`, so the step limit, the retry counters, the stop on three identical
 * actions and the Planner's end of the episode apply exactly as in text mode. Calls run one at a
 * time in the order they were made, because a tool-calling agent may run the calls of one turn
 * concurrently and the episode is a sequence. The answer is the step's observation, or its state
 * when a stop rule ended the episode without one.
 */
export function createTravelPlannerEpisodeTools(env: TravelPlannerEnvironment, options: TravelPlannerEpisodeToolsOptions = {}): StructuredToolInterface[] {
  const step = options.step ?? ((action: string) => env.step(action));
  const done = options.done ?? (() => env.done);
  let queue: Promise<unknown> = Promise.resolve();
  const act = (action: string): Promise<string> => {
    const run = async (): Promise<string> => {
      if (done()) return EPISODE_OVER_OBSERVATION;
      const result = await step(action);
      const state = typeof result.info.state === "string" ? result.info.state : "";
      return result.observation === "" && result.done && state !== "" ? state : result.observation;
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };
  return (Object.keys(DESCRIPTIONS) as ActionType[]).map((type) => {
    if (options.schema === "structured") {
      const { schema, toArg } = STRUCTURED[type];
      return tool(async (input: Record<string, string>) => act(`${type}[${toArg(input)}]`), { name: type, description: DESCRIPTIONS[type], schema });
    }
    return tool(async (input: string) => act(`${type}[${input}]`), { name: type, description: DESCRIPTIONS[type], schema: z.string() });
  });
}
