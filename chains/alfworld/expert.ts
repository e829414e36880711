/**
 * The engine's expert as an episode agent, and the runs built from it: expert trajectories (the
 * offline memory's demonstrations) and one-shot demonstrations per task type (`--few_shot`).
 */
import { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { AlfworldExpert, type ExpertTask } from "../../environments/alfworld/expert.js";
import type { GrammarVersion } from "../../environments/alfworld/game.js";
import type { GameEntry, TaskName } from "../../environments/alfworld/splits.js";
import type { Trajectory } from "../../core/trajectory.js";
import { runEpisode, type EpisodeAgent, type EpisodeContext } from "../episode.js";

/** Plays the expert's decisions; it reads only the observations and the admissible commands. */
export class ExpertAgent implements EpisodeAgent<AlfworldEnvironment> {
  constructor(private readonly options: { seed?: number; task?: ExpertTask } = {}) {}

  async play(ctx: EpisodeContext<AlfworldEnvironment>): Promise<void> {
    const expert = new AlfworldExpert({ seed: this.options.seed });
    expert.reset(ctx.observation, this.options.task);
    let observation = ctx.observation;
    while (!ctx.done) {
      const decision = expert.act(observation, ctx.env.admissibleCommands);
      observation = (await ctx.step(decision.action, { thought: decision.thought })).observation;
    }
  }
}

export interface ExpertRun {
  readonly won: boolean;
  readonly steps: number;
  /** The reset text (banner, room, task). */
  readonly intro: string;
  readonly trajectory: Trajectory;
}

/** Plays one episode with the expert (reset included), up to the environment's own step limit. */
export async function runExpert(env: AlfworldEnvironment, options: { seed?: number; task?: ExpertTask; game?: string } = {}): Promise<ExpertRun> {
  const result = await runEpisode(env, new ExpertAgent(options), { maxSteps: env.engine.maxSteps, name: options.game });
  return { won: result.won, steps: result.steps.length, intro: result.start.observation, trajectory: result.trajectory };
}

export interface GenerateOptions {
  seed?: number;
  maxSteps?: number;
  grammarVersion?: GrammarVersion;
  onGame?: (entry: GameEntry, run: ExpertRun) => void;
}

/** Expert trajectories for a list of games, in order. Seeds differ per game (`seed + index`). */
export async function expertTrajectories(entries: readonly GameEntry[], options: GenerateOptions = {}): Promise<ExpertRun[]> {
  const runs: ExpertRun[] = [];
  for (const [i, entry] of entries.entries()) {
    const env = AlfworldEnvironment.fromFile(entry.gamefile, { grammarVersion: options.grammarVersion, maxSteps: options.maxSteps });
    const run = await runExpert(env, { seed: (options.seed ?? 0) + i, game: entry.name });
    options.onGame?.(entry, run);
    runs.push(run);
  }
  return runs;
}

/** A one-shot demonstration: a solved game, its intro and its steps. */
export interface Demonstration {
  readonly taskName: TaskName;
  readonly game: string;
  /** The game's first observation, unchanged. */
  readonly intro: string;
  /** The whole run in MemP's chat wording (Thought/Action/Observation), for text prompts. */
  readonly text: string;
  readonly trajectory: Trajectory;
}

/**
 * One demonstration per task type from the given (train) games: for each type, the shortest
 * successful expert run (first in game order on ties).
 */
export async function oneShotDemos(entries: readonly GameEntry[], options: GenerateOptions = {}): Promise<Partial<Record<TaskName, Demonstration>>> {
  const best: Partial<Record<TaskName, { run: ExpertRun; entry: GameEntry }>> = {};
  await expertTrajectories(entries, {
    ...options,
    onGame: (entry, run) => {
      options.onGame?.(entry, run);
      const current = best[entry.taskName];
      if (run.won && (!current || run.steps < current.run.steps)) best[entry.taskName] = { run, entry };
    },
  });
  const out: Partial<Record<TaskName, Demonstration>> = {};
  for (const [name, found] of Object.entries(best) as [TaskName, { run: ExpertRun; entry: GameEntry }][]) {
    out[name] = { taskName: name, game: found.entry.name, intro: found.run.intro, text: renderDemo(found.run), trajectory: found.run.trajectory };
  }
  return out;
}

/** The intro without the banner, then `Thought:`/`Action:` and `Observation:` turns. */
export function renderDemo(run: Pick<ExpertRun, "intro" | "trajectory">): string {
  const lines = [run.intro.split("\n\n").slice(1).join("\n")];
  for (const step of run.trajectory.steps) {
    lines.push(step.thought === undefined ? `Action: ${step.action}` : `Thought: ${step.thought}\nAction: ${step.action}`);
    lines.push(`Observation: ${step.observation}`);
  }
  return lines.join("\n");
}
