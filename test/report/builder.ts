/** Writes experiment run folders the way the runners do, from compact episode specs. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface EpisodeSpec {
  taskType: string;
  success: boolean;
  steps: number;
  batch?: number;
  cost?: number | null;
  error?: string;
}

export interface RunSpec {
  mode?: "offline" | "online";
  env?: "alfworld" | "travelplanner";
  model?: string;
  split?: string;
  exp: string;
  fewShot?: boolean;
  memory?: { build: string; retrieve: string; k: number } | null;
  agent?: "react" | "tools";
  /** Planned episodes written into run.json (runners may or may not do this). */
  plannedInRunJson?: number;
  episodes: EpisodeSpec[];
  /** Written verbatim as summary.json; omitted when undefined. */
  summary?: unknown;
}

/** 100 input and 10 output tokens per step, so token figures follow from the steps. */
export function episodeJson(spec: EpisodeSpec, index: number) {
  const steps = Array.from({ length: spec.steps }, (_, i) => ({
    thought: `thought ${i}`,
    action: `look`,
    observation: "You see nothing special.",
    usage: { input: 100, output: 10, calls: 1 },
    latencyMs: 5,
  }));
  return {
    name: `${spec.taskType}-${index}`,
    index,
    taskType: spec.taskType,
    source: `${spec.taskType}/trial_${index}`,
    task: `a ${spec.taskType} task`,
    success: spec.success,
    reward: spec.success ? 1 : 0,
    steps,
    messages: [{ role: "user", content: "Now it's your turn." }],
    usage: { input: 100 * spec.steps, output: 10 * spec.steps, calls: spec.steps },
    cost: spec.cost ?? null,
    latencyMs: 5 * spec.steps,
    retrieved: [],
    ...(spec.batch !== undefined ? { batch: spec.batch } : {}),
    ...(spec.error !== undefined ? { error: spec.error } : {}),
    finishedAt: "2026-12-06T00:00:00.000Z",
  };
}

export function runJson(spec: RunSpec) {
  const env = spec.env ?? "alfworld";
  const memory = spec.memory ?? null;
  return {
    format: "memp-run/1",
    mode: spec.mode ?? "offline",
    env,
    model: spec.model ?? "gpt-4o",
    split: spec.split ?? "dev",
    exp: spec.exp,
    fewShot: spec.fewShot ?? true,
    useMemory: memory !== null,
    agent: spec.agent ?? "react",
    options: { batchSize: 2, maxSteps: 30 },
    memory: memory && { location: "mem", ...memory, generation: 1, builtBy: "gpt-4o", entries: 12 },
    package: { name: "memp-langchain", version: "0.1.0" },
    data: {},
    seed: 0,
    startedAt: "2026-12-06T00:00:00.000Z",
    selfRetrieval: "excluded",
    ...(spec.plannedInRunJson !== undefined ? { episodes: spec.plannedInRunJson } : {}),
  };
}

/** `<root>/<env>/<model>/<split>_<exp>_few_shot_<bool>_memory_<bool>/`; returns the folder. */
export function writeRun(root: string, spec: RunSpec): string {
  const run = runJson(spec);
  const dir = join(root, run.env, run.model, `${run.split}_${run.exp}_few_shot_${run.fewShot}_memory_${run.useMemory}`);
  mkdirSync(join(dir, "episodes"), { recursive: true });
  writeFileSync(join(dir, "run.json"), JSON.stringify(run, null, 2));
  spec.episodes.forEach((e, i) => writeFileSync(join(dir, "episodes", `${String(i).padStart(4, "0")}.json`), JSON.stringify(episodeJson(e, i))));
  if (spec.summary !== undefined) writeFileSync(join(dir, "summary.json"), JSON.stringify(spec.summary, null, 2));
  return dir;
}
