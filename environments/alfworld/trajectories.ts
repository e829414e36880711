import type { Trajectory, TrajectoryStep } from "../../src/trajectory.js";
import { AlfworldEngine } from "./engine.js";
import { AlfworldExpert, type ExpertTask, taskSentence } from "./expert.js";
import { type GrammarVersion, loadGameFile } from "./game.js";
import type { GameEntry, TaskName } from "./splits.js";

export interface ExpertRun {
  readonly won: boolean;
  readonly steps: number;
  /** The reset text (banner, room, task). */
  readonly intro: string;
  readonly trajectory: Trajectory;
}

/** Plays one episode with the expert on an engine (reset included). */
export function runExpert(engine: AlfworldEngine, options: { seed?: number; task?: ExpertTask; game?: string } = {}): ExpertRun {
  const expert = new AlfworldExpert({ seed: options.seed });
  const { observation: intro, info } = engine.reset();
  expert.reset(intro, options.task);
  const steps: TrajectoryStep[] = [];
  let observation = intro;
  let admissible = info.admissibleCommands;
  let won = info.won;
  while (!engine.done) {
    const decision = expert.act(observation, admissible);
    const result = engine.step(decision.action);
    steps.push(decision.thought === undefined ? { action: decision.action, observation: result.observation } : { thought: decision.thought, action: decision.action, observation: result.observation });
    observation = result.observation;
    admissible = result.info.admissibleCommands;
    won = result.info.won;
  }
  const trajectory: Trajectory = {
    task: taskSentence(intro) ?? "",
    env: "alfworld",
    ...(options.game === undefined ? {} : { game: options.game }),
    success: won,
    reward: won ? 1 : 0,
    steps,
  };
  return { won, steps: steps.length, intro, trajectory };
}

export interface GenerateOptions {
  seed?: number;
  maxSteps?: number;
  grammarVersion?: GrammarVersion;
  onGame?: (entry: GameEntry, run: ExpertRun) => void;
}

/** Expert trajectories for a list of games, in order. Seeds differ per game (`seed + index`). */
export function expertTrajectories(entries: readonly GameEntry[], options: GenerateOptions = {}): ExpertRun[] {
  return entries.map((entry, i) => {
    const engine = new AlfworldEngine(loadGameFile(entry.gamefile, { grammarVersion: options.grammarVersion }), { maxSteps: options.maxSteps });
    const run = runExpert(engine, { seed: (options.seed ?? 0) + i, game: entry.name });
    options.onGame?.(entry, run);
    return run;
  });
}

/** A one-shot demonstration: a solved game rendered in MemP's chat wording (Thought/Action/Observation). */
export interface Demonstration {
  readonly taskName: TaskName;
  readonly game: string;
  readonly text: string;
  readonly trajectory: Trajectory;
}

/**
 * One demonstration per task type from the given (train) games: for each type, the shortest
 * successful expert run (first in game order on ties).
 */
export function oneShotDemos(entries: readonly GameEntry[], options: GenerateOptions = {}): Partial<Record<TaskName, Demonstration>> {
  const best: Partial<Record<TaskName, { run: ExpertRun; entry: GameEntry }>> = {};
  expertTrajectories(entries, {
    ...options,
    onGame: (entry, run) => {
      options.onGame?.(entry, run);
      const current = best[entry.taskName];
      if (run.won && (!current || run.steps < current.run.steps)) best[entry.taskName] = { run, entry };
    },
  });
  const out: Partial<Record<TaskName, Demonstration>> = {};
  for (const [name, found] of Object.entries(best) as [TaskName, { run: ExpertRun; entry: GameEntry }][]) {
    out[name] = { taskName: name, game: found.entry.name, text: renderDemo(found.run), trajectory: found.run.trajectory };
  }
  return out;
}

/** The intro without the banner, then `Thought:`/`Action:` and `Observation:` turns. */
export function renderDemo(run: ExpertRun): string {
  const lines = [run.intro.split("\n\n").slice(1).join("\n")];
  for (const step of run.trajectory.steps) {
    lines.push(step.thought === undefined ? `Action: ${step.action}` : `Thought: ${step.thought}\nAction: ${step.action}`);
    lines.push(`Observation: ${step.observation}`);
  }
  return lines.join("\n");
}
