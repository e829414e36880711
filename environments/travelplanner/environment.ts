/**
 * TravelPlanner behind the project's `TextEnvironment` interface: one step is one `Action[args]`
 * string run under the two-stage episode rules. The episode ends with the Planner's answer (or a
 * stop rule); an optional judge (e.g. parse + evaluate) decides whether it counts as won.
 */
import type { EnvironmentInfo, ResetResult, StepResult, TextEnvironment } from "../types.js";
import type { TravelPlannerDatabase } from "./database.js";
import { TwoStageEpisode, type EpisodeOptions } from "./episode.js";
import type { TravelPlanner } from "./planner.js";
import { ACTION_VOCABULARY } from "./prompts.js";
import type { TravelQuery } from "./queries.js";

export interface TravelPlannerInfo extends EnvironmentInfo {
  /** json_log state of the last step ("Successful", "invalidAction", a stop reason, ...). */
  state: string;
  /** The Planner's text plan once the episode has one, else "". */
  answer: string;
}

export interface TravelPlannerEnvironmentOptions extends Omit<EpisodeOptions, "db" | "planner" | "query" | "queryData"> {
  db: TravelPlannerDatabase;
  planner: TravelPlanner;
  query: TravelQuery | string;
  /** Decides success from the final answer; without one, `won` stays false. */
  judge?: (answer: string, query: TravelQuery | string) => Promise<boolean> | boolean;
}

export class TravelPlannerEnvironment implements TextEnvironment<TravelPlannerInfo> {
  readonly name = "travelplanner";
  readonly actionVocabulary = ACTION_VOCABULARY;
  private episode: TwoStageEpisode | undefined;

  constructor(private readonly options: TravelPlannerEnvironmentOptions) {}

  get task(): string {
    return typeof this.options.query === "string" ? this.options.query : this.options.query.query;
  }

  /** The running episode (scratchpad, json_log, trajectory). */
  get current(): TwoStageEpisode {
    if (!this.episode) throw new Error("call reset() first");
    return this.episode;
  }

  async reset(): Promise<ResetResult<TravelPlannerInfo>> {
    const { query, judge: _judge, ...rest } = this.options;
    this.episode = new TwoStageEpisode({ ...rest, query: this.task, ...(typeof query === "string" ? {} : { queryData: query }) });
    return { observation: this.task, info: { won: false, state: "", answer: "" } };
  }

  async step(action: string): Promise<StepResult<TravelPlannerInfo>> {
    const episode = this.current;
    const entry = await episode.step(action);
    const done = episode.done;
    const won = done && episode.answer !== "" && this.options.judge ? await this.options.judge(episode.answer, this.options.query) : false;
    return {
      observation: entry.observation,
      reward: won ? 1 : 0,
      done,
      info: { won, state: entry.state, answer: episode.answer },
    };
  }
}
