/**
 * Recomputes a run's summary from its episode files, for runs whose summary.json is missing
 * (still running, or killed). Episodes that ended in an endpoint error are counted as finished
 * and as errors, but every rate and mean is taken over the others: an endpoint that failed for
 * good says nothing about the agent.
 */
import type { BatchSummary, EpisodeFile, RunSummary } from "./schema.js";

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

function meanOf(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function successRate(episodes: EpisodeFile[]): number | null {
  return ratio(episodes.filter((e) => e.success).length, episodes.length);
}

function meanSteps(episodes: EpisodeFile[]): number | null {
  return meanOf(episodes.map((e) => e.steps.length));
}

function groupBy<K>(episodes: EpisodeFile[], key: (e: EpisodeFile) => K): Map<K, EpisodeFile[]> {
  const groups = new Map<K, EpisodeFile[]>();
  for (const e of episodes) {
    const k = key(e);
    const group = groups.get(k);
    if (group) group.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}

function batchesOf(judged: EpisodeFile[]): BatchSummary[] | undefined {
  const inBatches = judged.filter((e) => e.batch !== undefined);
  if (inBatches.length === 0) return undefined;
  return [...groupBy(inBatches, (e) => e.batch!).entries()]
    .sort(([a], [b]) => a - b)
    .map(([batch, eps]) => ({
      batch,
      episodes: eps.length,
      successRate: successRate(eps),
      meanSteps: meanSteps(eps),
      tokensPerEpisode: meanOf(eps.map((e) => e.usage.input + e.usage.output)),
      memoryEntries: null,
      added: null,
      retired: null,
      adjusted: null,
    }));
}

/**
 * The summary of `episodes`; `planned` is the number the run meant to play when known (the
 * finished count otherwise). TravelPlanner's official metrics need the evaluator's denominators
 * for the whole split, so they are not recomputed here.
 */
export function summarizeEpisodes(episodes: EpisodeFile[], planned: number | null): RunSummary {
  const judged = episodes.filter((e) => e.error === undefined);
  const successes = judged.filter((e) => e.success).length;
  const input = judged.reduce((a, e) => a + e.usage.input, 0);
  const output = judged.reduce((a, e) => a + e.usage.output, 0);
  const costs = judged.map((e) => e.cost).filter((c): c is number => typeof c === "number");
  const totalCost = costs.reduce((a, b) => a + b, 0);
  const byType: RunSummary["byType"] = {};
  for (const [type, eps] of [...groupBy(judged, (e) => e.taskType).entries()].sort(([a], [b]) => a.localeCompare(b))) {
    byType[type] = { episodes: eps.length, successRate: successRate(eps), meanSteps: meanSteps(eps) };
  }
  const batches = batchesOf(judged);
  return {
    episodes: planned ?? episodes.length,
    finished: episodes.length,
    errors: episodes.length - judged.length,
    success: { count: successes, rate: ratio(successes, judged.length) },
    meanSteps: meanSteps(judged),
    tokens: { input, output, perEpisode: { input: ratio(input, judged.length), output: ratio(output, judged.length) } },
    // Episodes of a model without a known price record null; null for the run says "no price", not "free".
    cost: costs.length === 0 ? null : { total: totalCost, perEpisode: ratio(totalCost, costs.length) },
    byType,
    ...(batches ? { batches } : {}),
  };
}
