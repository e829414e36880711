import type { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { createAlfworldTools } from "../../environments/alfworld/tools.js";
import type { EpisodeAgent, EpisodeContext } from "../episode.js";
import { episodeStepper, playWithTools, type ToolAgentOptions } from "../tools-agent.js";

function toolSystemPrompt(): string {
  return [
    "You are an agent in a text-based household simulation. Complete the task you are given by calling the tools, one game command per call.",
    'Use object and receptacle names exactly as the game prints them, for example "apple 1" or "countertop 2".',
    'Each tool returns what happened. "Nothing happens." means the command was not possible in the current state.',
    "Keep acting until the task is done.",
  ].join("\n");
}

/** ALFWorld with a tool-calling model: one tool per command form, all stepping the same episode. */
export class AlfworldToolAgent implements EpisodeAgent<AlfworldEnvironment> {
  constructor(private readonly options: ToolAgentOptions) {}

  async play(ctx: EpisodeContext<AlfworldEnvironment>): Promise<void> {
    const step = episodeStepper(ctx);
    const tools = createAlfworldTools({ game: ctx.env.game, actionVocabulary: ctx.env.actionVocabulary, step: async (command) => ({ observation: await step(command) }) });
    await playWithTools(ctx, Object.values(tools.commands), { ...this.options, systemPrompt: toolSystemPrompt(), task: ctx.observation });
  }
}
