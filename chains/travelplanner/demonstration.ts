/**
 * Scripted demonstrations played through the episode runner: the steps derived from a train
 * query's gold plan, the gold planner answering the Planner call, and a check with the official
 * evaluator that the episode's answer passes.
 */
import type { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { demonstrationSteps, GoldPlanner, type DemonstrationStep } from "../../environments/travelplanner/demonstrations.js";
import { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { queryFacts } from "../../environments/travelplanner/episode.js";
import type { TravelQuery } from "../../environments/travelplanner/queries.js";
import type { TextEnvironment } from "../../environments/types.js";
import type { Trajectory } from "../../core/trajectory.js";
import { runEpisode, type EpisodeAgent, type EpisodeContext, type EpisodeResult } from "../episode.js";
import { scoreAnswer, type AnswerScore } from "./score.js";

/** Plays a fixed list of steps (thought and action each) until the list or the episode ends. */
export class DemonstrationAgent<E extends TextEnvironment = TravelPlannerEnvironment> implements EpisodeAgent<E> {
  constructor(readonly steps: readonly DemonstrationStep[]) {}

  /** The scripted steps of a train query's gold plan. */
  static forQuery(query: TravelQuery): DemonstrationAgent<TravelPlannerEnvironment> {
    return new DemonstrationAgent(demonstrationSteps(query));
  }

  async play(ctx: EpisodeContext<E>): Promise<void> {
    for (const step of this.steps) {
      if (ctx.done) return;
      await ctx.step(step.action, { thought: step.thought });
    }
  }
}

/** The memory provenance source of a query (`travelplanner/<split>/<idx>`). */
export function querySource(split: string, query: TravelQuery): string {
  return `travelplanner/${split}/${query.idx}`;
}

export interface DemonstrationRun {
  query: TravelQuery;
  result: EpisodeResult;
  score: AnswerScore;
  /** The trajectory for the memory: game = the query's source, the query's facts, the verdict. */
  trajectory: Trajectory;
}

/** Plays one train query's demonstration with the gold planner and scores its answer. */
export async function playDemonstration(db: TravelPlannerDatabase, query: TravelQuery, split = "train"): Promise<DemonstrationRun> {
  const env = new TravelPlannerEnvironment({ db, planner: new GoldPlanner(query), query });
  const result = await runEpisode(env, DemonstrationAgent.forQuery(query), { name: querySource(split, query) });
  const score = await scoreAnswer(db, query, env.current.answer);
  const trajectory: Trajectory = { ...result.trajectory, success: score.success, reward: score.success ? 1 : 0, facts: queryFacts(query) };
  return { query, result, score, trajectory };
}

export interface DemonstrationsOptions {
  /** At most this many (successful) trajectories, in query order. */
  limit?: number;
  onEpisode?: (run: DemonstrationRun) => void;
}

/**
 * Successful demonstration trajectories of `queries` (train queries, which carry gold plans). A
 * run whose answer does not pass the evaluator is left out: it would teach a failing procedure.
 */
export async function travelPlannerDemonstrations(db: TravelPlannerDatabase, queries: readonly TravelQuery[], options: DemonstrationsOptions = {}): Promise<Trajectory[]> {
  const out: Trajectory[] = [];
  for (const query of queries) {
    if (options.limit !== undefined && out.length >= options.limit) break;
    const run = await playDemonstration(db, query);
    options.onEpisode?.(run);
    if (run.score.success) out.push(run.trajectory);
  }
  return out;
}
