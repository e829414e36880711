import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigError } from "../../core/errors.js";
import { RETRIEVE_POLICIES, type RetrievePolicyName } from "./types.js";

/** How a task's entries are chosen (the `memp memory search` options). */
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
  if (needsFacts(policy) && !options.model) {
    throw new ConfigError(`the "${policy}" retrieval policy needs a model to extract the task's facts`);
  }
  return { policy, k, threshold: options.threshold, seed: options.seed, model: options.model };
}

export function needsFacts(policy: RetrievePolicyName): boolean {
  return policy === "facts" || policy === "ave_fact";
}
