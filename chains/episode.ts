/**
 * The one episode runner every environment and agent go through: it resets the environment,
 * asks for guidance (the memory's guidelines) once the task is known, hands the agent an
 * `EpisodeContext` whose `step()` is the only way to act, and records every step with its
 * thought, observation, token usage and latency. Step-wise agents (the text ReAct agent) and
 * whole-episode agents (a tool-calling `createAgent` whose tools call `ctx.step`) both fit.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import type { EnvironmentInfo, StepResult, TextEnvironment } from "../environments/types.js";
import type { MemoryEntry } from "../memory/types.js";
import type { Trajectory, TrajectoryStep } from "../core/trajectory.js";
import { addUsage, ZERO_USAGE, type TokenUsage } from "./usage.js";
import { ConfigError, StateError, hasKind } from "../core/errors.js";

/** One chat turn as the results files keep it. */
export interface TranscriptMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Tool calls of an assistant turn (tool-calling agents). */
  toolCalls?: Array<{ name: string; args: unknown }>;
}

export interface StepRecord extends TrajectoryStep {
  /** Tokens of the model calls that produced this step. */
  usage: TokenUsage;
  /** Wall time from the end of the previous step (or the start) to the end of this one. */
  latencyMs: number;
}

/** What a step's caller may attach besides the action. */
export interface StepExtra {
  thought?: string;
  usage?: TokenUsage;
}

/** What memory gives an episode: the rendered guidelines and the entries behind them. */
export interface Guidance {
  guidelines: string;
  entries: readonly MemoryEntry[];
}

export interface EpisodeStart {
  task: string;
  observation: string;
  info: EnvironmentInfo;
}

/** Everything an agent sees and the only way it acts. */
export interface EpisodeContext<E extends TextEnvironment = TextEnvironment> {
  readonly env: E;
  readonly task: string;
  /** The first observation (ALFWorld: the intro, unchanged). */
  readonly observation: string;
  readonly info: EnvironmentInfo;
  /** The rendered guidance for this task ("" when there is none). */
  readonly guidelines: string;
  /** The memory entries behind the guidance, best first (for agents that use them directly). */
  readonly entries: readonly MemoryEntry[];
  readonly maxSteps: number;
  /** Passed through to every model call so an episode shows up whole in a trace. */
  readonly config: RunnableConfig;
  /** True once the environment says so or the step limit is reached. */
  readonly done: boolean;
  readonly stepsTaken: number;
  /** Executes one action in the environment and records it. Throws once the episode is done. */
  step(action: string, extra?: StepExtra): Promise<StepResult>;
  /** Counts tokens of a model call that produced no step (e.g. a final answer). */
  addUsage(usage: TokenUsage): void;
  /** The conversation, kept for the results file. */
  readonly messages: TranscriptMessage[];
}

export interface EpisodeAgent<E extends TextEnvironment = TextEnvironment> {
  /** Plays until `ctx.done` or until it has nothing more to do. */
  play(ctx: EpisodeContext<E>): Promise<void>;
}

export interface RunEpisodeOptions {
  /** Step limit of the episode (default 30). */
  maxSteps?: number;
  /** Called once after reset with the task; returns the guidance shown to the agent. */
  guidance?: (start: EpisodeStart) => Promise<Guidance | string> | Guidance | string;
  config?: RunnableConfig;
  /** Written into the trajectory (`game`), e.g. an ALFWorld `task/trial` or a query id. */
  name?: string;
}

export interface EpisodeResult {
  /** The memory's trajectory format (env, game, success, reward, steps without usage). */
  trajectory: Trajectory;
  steps: StepRecord[];
  messages: TranscriptMessage[];
  won: boolean;
  reward: number;
  /** Last info the environment returned. */
  info: EnvironmentInfo;
  usage: TokenUsage;
  latencyMs: number;
  /** The task and first observation the episode started from. */
  start: EpisodeStart;
  guidelines: string;
}

/** `ctx.step` after the episode ended (the environment finished, or the step limit was reached). */
export class EpisodeOverError extends StateError {
  static override readonly kind: string = "memp.EpisodeOverError";

  static override isInstance(value: unknown): value is EpisodeOverError {
    return hasKind(value, EpisodeOverError.kind);
  }

  override readonly name = "EpisodeOverError";
}

/** Runs one episode of `env` with `agent`. */
export async function runEpisode<E extends TextEnvironment>(env: E, agent: EpisodeAgent<E>, options: RunEpisodeOptions = {}): Promise<EpisodeResult> {
  const maxSteps = options.maxSteps ?? 30;
  if (!Number.isInteger(maxSteps) || maxSteps <= 0) throw new ConfigError(`maxSteps must be a positive integer, got ${maxSteps}`);
  const started = performance.now();
  const reset = await env.reset();
  const start: EpisodeStart = { task: env.task, observation: reset.observation, info: reset.info };
  const given = options.guidance ? await options.guidance(start) : "";
  const { guidelines, entries } = typeof given === "string" ? { guidelines: given, entries: [] } : given;
  const steps: StepRecord[] = [];
  const messages: TranscriptMessage[] = [];
  let usage = ZERO_USAGE;
  let pendingUsage = ZERO_USAGE;
  let info: EnvironmentInfo = reset.info;
  let envDone = false;
  let reward = 0;
  let lastStepAt = performance.now();
  const config = options.config ?? {};

  const ctx: EpisodeContext<E> = {
    env,
    task: start.task,
    observation: start.observation,
    info: start.info,
    guidelines,
    entries,
    maxSteps,
    config,
    messages,
    get done() {
      return envDone || steps.length >= maxSteps;
    },
    get stepsTaken() {
      return steps.length;
    },
    async step(action, extra = {}) {
      if (ctx.done) throw new EpisodeOverError(`the episode is over (${envDone ? "the environment finished" : `${maxSteps} steps taken`})`);
      config.signal?.throwIfAborted();
      const result = await env.step(action, extra.thought === undefined ? undefined : { thought: extra.thought });
      const now = performance.now();
      const stepUsage = addUsage(pendingUsage, extra.usage ?? ZERO_USAGE);
      pendingUsage = ZERO_USAGE;
      usage = addUsage(usage, extra.usage ?? ZERO_USAGE);
      const record: StepRecord = { action, observation: result.observation, usage: stepUsage, latencyMs: round(now - lastStepAt) };
      if (extra.thought !== undefined && extra.thought !== "") record.thought = extra.thought;
      steps.push(record);
      lastStepAt = now;
      info = result.info;
      envDone = result.done;
      reward = result.reward;
      return result;
    },
    addUsage(u) {
      usage = addUsage(usage, u);
      pendingUsage = addUsage(pendingUsage, u);
    },
  };

  await agent.play(ctx);
  const won = info.won === true;
  const trajectory: Trajectory = {
    task: start.task,
    env: env.name,
    ...(options.name === undefined ? {} : { game: options.name }),
    success: won,
    reward,
    steps: steps.map(({ thought, action, observation }) => (thought === undefined ? { action, observation } : { thought, action, observation })),
  };
  return { trajectory, steps, messages, won, reward, info, usage, latencyMs: round(performance.now() - started), start, guidelines };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
