import type { EpisodeRecord } from "./record.js";

export interface GroupFigures {
  episodes: number;
  successRate: number;
  meanSteps: number;
}

export interface BatchFigures extends GroupFigures {
  batch: number;
  tokensPerEpisode: { input: number; output: number };
  /** Live entries after the batch's update. */
  memoryEntries: number | null;
  added: number;
  retired: number;
  adjusted: number;
}

export interface RunSummary {
  /** Episodes the run is meant to play. */
  episodes: number;
  /** Episodes with a verdict (errors excluded). */
  finished: number;
  errors: number;
  success: { count: number; rate: number };
  meanSteps: number;
  tokens: { input: number; output: number; perEpisode: { input: number; output: number } };
  cost: { total: number; perEpisode: number } | null;
  byType: Record<string, GroupFigures>;
  metrics?: Record<string, unknown>;
  batches?: BatchFigures[];
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function figures(records: readonly EpisodeRecord[]): GroupFigures {
  return {
    episodes: records.length,
    successRate: ratio(records.filter((r) => r.success).length, records.length),
    meanSteps: ratio(
      records.reduce((n, r) => n + r.steps.length, 0),
      records.length,
    ),
  };
}

/**
 * Success, steps, tokens and cost over the finished episodes. Episodes that ended in a model
 * error are counted apart: they say nothing about the agent. Tokens count every episode, errors
 * included, since they were paid for.
 */
export function summarize(planned: number, records: readonly EpisodeRecord[], extra: { metrics?: Record<string, unknown>; batches?: BatchFigures[] } = {}): RunSummary {
  const finished = records.filter((r) => r.error === undefined);
  const input = records.reduce((n, r) => n + r.usage.input, 0);
  const output = records.reduce((n, r) => n + r.usage.output, 0);
  const priced = records.every((r) => r.cost !== null);
  const total = records.reduce((n, r) => n + (r.cost ?? 0), 0);
  const types = [...new Set(finished.map((r) => r.taskType))].sort();
  const overall = figures(finished);
  return {
    episodes: planned,
    finished: finished.length,
    errors: records.length - finished.length,
    success: { count: finished.filter((r) => r.success).length, rate: overall.successRate },
    meanSteps: overall.meanSteps,
    tokens: { input, output, perEpisode: { input: ratio(input, records.length), output: ratio(output, records.length) } },
    cost: priced && records.length > 0 ? { total, perEpisode: total / records.length } : null,
    byType: Object.fromEntries(types.map((t) => [t, figures(finished.filter((r) => r.taskType === t))])),
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
    ...(extra.batches ? { batches: extra.batches } : {}),
  };
}
