/**
 * The tool-calling agent mode (`--agent tools`): `createAgent` from langchain with an
 * environment's tools, the caller's middleware (the procedural memory's), and an episode
 * middleware that ends the run once the episode is over and books each model call's tokens.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { createAgent, createMiddleware, type AgentMiddleware } from "langchain";
import type { TextEnvironment } from "../environments/types.js";
import type { EpisodeContext } from "./episode.js";
import { toTranscript } from "./transcript.js";
import { usageOf } from "./usage.js";

export interface ToolAgentOptions {
  model: BaseChatModel;
  /** Middleware run before the episode's own (e.g. `proceduralMemoryMiddleware`). */
  middleware?: AgentMiddleware[];
}

/** What a tool answers once the episode is over (several tool calls in one reply can outlive it). */
export const EPISODE_OVER = "The episode is over.";

/** Steps through the episode context so every tool call is recorded like a text action. */
export function episodeStepper<E extends TextEnvironment>(ctx: EpisodeContext<E>): (action: string) => Promise<string> {
  return async (action) => (ctx.done ? EPISODE_OVER : (await ctx.step(action)).observation);
}

function episodeMiddleware(ctx: EpisodeContext) {
  return createMiddleware({
    name: "EpisodeRules",
    beforeModel: {
      canJumpTo: ["end"],
      hook: () => (ctx.done ? { jumpTo: "end" as const } : undefined),
    },
    afterModel: (state) => {
      const last = state.messages.at(-1);
      if (last && AIMessage.isInstance(last)) ctx.addUsage(usageOf(last));
      return undefined;
    },
  });
}

/**
 * Runs one episode with a tool-calling agent. The task message is the environment's first
 * observation; the guidelines are added to it only when no middleware will inject them.
 */
export async function playWithTools<E extends TextEnvironment>(
  ctx: EpisodeContext<E>,
  tools: StructuredToolInterface[],
  options: ToolAgentOptions & { systemPrompt: string; guidelinesInTask: boolean },
): Promise<void> {
  const middleware: AgentMiddleware[] = [...(options.middleware ?? []), episodeMiddleware(ctx)];
  const agent = createAgent({ model: options.model, tools, systemPrompt: options.systemPrompt, middleware });
  const task = options.guidelinesInTask && ctx.guidelines ? `${ctx.observation}\n\n${ctx.guidelines}` : ctx.observation;
  ctx.messages.push({ role: "system", content: options.systemPrompt });
  // Each step is a model node, a tool node and the middleware nodes around them.
  const recursionLimit = ctx.maxSteps * 8 + 25;
  const state = await agent.invoke({ messages: [new HumanMessage(task)] }, { ...ctx.config, recursionLimit });
  ctx.messages.push(...state.messages.map(toTranscript));
}
