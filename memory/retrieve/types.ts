import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { MemoryBank } from "../bank.js";
import type { MemoryEntry } from "../types.js";

export const RETRIEVE_POLICIES = ["random", "query", "facts", "ave_fact"] as const;
export type RetrievePolicyName = (typeof RETRIEVE_POLICIES)[number];

export interface RetrieveRequest {
  task: string;
  /** Facts of the task when the caller knows them; otherwise `facts`/`ave_fact` ask the model. */
  facts?: Record<string, string>;
  k: number;
  /** Drop results scoring below this (cosine for query/facts/ave_fact; ignored by random). */
  threshold?: number;
  /** Seed for `random`; the same seed and task give the same sample. */
  seed?: number;
}

export interface RetrieveContext {
  bank: MemoryBank;
  /** Extracts facts from the task text for `facts`/`ave_fact` when the request has none. */
  model?: BaseChatModel;
  signal?: AbortSignal;
}

export interface RetrievedEntry {
  entry: MemoryEntry;
  /** Similarity (higher is closer); null for random picks. */
  score: number | null;
}

/** One way of choosing the entries a new task sees. */
export interface RetrievePolicy {
  readonly name: RetrievePolicyName;
  retrieve(request: RetrieveRequest, context: RetrieveContext): Promise<RetrievedEntry[]>;
}
