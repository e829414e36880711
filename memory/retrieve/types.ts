import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { MemoryBank } from "../bank.js";
import type { MemoryEntry } from "../types.js";

/** The retrieval policies memp ships; `registerRetrievePolicy` adds others. */
export const RETRIEVE_POLICIES = ["random", "query", "facts", "ave_fact"] as const;
/** A retrieval policy's name: one of `RETRIEVE_POLICIES` or a registered one. */
export type RetrievePolicyName = (typeof RETRIEVE_POLICIES)[number] | (string & {});

export interface RetrieveRequest {
  task: string;
  /** Facts of the task when the caller knows them; otherwise `facts`/`ave_fact` ask the model. */
  facts?: Record<string, string>;
  k: number;
  /** Drop results scoring below this (cosine for query/facts/ave_fact; ignored by random). */
  threshold?: number;
  /** Seed for `random`; the same seed and task give the same sample. */
  seed?: number;
  /**
   * Entries the task must not see (e.g. those built from its own episode, see `excludeSource`).
   * Every policy still returns k entries when that many others qualify.
   */
  exclude?: (entry: MemoryEntry) => boolean;
}

export interface RetrieveContext {
  bank: MemoryBank;
  /** Extracts facts from the task text for `facts`/`ave_fact` when the request has none. */
  model?: BaseChatModel;
  signal?: AbortSignal;
  /** Callbacks, tags and metadata for that model call, so it shows up inside the caller's trace. */
  config?: RunnableConfig;
}

export interface RetrievedEntry {
  entry: MemoryEntry;
  /** Similarity (higher is closer); null for random picks. */
  score: number | null;
}

/** One way of choosing the entries a new task sees (see `registerRetrievePolicy`). */
export interface RetrievePolicy {
  readonly name: RetrievePolicyName;
  /** Whether it reads the task's facts, which a model extracts when the caller has none. */
  readonly needsFacts?: boolean;
  retrieve(request: RetrieveRequest, context: RetrieveContext): Promise<RetrievedEntry[]>;
}
