/**
 * The tool-calling agent mode (`--agent tools`): `createAgent` from langchain with an
 * environment's tools (each call a step of the episode, so the episode's rules apply and every
 * call is recorded), the caller's middleware (the procedural memory's), and an episode middleware
 * that books each model call's tokens and ends the run once the episode is over.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { createAgent, createMiddleware, type AgentMiddleware } from "langchain";
import type { TextEnvironment } from "../environments/types.js";
import type { EpisodeContext } from "./episode.js";
import { toTranscript } from "./transcript.js";
import { usageOf } from "./usage.js";

export interface ToolAgentOptions {
  /** A chat model that supports tool calling (`bindTools`). */
  model: BaseChatModel;
  /** Middleware run around the episode's own (e.g. `proceduralMemoryMiddleware`). */
  middleware?: AgentMiddleware[];
}

/** What a tool answers once the episode is over (several tool calls in one reply can outlive it). */
export const EPISODE_OVER = "The episode is over: no more actions are accepted.";

const EPISODE_OVER_KEY = "mempEpisodeOver";

/** Steps through the episode context, so every tool call is recorded like a text action. */
export function episodeStepper<E extends TextEnvironment>(ctx: EpisodeContext<E>): (action: string) => Promise<string> {
  return async (action) => (ctx.done ? EPISODE_OVER : (await ctx.step(action)).observation);
}

/**
 * Ends the run once the episode is over by answering the model call itself with an empty reply
 * without tool calls, which the agent takes as its final answer. (A `beforeModel` jump to "end"
 * would skip the `afterAgent` hooks, where the procedural memory middleware records a run.) It
 * also stops a model whose calls the tools keep rejecting before they become steps (bad
 * arguments): at most `maxModelCalls` calls per run.
 */
function episodeMiddleware(ctx: EpisodeContext, maxModelCalls: number) {
  let calls = 0;
  return createMiddleware({
    name: "EpisodeRules",
    wrapModelCall: async (request, handler) => {
      if (ctx.done || calls >= maxModelCalls) return new AIMessage({ content: "", response_metadata: { [EPISODE_OVER_KEY]: true } });
      calls++;
      const reply = await handler(request);
      // Booked as pending: runEpisode attributes it to the step the reply's first tool call makes.
      if (AIMessage.isInstance(reply)) ctx.addUsage(usageOf(reply));
      return reply;
    },
  });
}

function isEpisodeOver(message: BaseMessage): boolean {
  return AIMessage.isInstance(message) && message.response_metadata?.[EPISODE_OVER_KEY] === true;
}

/**
 * Runs one episode with a tool-calling agent on `task` (the first human message). The memory
 * middleware adds its guidance to the system message itself; without any middleware, the
 * episode's guidelines are appended to the system prompt here.
 */
export async function playWithTools<E extends TextEnvironment>(
  ctx: EpisodeContext<E>,
  tools: StructuredToolInterface[],
  options: ToolAgentOptions & { systemPrompt: string; task: string; guidelines?: string },
): Promise<void> {
  const middleware = options.middleware ?? [];
  const guidelines = options.guidelines ?? ctx.guidelines;
  const systemPrompt = middleware.length === 0 && guidelines ? `${options.systemPrompt}\n\n${guidelines}` : options.systemPrompt;
  // Every call that acts takes a step, so an episode needs at most maxSteps + 1 calls; the rest is
  // room for calls whose arguments the tools reject.
  const maxModelCalls = 2 * ctx.maxSteps + 1;
  const all: AgentMiddleware[] = [...middleware, episodeMiddleware(ctx, maxModelCalls)];
  const agent = createAgent({ model: options.model, tools, systemPrompt, middleware: all });
  // Per model call: the model node, the tools node and each middleware's before/after-model nodes;
  // plus each middleware's before/after-agent nodes once. The recursion limit lies beyond the last
  // call the episode middleware allows, so it is never what stops a run.
  const nodesPerCall = 2 + 2 * all.length;
  const recursionLimit = (maxModelCalls + 1) * nodesPerCall + 2 * all.length + 10;
  ctx.messages.push({ role: "system", content: systemPrompt });
  const state = await agent.invoke({ messages: [new HumanMessage(options.task)] }, { ...ctx.config, recursionLimit });
  ctx.messages.push(...(state.messages as BaseMessage[]).filter((m) => !isEpisodeOver(m)).map(toTranscript));
}
