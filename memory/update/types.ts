import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Trajectory } from "../../core/trajectory.js";
import type { BuildKind } from "../types.js";

/** The update policies memp ships; `registerUpdatePolicy` adds others. */
export const UPDATE_POLICIES = ["vanilla", "validation", "adjustment"] as const;
/** An update policy's name: one of `UPDATE_POLICIES` or a registered one. */
export type UpdatePolicyName = (typeof UPDATE_POLICIES)[number] | (string & {});

/** One finished task of a batch: what was done, how it went, and which entries it was shown. */
export interface FinishedTask {
  trajectory: Trajectory;
  /** Whether the task succeeded (defaults to `trajectory.success`, else false). */
  success?: boolean;
  /** Ids of the memory entries retrieved for this task, in the order shown. */
  retrieved: string[];
  /** Where the task came from (a results file line, an episode id); kept in provenance. */
  source?: string;
}

export interface UpdateOptions {
  policy: UpdatePolicyName;
  /** Builds new entries (script, proceduralization, events) and rewrites misleading ones (adjustment). */
  model?: BaseChatModel;
  modelName?: string;
  /** How new trajectories are built into entries (default "proceduralization" with a model, else "trajectory"). */
  buildKind?: BuildKind;
  /** Deprecation: entries with hits >= minHits and successes / hits < minRate are retired (defaults 3 and 0.5). */
  minHits?: number;
  minRate?: number;
  /** Cap on live entries; the least useful are retired first when over it. */
  maxEntries?: number;
  /** Entries of the same kind whose task embeddings are at least this similar are merged (default: off). */
  mergeThreshold?: number;
  concurrency?: number;
  actionVocabulary?: string;
  signal?: AbortSignal;
  /** Callbacks, tags and metadata for every model call, so they show in the caller's trace. */
  config?: RunnableConfig;
  /**
   * Names this update in the log (`updates.jsonl`, written in the same commit), so that a resumed
   * run can tell with `updateTags` whether the batch was already applied. A tag is used once: an
   * update with a tag already in the log is refused.
   */
  tag?: string;
}

export interface RetiredEntry {
  id: string;
  reason: string;
}

export interface UpdateReport {
  policy: UpdatePolicyName;
  /** The update's tag, when it was given one. */
  tag?: string;
  /** Entries whose hits/successes changed, with their new stats. */
  stats: Array<{ id: string; hits: number; successes: number }>;
  added: string[];
  adjusted: string[];
  retired: RetiredEntry[];
  merged: Array<{ kept: string; absorbed: string }>;
  failed: Array<{ task: string; error: string }>;
}
