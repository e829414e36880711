/**
 * What earlier runs of a model paid per episode, read from their episode files: the basis of the
 * budget. Only a sample of each run is read, since episode files carry whole transcripts and a
 * results folder of a full grid holds thousands of them; the budget is an estimate either way.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface UsageSum {
  /** Episodes sampled. */
  n: number;
  calls: number;
  input: number;
  output: number;
}

export interface UsageSamples {
  /** Per run folder. */
  byRun: Map<string, UsageSum>;
  withMemory: UsageSum;
  withoutMemory: UsageSum;
  all: UsageSum;
}

const SAMPLE_PER_RUN = 40;

const empty = (): UsageSum => ({ n: 0, calls: 0, input: 0, output: 0 });

function add(into: UsageSum, from: UsageSum): void {
  into.n += from.n;
  into.calls += from.calls;
  into.input += from.input;
  into.output += from.output;
}

function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    // A torn or foreign file says nothing about cost; the estimate goes on without it.
    return undefined;
  }
}

/** Episodes that ended in an endpoint error are left out: their usage is not an episode's. */
function sampleRun(dir: string): UsageSum {
  const sum = empty();
  const episodes = join(dir, "episodes");
  if (!existsSync(episodes)) return sum;
  const files = readdirSync(episodes).filter((f) => f.endsWith(".json")).sort().slice(0, SAMPLE_PER_RUN);
  for (const f of files) {
    const record = readJson(join(episodes, f));
    const usage = record?.usage as { calls?: unknown; input?: unknown; output?: unknown } | undefined;
    if (!record || record.error !== undefined || typeof usage?.calls !== "number" || typeof usage.input !== "number" || typeof usage.output !== "number") continue;
    add(sum, { n: 1, calls: usage.calls, input: usage.input, output: usage.output });
  }
  return sum;
}

/** Samples every run folder of a model (`RESULTS/<env>/<model>/*`). */
export function sampleUsage(modelDir: string): UsageSamples {
  const samples: UsageSamples = { byRun: new Map(), withMemory: empty(), withoutMemory: empty(), all: empty() };
  if (!existsSync(modelDir)) return samples;
  for (const entry of readdirSync(modelDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(modelDir, entry.name);
    const run = readJson(join(dir, "run.json"));
    if (!run) continue;
    const sum = sampleRun(dir);
    if (sum.n === 0) continue;
    samples.byRun.set(dir, sum);
    add(run.useMemory === true ? samples.withMemory : samples.withoutMemory, sum);
    add(samples.all, sum);
  }
  return samples;
}

/** Finished episodes of `names` in a run folder (an errored episode is played again, so it is not finished). */
export function finishedEpisodes(runDir: string, fileNames: readonly string[]): number {
  const dir = join(runDir, "episodes");
  if (!existsSync(dir)) return 0;
  const present = new Set(readdirSync(dir));
  // The runner writes records with two-space indentation: a top-level error key is exactly this.
  return fileNames.filter((f) => present.has(f) && !/\n {2}"error": /.test(readFileSync(join(dir, f), "utf8"))).length;
}
