/**
 * The Planner tool (an LLM call on the notebook contents and a query, refused above a token
 * budget like the official tools/planner/apis.py) and the sole-planning mode (the planner alone
 * on a query's reference information). The model is injected; prompts are ours.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";
import { messageText } from "../../core/util/model-json.js";
import { PLANNER_PROMPT, PLANNER_PROMPT_COT } from "./prompts.js";

export type TokenCounter = (text: string) => number;

let encoder: Tiktoken | undefined;

/** cl100k_base token count (the tokenizer the official limits are measured in). */
export const countCl100kTokens: TokenCounter = (text) => {
  encoder ??= new Tiktoken(cl100k);
  // Special-token text is counted as ordinary text instead of raising.
  return encoder.encode(text, [], []).length;
};

/** What the official planner answers when its prompt is too long. */
export const MAX_TOKEN_LENGTH_EXCEEDED = "Max Token Length Exceeded.";

/** Anything that turns the notebook text and a query into a text plan. */
export interface Planner {
  plan(information: string, query: string): Promise<string>;
}

export type PlannerStrategy = "direct" | "cot";

export interface LlmPlannerOptions {
  model: BaseChatModel;
  /** Prompt budget in cl100k tokens (official: 12,000; pass Infinity to disable, as for Gemini). */
  maxPromptTokens?: number;
  strategy?: PlannerStrategy;
  countTokens?: TokenCounter;
}

export class LlmPlanner implements Planner {
  private readonly model: BaseChatModel;
  private readonly maxPromptTokens: number;
  private readonly strategy: PlannerStrategy;
  private readonly countTokens: TokenCounter;

  constructor(options: LlmPlannerOptions) {
    this.model = options.model;
    this.maxPromptTokens = options.maxPromptTokens ?? 12_000;
    this.strategy = options.strategy ?? "direct";
    this.countTokens = options.countTokens ?? countCl100kTokens;
  }

  prompt(information: string, query: string): string {
    return (this.strategy === "cot" ? PLANNER_PROMPT_COT : PLANNER_PROMPT)(information, query);
  }

  async plan(information: string, query: string): Promise<string> {
    const prompt = this.prompt(information, query);
    if (Number.isFinite(this.maxPromptTokens) && this.countTokens(prompt) > this.maxPromptTokens) return MAX_TOKEN_LENGTH_EXCEEDED;
    const reply = await this.model.invoke([new HumanMessage(prompt)]);
    return messageText(reply);
  }
}

/**
 * Sole planning: the planner gets the query's reference information (the Python-repr text of the
 * official CSV, or one rebuilt with `referenceInformationText`) instead of a notebook.
 */
export async function solePlan(planner: Planner, query: { query: string }, referenceInformation: string): Promise<string> {
  return planner.plan(referenceInformation, query.query);
}
