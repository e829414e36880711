/**
 * What the experiment loops need from an environment, one implementation per benchmark
 * (`alfworldSuite`, `travelPlannerSuite`): the episodes of a split, an environment and an agent
 * per episode, the verdict on a finished episode, the demonstrations an offline memory is built
 * from, and the benchmark's own summary figures.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ConfigError } from "../core/errors.js";
import type { AgentMiddleware } from "langchain";
import type { TextEnvironment } from "../environments/types.js";
import type { Trajectory } from "../core/trajectory.js";
import type { EpisodeAgent, EpisodeResult } from "./episode.js";

/** react: MemP's text format; tools: createAgent with tool calls; replay: the model-free case-based floor. */
export type AgentMode = "react" | "tools" | "replay";
export const AGENT_MODES: readonly AgentMode[] = ["react", "tools", "replay"];

/** One episode of a split. */
export interface EpisodeItem {
  /** Stable name: ALFWorld `<task folder>/<trial>`, TravelPlanner the query index. */
  name: string;
  /** Position in the split's order. */
  index: number;
  /** ALFWorld task type (put, clean, ...); TravelPlanner level (easy, medium, hard). */
  taskType: string;
  /**
   * The episode's source as memory provenance records it (`provenance.game`): an episode never
   * retrieves an entry built from its own source.
   */
  source: string;
}

export interface EpisodeSetup<E extends TextEnvironment = TextEnvironment> {
  env: E;
  agent: EpisodeAgent<E>;
}

export interface SetupOptions {
  /** Absent only for the model-free replay agent. */
  model?: BaseChatModel;
  /** Seed of the replay agent's exploration. */
  seed?: number;
  agent: AgentMode;
  fewShot: boolean;
  maxSteps: number;
  /** ALFWorld grammar version ("2.1.1" | "2.1.2"). */
  grammar?: string;
  /** Extra middleware for tool-calling agents (the procedural memory's). */
  middleware?: AgentMiddleware[];
}

export interface EpisodeVerdict {
  success: boolean;
  reward: number;
  /** Benchmark-specific details kept in the episode file (TravelPlanner: the evaluator's verdicts). */
  details?: Record<string, unknown>;
  /** Facts of the task (TravelPlanner's query fields), kept with the trajectory for fact retrieval. */
  facts?: Record<string, string>;
}

export interface DemonstrationOptions {
  /** At most this many demonstrations (train split order). */
  limit?: number;
  seed?: number;
  grammar?: string;
}

export interface ExperimentSuite<E extends TextEnvironment = TextEnvironment> {
  readonly env: "alfworld" | "travelplanner";
  readonly splits: readonly string[];
  /** The action forms, for memory build prompts. */
  actionVocabulary(grammar?: string): string;
  /** The episodes of a split, in order; a split that cannot be evaluated is an InputError. */
  items(split: string): Promise<EpisodeItem[]> | EpisodeItem[];
  setup(item: EpisodeItem, options: SetupOptions): Promise<EpisodeSetup<E>>;
  /** Success is always the environment's (or evaluator's) verdict, never a text match. */
  judge(item: EpisodeItem, result: EpisodeResult, env: E): Promise<EpisodeVerdict>;
  /** Train-split demonstrations that solve their task, for the offline memory. */
  demonstrations(options: DemonstrationOptions): Promise<Trajectory[]>;
  /** Benchmark-specific summary figures over finished episodes (TravelPlanner: the official metrics). */
  summarize?(split: string, episodes: Array<{ item: EpisodeItem; details?: Record<string, unknown> }>): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Data and grammar versions for `run.json`. */
  describe(options: { grammar?: string }): Record<string, unknown>;
}

/** The chat model an agent needs; only the replay agent plays without one. */
export function modelFor(setup: SetupOptions): BaseChatModel {
  if (!setup.model) throw new ConfigError(`the ${setup.agent} agent needs a chat model (--model NAME)`);
  return setup.model;
}
