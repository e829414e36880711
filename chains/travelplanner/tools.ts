/**
 * TravelPlanner with a tool-calling model (`--agent tools`): `createAgent` over the eight tools,
 * each call a step of the episode (so the two-stage rules apply and every call is recorded), with
 * the caller's middleware (the procedural memory's) and an episode middleware that books each
 * model call's tokens and ends the run once the episode is over.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { AgentMiddleware } from "langchain";
import type { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { createTravelPlannerEpisodeTools } from "../../environments/travelplanner/langchain.js";
import type { EpisodeAgent, EpisodeContext } from "../episode.js";
import { playWithTools } from "../tools-agent.js";

export const TOOL_SYSTEM_PROMPT = `You gather the information needed to plan a trip by calling tools. Find the transportation between the cities of the query (flights, or the distance and cost of self-driving or a taxi), and the accommodations, restaurants and attractions of each city to visit. After each useful search, call NotebookWrite with a short description to keep its result: the Planner reads only the Notebook. Write city names as the database spells them and dates as YYYY-MM-DD. Make one tool call at a time. When the Notebook holds what the plan needs, call Planner with the query: it writes the travel plan and ends the task.`;

export interface ToolCallingAgentOptions {
  /** A chat model that supports tool calling (`bindTools`). */
  model: BaseChatModel;
  /** "structured" (named arguments, default) or "text" (one string inside the brackets). */
  schema?: "text" | "structured";
  /** Middleware run around the episode's own, e.g. `proceduralMemoryMiddleware`. */
  middleware?: AgentMiddleware[];
  systemPrompt?: string;
}

export class ToolCallingAgent implements EpisodeAgent<TravelPlannerEnvironment> {
  constructor(private readonly options: ToolCallingAgentOptions) {}

  async play(ctx: EpisodeContext<TravelPlannerEnvironment>): Promise<void> {
    const tools = createTravelPlannerEpisodeTools(ctx.env, {
      schema: this.options.schema ?? "structured",
      step: (action) => ctx.step(action),
      done: () => ctx.done,
    });
    await playWithTools(ctx, tools, {
      model: this.options.model,
      middleware: this.options.middleware,
      systemPrompt: this.options.systemPrompt ?? TOOL_SYSTEM_PROMPT,
      task: ctx.task,
      guidelines: ctx.guidelines || ctx.env.guidelines,
    });
  }
}
