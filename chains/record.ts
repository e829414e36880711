/**
 * The episode record: one JSON file per episode in a run's `episodes/` folder, and the only
 * thing a resumed run, the summary and the report read back.
 */
import { z } from "zod";
import type { Trajectory } from "../core/trajectory.js";
import type { StepRecord, TranscriptMessage } from "./episode.js";
import type { TokenUsage } from "./usage.js";

export interface EpisodeRecord {
  name: string;
  index: number;
  taskType: string;
  /** Provenance key of the episode (what no-self-retrieval compares). */
  source: string;
  task: string;
  success: boolean;
  reward: number;
  steps: StepRecord[];
  messages: TranscriptMessage[];
  usage: TokenUsage;
  /** Dollars, from the price table; null for a model the table does not know. */
  cost: number | null;
  latencyMs: number;
  /** Ids of the memory entries shown to the episode, best first. */
  retrieved: string[];
  /** Online runs: the batch the episode belonged to. */
  batch?: number;
  /** The model endpoint failed for good: not a failure of the agent, and rerun on resume. */
  error?: string;
  facts?: Record<string, string>;
  details?: Record<string, unknown>;
  finishedAt: string;
}

const UsageSchema = z.object({ input: z.number(), output: z.number(), calls: z.number() });

export const EpisodeRecordSchema = z
  .object({
    name: z.string(),
    index: z.number().int(),
    taskType: z.string(),
    source: z.string(),
    task: z.string(),
    success: z.boolean(),
    reward: z.number(),
    steps: z.array(z.object({ thought: z.string().optional(), action: z.string(), observation: z.string(), usage: UsageSchema, latencyMs: z.number() })),
    messages: z.array(z.object({ role: z.enum(["system", "user", "assistant", "tool"]), content: z.string() }).passthrough()),
    usage: UsageSchema,
    cost: z.number().nullable(),
    latencyMs: z.number(),
    retrieved: z.array(z.string()),
    batch: z.number().int().optional(),
    error: z.string().optional(),
    facts: z.record(z.string(), z.string()).optional(),
    details: z.record(z.string(), z.unknown()).optional(),
    finishedAt: z.string(),
  })
  .passthrough();

/** The memory's view of a finished episode: what an online update builds from. */
export function recordTrajectory(record: EpisodeRecord, env: string): Trajectory {
  return {
    task: record.task,
    env,
    game: record.source,
    success: record.success,
    reward: record.reward,
    ...(record.facts ? { facts: record.facts } : {}),
    steps: record.steps.map(({ thought, action, observation }) => (thought === undefined ? { action, observation } : { thought, action, observation })),
  };
}

/** File name of an episode: its name with path separators made safe. */
export function episodeFileName(name: string): string {
  return `${name.replace(/[\\/]/g, "__").replace(/[^\w.@+-]/g, "_")}.json`;
}
