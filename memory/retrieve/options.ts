import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigError } from "../../core/errors.js";
import { getRetrievePolicy } from "./policies.js";
import type { RetrievePolicyName } from "./types.js";

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
  const k = checkK(options.k ?? DEFAULT_K);
  if (needsFacts(policy) && !options.model) {
    throw new ConfigError(`the "${policy}" retrieval policy needs a model to extract the task's facts`);
  }
  if (options.threshold !== undefined && !Number.isFinite(options.threshold)) throw new ConfigError(`threshold must be a number, got ${options.threshold}`);
  return { policy, k, threshold: options.threshold, seed: options.seed, model: options.model };
}

/** The one check of `k`, for every way in (options, requests, the CLI). */
export function checkK(k: unknown): number {
  if (typeof k !== "number" || !Number.isInteger(k) || k <= 0) throw new ConfigError(`k must be a positive integer, got ${String(k)}`);
  return k;
}

/** Whether the policy reads the task's facts (unknown names are refused here). */
export function needsFacts(policy: RetrievePolicyName): boolean {
  return getRetrievePolicy(policy).needsFacts === true;
}
