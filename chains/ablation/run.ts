/**
 * Plays the grid: one `runExperiment` per cell, one cell at a time (each cell already runs its
 * episodes `batchSize` at a time, and cells that share a memory must find it built). The runner
 * resumes, so a finished cell costs nothing and a stopped one continues where it stopped.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { IdentifiedEmbeddings } from "../../memory/embeddings/identified.js";
import { MempError } from "../../core/errors.js";
import { runExperiment, type ExperimentOutcome } from "../experiment.js";
import type { PriceTable } from "../prices.js";
import type { RunProgress } from "../progress.js";
import type { ExperimentSuite } from "../suite.js";
import type { RunSummary } from "../summary.js";
import { memoryIsEmpty, offlineMemoryDir, type CellBudget } from "./budget.js";
import { runDirOfCell, type AblationSettings, type Cell } from "./grid.js";

export type CellStatus = "ran" | "reused" | "skipped" | "failed" | "interrupted" | "not run";

export interface CellResult {
  cell: Cell;
  status: CellStatus;
  runDir: string;
  summary?: RunSummary;
  played: number;
  note?: string;
}

export interface AblationDeps {
  suite: ExperimentSuite;
  /** The chat model of each model name (undefined: the replay agent plays without one). */
  models: ReadonlyMap<string, BaseChatModel | undefined>;
  embeddings: IdentifiedEmbeddings;
  prices: PriceTable;
  signal?: AbortSignal;
  /** Status lines (stderr in the CLI). */
  log: (line: string) => void;
  onProgress?: (progress: RunProgress) => void;
  progress?: boolean;
  versions?: Record<string, unknown>;
}

export function runCell(cell: Cell, deps: AblationDeps, limit?: number): Promise<ExperimentOutcome> {
  return runExperiment(limit === undefined ? cell.config : { ...cell.config, limit }, {
    suite: deps.suite,
    model: deps.models.get(cell.model),
    embeddings: deps.embeddings,
    prices: deps.prices,
    // A signal of the cell's own: model calls leave abort listeners on the signal they are given,
    // and on one signal shared by a whole grid they would pile up (Node warns past ten).
    signal: deps.signal && AbortSignal.any([deps.signal]),
    log: (line) => deps.log(`  ${line}`),
    onProgress: deps.onProgress,
    progress: deps.progress,
    versions: deps.versions,
  });
}

function resultLine(s: RunSummary): string {
  const cost = s.cost ? `, $${s.cost.total.toFixed(4)}` : "";
  return `${s.finished}/${s.episodes} episodes, success ${(100 * s.success.rate).toFixed(1)}%, ${s.meanSteps.toFixed(1)} steps${s.errors ? `, ${s.errors} model errors` : ""}${cost}`;
}

export async function runCells(budget: readonly CellBudget[], settings: AblationSettings, deps: AblationDeps): Promise<{ results: CellResult[]; interrupted: boolean }> {
  const results: CellResult[] = [];
  let interrupted = false;
  for (const [i, b] of budget.entries()) {
    const { cell } = b;
    const runDir = runDirOfCell(cell);
    const tag = `[${i + 1}/${budget.length}] ${cell.model} ${cell.split} ${cell.exp}`;
    if (interrupted || deps.signal?.aborted) {
      results.push({ cell, status: "not run", runDir, played: 0 });
      continue;
    }
    // The memory a transfer cell reads may still be missing when the cell that was to build it failed.
    const memory = offlineMemoryDir(cell, settings);
    const skip = cell.skip ?? (cell.memoryFrom && memory && memoryIsEmpty(memory) ? `the ${cell.config.build} memory of ${cell.memoryFrom} was not built` : undefined);
    if (skip) {
      deps.log(`${tag}: skipped (${skip})`);
      results.push({ cell, status: "skipped", runDir, played: 0, note: skip });
      continue;
    }
    deps.log(`${tag}: ${b.toPlay === 0 ? `reused (${b.done}/${b.planned} episodes finished)` : `running ${b.toPlay} episode(s)${b.done > 0 ? ` (${b.done} finished earlier)` : ""}`}`);
    try {
      const outcome = await runCell(cell, deps);
      if (outcome.interrupted) {
        interrupted = true;
        results.push({ cell, status: "interrupted", runDir, summary: outcome.summary, played: outcome.played });
        continue;
      }
      const status: CellStatus = outcome.played === 0 ? "reused" : "ran";
      const note = outcome.summary.finished === 0 ? `no episode finished (first error: ${outcome.firstError ?? "unknown"})` : outcome.summary.errors > 0 ? `${outcome.summary.errors} episode(s) ended in model errors; a rerun retries them` : undefined;
      if (status === "ran") deps.log(`${tag}: done: ${resultLine(outcome.summary)}`);
      if (note) deps.log(`${tag}: ${note}`);
      results.push({ cell, status: outcome.summary.finished === 0 ? "failed" : status, runDir, summary: outcome.summary, played: outcome.played, ...(note ? { note } : {}) });
    } catch (err) {
      if (deps.signal?.aborted) {
        interrupted = true;
        results.push({ cell, status: "interrupted", runDir, played: 0 });
        continue;
      }
      // A cell the runner refuses (other settings in its folder, a memory it cannot build) is
      // reported and the grid goes on: the other cells do not depend on it.
      if (!MempError.isInstance(err)) throw err;
      deps.log(`${tag}: failed: ${err.message}`);
      results.push({ cell, status: "failed", runDir, played: 0, note: err.message });
    }
  }
  return { results, interrupted: interrupted || deps.signal?.aborted === true };
}
