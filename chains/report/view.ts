/**
 * The figures of one run as the tables and charts show them, so both read the same numbers and
 * label a run the same way.
 */
import { isAbsolute, relative } from "node:path";
import type { LoadedRun } from "./results.js";
import type { BatchSummary } from "./schema.js";

export interface TypeFigures {
  episodes: number;
  successRate: number | null;
  meanSteps: number | null;
}

export interface RunView {
  /** 1-based position in the report; tables and charts call the run `#id`. */
  id: number;
  /** `#1 alfworld gpt-4o dev_base, memory trajectory/query/k5`, with `(partial 3/10)` when partial. */
  label: string;
  /** The run folder, relative to the directory the report was made from. */
  path: string;
  env: string;
  model: string;
  split: string;
  exp: string;
  mode: "offline" | "online";
  fewShot: boolean;
  /** `build/retrieve/kN`, or `none`. */
  memory: string;
  agent: string;
  /** Episodes with a verdict; those lost to endpoint errors are in `errors`. */
  finished: number;
  planned: number | null;
  partial: boolean;
  recomputed: boolean;
  errors: number;
  successRate: number | null;
  meanSteps: number | null;
  tokensIn: number | null;
  tokensOut: number | null;
  costTotal: number | null;
  costPerEpisode: number | null;
  /**
   * MemP's TravelPlanner "#CS" and "#HC". The paper's #CS (56-80% for every model) is only
   * reachable as the commonsense *micro* pass rate (TravelPlanner's own commonsense macro rates are
   * single digits), so #CS = commonsense_micro, and #HC is read at the same level: hard_micro.
   */
  cs: number | null;
  hc: number | null;
  byType: Record<string, TypeFigures>;
  batches: BatchSummary[];
}

export function memoryText(run: LoadedRun["run"]): string {
  if (!run.useMemory) return "none";
  if (!run.memory) return "unrecorded";
  return `${run.memory.build}/${run.memory.retrieve}/k${run.memory.k}`;
}

/** Relative to `cwd` when the run is below it; a climb of `../..` reads worse than the absolute path. */
export function displayPath(dir: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, dir);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
}

export function progressText(view: Pick<RunView, "finished" | "planned">): string {
  return `${view.finished}/${view.planned ?? "?"}`;
}

export function runView(loaded: LoadedRun, id: number, cwd: string = process.cwd()): RunView {
  const { run, summary } = loaded;
  const memory = memoryText(run);
  const base = {
    id,
    path: displayPath(loaded.dir, cwd),
    env: run.env,
    model: run.model,
    split: run.split,
    exp: run.exp,
    mode: run.mode,
    fewShot: run.fewShot,
    memory,
    agent: run.agent,
    finished: summary.finished,
    planned: loaded.planned,
    partial: loaded.partial,
    recomputed: loaded.summarySource === "recomputed",
    errors: summary.errors,
    successRate: summary.success.rate,
    meanSteps: summary.meanSteps,
    tokensIn: summary.tokens.perEpisode.input,
    tokensOut: summary.tokens.perEpisode.output,
    costTotal: summary.cost?.total ?? null,
    costPerEpisode: summary.cost?.perEpisode ?? null,
    cs: summary.metrics?.commonsense_micro ?? null,
    hc: summary.metrics?.hard_micro ?? null,
    byType: summary.byType,
    batches: [...(summary.batches ?? [])].sort((a, b) => a.batch - b.batch),
  };
  const partial = loaded.partial ? ` (partial ${progressText(base)})` : "";
  const label = `#${id} ${run.env} ${run.model} ${run.split}_${run.exp}, ${memory === "none" ? "no memory" : `memory ${memory}`}${partial}`;
  return { ...base, label };
}

export function runViews(runs: LoadedRun[], cwd?: string): RunView[] {
  return runs.map((r, i) => runView(r, i + 1, cwd));
}
