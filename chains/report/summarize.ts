/**
 * Recomputes a run's summary from its episode files, for runs whose summary.json is missing
 * (still running, or killed). The figures are the runner's own (`summarize` in chains/summary.ts),
 * so a recomputed summary reads exactly as the one the runner would have written; only the
 * online batches are rebuilt here, without the memory bookkeeping that only the runner knows.
 */
import type { EpisodeRecord } from "../record.js";
import { figures, summarize } from "../summary.js";
import { summaryFileSchema, type BatchSummary, type RunSummary } from "./schema.js";

function batchesOf(records: readonly EpisodeRecord[]): BatchSummary[] | undefined {
  const batches = [...new Set(records.flatMap((r) => (r.batch === undefined ? [] : [r.batch])))].sort((a, b) => a - b);
  if (batches.length === 0) return undefined;
  return batches.map((batch) => {
    const inBatch = records.filter((r) => r.batch === batch);
    const judged = inBatch.filter((r) => r.error === undefined);
    // Tokens count every episode, errors included, as the runner's summary does: they were paid for.
    const tokens = (key: "input" | "output") => inBatch.reduce((n, r) => n + r.usage[key], 0) / inBatch.length;
    return {
      ...figures(judged),
      batch,
      tokensPerEpisode: { input: tokens("input"), output: tokens("output") },
      memoryEntries: null,
      added: null,
      retired: null,
      adjusted: null,
    };
  });
}

/**
 * The summary of `records`; `planned` is the number of episodes the run meant to play when known
 * (the number of records otherwise). TravelPlanner's official metrics need the evaluator's
 * denominators for the whole split, so they are not recomputed.
 */
export function summarizeEpisodes(records: readonly EpisodeRecord[], planned: number | null): RunSummary {
  const batches = batchesOf(records);
  const summary = { ...summarize(planned ?? records.length, records), ...(batches ? { batches } : {}) };
  // Through the same schema as a summary.json, so both sources give the report one type.
  return summaryFileSchema.parse(summary);
}
