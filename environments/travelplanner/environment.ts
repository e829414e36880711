/**
 * TravelPlanner behind the project's `TextEnvironment` interface: one step is one `Action[args]`
 * string (with the thought that led to it, when there is one) run under the two-stage episode
 * rules. The environment is a state machine: it never calls the agent's model; agents ask it for
 * the prompt to complete (`thoughtPrompt`, `actionPrompt`) and act through `step`. The episode
 * ends with the Planner's answer or a stop rule. Whether the answer is a good plan is the
 * evaluator's verdict, not the environment's, so `won` stays false here (see
 * chains/travelplanner `scoreAnswer`).
 */
import type { EnvironmentInfo, ResetResult, StepContext, StepResult, TextEnvironment } from "../types.js";
import type { TravelPlannerDatabase } from "./database.js";
import { TwoStageEpisode, type EpisodeOptions } from "./episode.js";
import type { Planner } from "./planner.js";
import { ACTION_VOCABULARY } from "./prompts.js";
import type { TravelQuery } from "./queries.js";
import { StateError } from "../../core/errors.js";

export interface TravelPlannerInfo extends EnvironmentInfo {
  /** json_log state of the last step ("Successful", "invalidAction", a stop reason, ...). */
  state: string;
  /** The Planner's text plan once the episode has one, else "". */
  answer: string;
}

export interface TravelPlannerEnvironmentOptions extends Omit<EpisodeOptions, "db" | "planner" | "query" | "queryData"> {
  db: TravelPlannerDatabase;
  planner: Planner;
  query: TravelQuery | string;
}

export class TravelPlannerEnvironment implements TextEnvironment<TravelPlannerInfo> {
  readonly name = "travelplanner";
  readonly actionVocabulary = ACTION_VOCABULARY;
  private episode: TwoStageEpisode | undefined;

  constructor(private readonly options: TravelPlannerEnvironmentOptions) {}

  get task(): string {
    return typeof this.options.query === "string" ? this.options.query : this.options.query.query;
  }

  /** The structured query, when the environment was given one. */
  get query(): TravelQuery | undefined {
    return typeof this.options.query === "string" ? undefined : this.options.query;
  }

  /** The running episode (scratchpad, json_log, trajectory). */
  get current(): TwoStageEpisode {
    if (!this.episode) throw new StateError("call reset() first");
    return this.episode;
  }

  /** True once the episode has ended (Planner, a stop rule, the step limit or the prompt budget). */
  get done(): boolean {
    return this.episode?.done ?? false;
  }

  /** The guidance shown in the agent prompt of the current episode ("" when none). */
  get guidelines(): string {
    return this.episode?.guidelines ?? this.options.guidelines ?? "";
  }

  /**
   * Sets the current episode's guidance, for guidance that is known only after reset (what
   * `runEpisode` retrieves from the task). Only before the first step.
   */
  setGuidelines(text: string): void {
    this.current.setGuidelines(text);
  }

  /** The prompt to complete with this step's thought (ends in `\nThought N:`); changes nothing. */
  thoughtPrompt(): string {
    return this.current.thoughtPrompt();
  }

  /** The prompt to complete with this step's action once `thought` is known; changes nothing. */
  actionPrompt(thought: string): string {
    return this.current.actionPrompt(thought);
  }

  async reset(): Promise<ResetResult<TravelPlannerInfo>> {
    const { query, ...rest } = this.options;
    this.episode = new TwoStageEpisode({ ...rest, query: this.task, ...(typeof query === "string" ? {} : { queryData: query }) });
    return { observation: this.task, info: { won: false, state: "", answer: "" } };
  }

  /** One official step: the thought (when given) then the action, as `TwoStageEpisode.step` does. */
  async step(action: string, context?: StepContext): Promise<StepResult<TravelPlannerInfo>> {
    const episode = this.current;
    const entry = await episode.step(action, context?.thought);
    return {
      observation: entry.observation,
      reward: 0,
      done: episode.done,
      info: { won: false, state: entry.state, answer: episode.answer },
    };
  }
}
