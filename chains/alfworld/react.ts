import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { messageText } from "../../core/util/model-json.js";
import type { EpisodeAgent, EpisodeContext } from "../episode.js";
import { parseReactReply } from "../reply.js";
import { toTranscript } from "../transcript.js";
import { usageOf } from "../usage.js";
import type { Demonstration } from "./expert.js";
import { observationTurn, openingMessages } from "./prompt.js";

export interface AlfworldReactAgentOptions {
  model: BaseChatModel;
  /** A solved game of the same task type, shown as earlier turns (`--few_shot`). */
  demonstration?: Demonstration;
}

/**
 * MemP's ALFWorld agent: one chat per game. Each reply must hold `Action: <command>`; the
 * command goes to the engine as written (a reply without one sends an empty command, which the
 * engine answers like any invalid command and counts as a step), and the observation returns as
 * the next user message. The episode ends when the engine says done or at the step limit.
 */
export class AlfworldReactAgent implements EpisodeAgent<AlfworldEnvironment> {
  constructor(private readonly options: AlfworldReactAgentOptions) {}

  async play(ctx: EpisodeContext<AlfworldEnvironment>): Promise<void> {
    const messages: BaseMessage[] = openingMessages({
      grammar: ctx.env.game.grammarVersion,
      demonstration: this.options.demonstration,
      intro: ctx.observation,
      guidelines: ctx.guidelines,
    });
    ctx.messages.push(...messages.map(toTranscript));
    while (!ctx.done) {
      const reply = await this.options.model.invoke(messages, ctx.config);
      const parsed = parseReactReply(messageText(reply));
      const said = new AIMessage(parsed.kept);
      const result = await ctx.step(parsed.action ?? "", { thought: parsed.thought, usage: usageOf(reply) });
      const observation = new HumanMessage(observationTurn(result.observation));
      messages.push(said, observation);
      ctx.messages.push(toTranscript(said), toTranscript(observation));
    }
  }
}
