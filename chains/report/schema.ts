/**
 * The shapes of `run.json` and `summary.json` as the report reads them (episode files have the
 * runner's own schema, `EpisodeRecordSchema`). Only the fields the report shows are required, and
 * unknown fields pass through, so a runner that adds a field does not break reports of older runs.
 */
import { z } from "zod";
import { AGENT_MODES, type AgentMode } from "../suite.js";

const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1);
/** A mean over zero episodes has no value; runners may write it as null. */
const mean = z.number().nonnegative().nullable();

export const RUN_FORMAT = "memp-run/1";

export const runMemorySchema = z
  .object({
    location: z.string().optional(),
    build: z.string(),
    retrieve: z.string(),
    k: count,
    generation: z.number().optional(),
    builtBy: z.string().nullable().optional(),
    entries: count.optional(),
  })
  .passthrough();

export const runFileSchema = z
  .object({
    format: z.literal(RUN_FORMAT),
    mode: z.enum(["offline", "online"]),
    env: z.enum(["alfworld", "travelplanner"]),
    model: z.string().min(1),
    split: z.string().min(1),
    exp: z.string(),
    fewShot: z.boolean(),
    useMemory: z.boolean(),
    agent: z.enum(AGENT_MODES as [AgentMode, ...AgentMode[]]),
    options: z.record(z.unknown()).optional(),
    memory: runMemorySchema.nullable().optional(),
    /** Planned episodes, if the runner records it here too (summary.json has it otherwise). */
    episodes: count.optional(),
    seed: z.number().optional(),
    startedAt: z.string().optional(),
  })
  .passthrough();

export const travelPlannerMetricsSchema = z
  .object({
    delivery_rate: rate,
    commonsense_micro: rate,
    commonsense_macro: rate,
    hard_micro: rate,
    hard_macro: rate,
    final_pass_rate: rate,
  })
  .passthrough();

/** Online bookkeeping the runner alone knows; a summary recomputed from episodes leaves it null. */
const batchCount = count.nullable().optional();

export const batchSummarySchema = z
  .object({
    batch: count,
    episodes: count,
    successRate: rate.nullable(),
    meanSteps: mean,
    tokensPerEpisode: z.object({ input: mean, output: mean }).nullable().optional(),
    memoryEntries: batchCount,
    added: batchCount,
    retired: batchCount,
    adjusted: batchCount,
  })
  .passthrough();

export const summaryFileSchema = z
  .object({
    episodes: count,
    finished: count,
    errors: count,
    success: z.object({ count, rate: rate.nullable() }),
    meanSteps: mean,
    tokens: z.object({
      input: count,
      output: count,
      perEpisode: z.object({ input: mean, output: mean }),
    }),
    cost: z.object({ total: z.number().nonnegative(), perEpisode: mean }).nullable(),
    byType: z.record(z.object({ episodes: count, successRate: rate.nullable(), meanSteps: mean }).passthrough()),
    metrics: travelPlannerMetricsSchema.optional(),
    batches: z.array(batchSummarySchema).optional(),
  })
  .passthrough();

export type RunFile = z.infer<typeof runFileSchema>;
export type RunMemory = z.infer<typeof runMemorySchema>;
export type RunSummary = z.infer<typeof summaryFileSchema>;
export type BatchSummary = z.infer<typeof batchSummarySchema>;
export type TravelPlannerMetrics = z.infer<typeof travelPlannerMetricsSchema>;
