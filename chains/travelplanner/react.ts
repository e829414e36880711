/**
 * The official two-stage agent loop over the environment's prompts: per step, one model call
 * completes the thought prompt, a second completes the action prompt (each a single human
 * message, one line by the stop sequence), and the pair goes to `ctx.step`.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import type { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { formatStep } from "../../environments/travelplanner/episode.js";
import { messageText } from "../../core/util/model-json.js";
import type { EpisodeAgent, EpisodeContext } from "../episode.js";
import { addUsage, usageOf, type TokenUsage } from "../usage.js";

export interface TwoStageReactAgentOptions {
  model: BaseChatModel;
  /**
   * Stop sequences of every call (official `["\n"]`: a thought or an action is one line). Pass
   * `[]` for none; LangChain's fake chat models answer any call that has stop sequences with the
   * first of them.
   */
  stop?: string[];
}

export class TwoStageReactAgent implements EpisodeAgent<TravelPlannerEnvironment> {
  private readonly stop: string[];

  constructor(private readonly options: TwoStageReactAgentOptions) {
    this.stop = options.stop ?? ["\n"];
  }

  async play(ctx: EpisodeContext<TravelPlannerEnvironment>): Promise<void> {
    const env = ctx.env;
    // Guidance retrieved by runEpisode after reset reaches the prompt here, before the first step;
    // guidance the environment was built with (the suite's setup) is already there and stays.
    if (ctx.guidelines !== "" && env.guidelines === "") env.setGuidelines(ctx.guidelines);
    const transcript = new PromptTranscript(ctx);
    try {
      while (!ctx.done && !env.done) {
        const thoughtPrompt = env.thoughtPrompt();
        const thoughtReply = await this.complete(thoughtPrompt, ctx, transcript);
        const thought = formatStep(thoughtReply.text);
        const actionReply = await this.complete(env.actionPrompt(thought), ctx, transcript).catch((err: unknown) => {
          ctx.addUsage(thoughtReply.usage);
          throw err;
        });
        await ctx.step(formatStep(actionReply.text), { thought, usage: addUsage(thoughtReply.usage, actionReply.usage) });
      }
    } finally {
      transcript.finish();
    }
  }

  private async complete(prompt: string, ctx: EpisodeContext, transcript: PromptTranscript): Promise<{ text: string; usage: TokenUsage }> {
    const options = this.stop.length > 0 ? { ...ctx.config, stop: this.stop } : ctx.config;
    const reply = await this.options.model.invoke([new HumanMessage(prompt)], options);
    const text = messageText(reply);
    transcript.turn(prompt, text);
    return { text, usage: usageOf(reply) };
  }
}

/**
 * Each prompt repeats the whole scratchpad, so keeping every prompt would make a results file
 * grow with the square of the episode length. Every user turn keeps only its last line (the
 * `Thought N:` / `Action N:` label the reply completes), except the last one, which keeps the
 * final prompt in full: instructions, guidelines, query and every earlier step as the model last
 * saw them (older tables masked). The replies are kept as they came.
 */
class PromptTranscript {
  private lastPrompt: string | undefined;
  private lastIndex = -1;

  constructor(private readonly ctx: EpisodeContext) {}

  turn(prompt: string, reply: string): void {
    this.lastPrompt = prompt;
    this.lastIndex = this.ctx.messages.length;
    this.ctx.messages.push({ role: "user", content: prompt.slice(prompt.lastIndexOf("\n") + 1) }, { role: "assistant", content: reply });
  }

  finish(): void {
    const last = this.ctx.messages[this.lastIndex];
    if (this.lastPrompt !== undefined && last) last.content = this.lastPrompt;
  }
}
