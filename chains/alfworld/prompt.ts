/**
 * The chat an ALFWorld ReAct episode starts from: a system prompt listing the command forms of the
 * game's grammar, optionally a solved game of the same task type as earlier turns, then the
 * game's first observation with the memory's guidelines after it. The system prompt and the
 * demonstration depend only on the grammar and the task type, so they are byte-identical across
 * the episodes of a type and a server's prefix cache can reuse them.
 */
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { actionVocabulary } from "../../environments/alfworld/environment.js";
import type { GrammarVersion } from "../../environments/alfworld/game.js";
import type { Demonstration } from "./expert.js";

export function systemPrompt(grammar: GrammarVersion, withDemonstration: boolean): string {
  return [
    "You are an agent in a text-based household simulation. You complete the task you are given by issuing one command per turn.",
    "",
    "Commands:",
    actionVocabulary(grammar),
    "",
    'Replace {obj} and {recep} with names exactly as the game prints them, for example "apple 1" or "countertop 2".',
    "",
    "Answer every turn in this form, with exactly one command:",
    "Thought: <your reasoning>",
    "Action: <one command>",
    "",
    'After each action you receive "Observation: ..." with what happened. "Nothing happens." means the command was not possible in the current state.',
    ...(withDemonstration ? ["", "The first game below is a solved example of the same kind of task. The game after it is yours."] : []),
  ].join("\n");
}

export function assistantTurn(action: string, thought?: string): string {
  return thought ? `Thought: ${thought}\nAction: ${action}` : `Action: ${action}`;
}

export function observationTurn(observation: string): string {
  return `Observation: ${observation}`;
}

/** A closing turn so the roles keep alternating (some chat templates insist) before the real game. */
const DEMONSTRATION_END = "The task is complete.";

export function demonstrationTurns(demo: Demonstration): BaseMessage[] {
  const turns: BaseMessage[] = [new HumanMessage(demo.intro)];
  for (const step of demo.trajectory.steps) {
    turns.push(new AIMessage(assistantTurn(step.action, step.thought)), new HumanMessage(observationTurn(step.observation)));
  }
  turns.push(new AIMessage(DEMONSTRATION_END));
  return turns;
}

/** The first user message: the intro unchanged, then the guidelines when memory is on. */
export function taskTurn(intro: string, guidelines: string): string {
  return guidelines ? `${intro}\n\n${guidelines}` : intro;
}

export function openingMessages(options: { grammar: GrammarVersion; demonstration?: Demonstration; intro: string; guidelines: string }): BaseMessage[] {
  return [
    new SystemMessage(systemPrompt(options.grammar, options.demonstration !== undefined)),
    ...(options.demonstration ? demonstrationTurns(options.demonstration) : []),
    new HumanMessage(taskTurn(options.intro, options.guidelines)),
  ];
}
