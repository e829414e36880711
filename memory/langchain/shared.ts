import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigError } from "../../src/errors.js";
import type { TrajectoryStep } from "../../src/trajectory.js";
import type { MemoryBank } from "../bank.js";
import { retrieve, RETRIEVE_POLICIES, type RetrievedEntry, type RetrievePolicyName } from "../retrieve/index.js";

/** How an adapter chooses the entries a task sees (the `memp memory retrieve` options). */
export interface RetrievalOptions {
  /** Retrieval policy (default "query": similarity of the task text). */
  policy?: RetrievePolicyName;
  /** Entries per task (default 3). */
  k?: number;
  /** Drop entries scoring below this (cosine; ignored by "random"). */
  threshold?: number;
  /** Seed of the "random" policy. */
  seed?: number;
  /** Extracts the task's facts for the "facts" and "ave_fact" policies. */
  model?: BaseChatModel;
}

export const DEFAULT_K = 3;

export interface ResolvedRetrieval {
  policy: RetrievePolicyName;
  k: number;
  threshold?: number;
  seed?: number;
  model?: BaseChatModel;
}

/** Validates retrieval options once, at construction, so a bad `k` fails before the first run. */
export function resolveRetrieval(options: RetrievalOptions = {}): ResolvedRetrieval {
  const policy = options.policy ?? "query";
  if (!(RETRIEVE_POLICIES as readonly string[]).includes(policy)) {
    throw new ConfigError(`unknown retrieval policy "${policy}" (expected one of ${RETRIEVE_POLICIES.join(", ")})`);
  }
  const k = options.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k <= 0) throw new ConfigError(`k must be a positive integer, got ${k}`);
  if ((policy === "facts" || policy === "ave_fact") && !options.model) {
    throw new ConfigError(`the "${policy}" retrieval policy needs a model to extract the task's facts`);
  }
  return { policy, k, threshold: options.threshold, seed: options.seed, model: options.model };
}

export function retrieveFor(bank: MemoryBank, options: ResolvedRetrieval, task: string, signal?: AbortSignal): Promise<RetrievedEntry[]> {
  return retrieve(bank, options.policy, { task, k: options.k, threshold: options.threshold, seed: options.seed }, { model: options.model, signal });
}

/** Renders one tool call as a trajectory action. */
export type ActionFormatter = (tool: string, input: unknown) => string;

/**
 * `Name[input]`, the form the build prompts and `deriveActionVocabulary` already read
 * (TravelPlanner's `FlightSearch[Seattle, New York, 2022-03-15]`). A string input is kept as is,
 * an object with a single primitive field is reduced to that value (`{action: "go to desk 1"}`
 * reads `env_step[go to desk 1]`), anything else is JSON.
 */
export const defaultFormatAction: ActionFormatter = (tool, input) => `${tool}[${inputText(input)}]`;

function inputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (input && typeof input === "object" && !Array.isArray(input)) {
    const values = Object.values(input);
    if (values.length === 1 && isPrimitive(values[0])) return String(values[0]);
  }
  return input === undefined ? "" : JSON.stringify(input);
}

function isPrimitive(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

/** The final answer, as a last step, so the memory keeps what the run concluded. */
export function finishStep(answer: string, thought?: string): TrajectoryStep {
  const step: TrajectoryStep = { action: `Finish[${answer.trim()}]`, observation: "" };
  if (thought?.trim()) step.thought = thought.trim();
  return step;
}
