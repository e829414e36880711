/**
 * LangChain tools over one sandbox session: text tools (a single string argument, the text inside
 * the brackets of `Action[...]`) for text ReAct agents, and zod-schema tools for tool-calling
 * agents. Both return the official observation strings; the tools of one call share a notebook.
 */
import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";
import { TravelPlannerSandbox, type ActionType } from "./actions.js";
import type { TravelPlannerDatabase } from "./database.js";
import type { TravelPlanner } from "./planner.js";

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
export function createTravelPlannerTools(db: TravelPlannerDatabase, planner: TravelPlanner, options: TravelPlannerToolsOptions = {}): StructuredToolInterface[] {
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
