/**
 * What the grid will cost before it runs: per cell the episodes still to play, and model calls,
 * tokens and dollars from what earlier runs of the same env and model paid per episode; plus
 * the memory builds. Every figure is an estimate, and the build figures are rough.
 */
import { dirname } from "node:path";
import { getBuildPolicy } from "../../memory/build/policies.js";
import { needsFacts } from "../../memory/retrieve/options.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import type { BuildKind } from "../../memory/types.js";
import { getUpdatePolicy } from "../../memory/update/policies.js";
import { costOf, priceOf, type PriceTable } from "../prices.js";
import { episodeFileName } from "../record.js";
import type { EpisodeItem } from "../suite.js";
import { memoryDirOf, runDirOfCell, type AblationSettings, type Cell } from "./grid.js";
import { finishedEpisodes, sampleUsage, type UsageSamples, type UsageSum } from "./usage-samples.js";

/** A memory build or online update call: the prompt holds a task, a condensed run and the action forms. Rough. */
export const BUILD_CALL = { input: 1500, output: 400 } as const;
/** A facts extraction call (facts, ave_fact retrieval): the task and the instructions. Rough. */
export const FACTS_CALL = { input: 400, output: 80 } as const;

export interface Estimate {
  calls: number;
  input: number;
  output: number;
  dollars: number | null;
}

export interface CellBudget extends Partial<Estimate> {
  cell: Cell;
  status: "reused" | "run" | "skip";
  planned: number;
  done: number;
  toPlay: number;
  /** Where the per-episode figures come from; absent when nothing is known (a pilot measures it). */
  basis?: string;
}

export interface BuildBudget extends Estimate {
  dir: string;
  model: string;
  kind: BuildKind;
  demonstrations: number;
}

export interface Budget {
  cells: CellBudget[];
  builds: BuildBudget[];
  total: { episodes: number; calls: number; input: number; output: number; dollars: number | null; unknown: string[] };
  /** Models with episodes to play and no earlier run to estimate from. */
  needsPilot: string[];
}

export interface BudgetContext {
  settings: AblationSettings;
  prices: PriceTable;
  /** The episodes of each split, in order (before --limit). */
  items: ReadonlyMap<string, readonly EpisodeItem[]>;
  /** Train demonstrations available to a memory build. */
  trainCount: number;
}

/** The episodes a cell plays, in order. */
export function cellItems(cell: Cell, items: ReadonlyMap<string, readonly EpisodeItem[]>): readonly EpisodeItem[] {
  return (items.get(cell.split) ?? []).slice(0, cell.config.limit);
}

/** The offline memory folder a cell reads (and builds when it is empty). */
export function offlineMemoryDir(cell: Cell, settings: AblationSettings): string | undefined {
  if (cell.config.mode !== "offline" || !cell.config.useMemory) return undefined;
  return cell.config.memory ?? memoryDirOf(settings, cell.model, cell.config.build);
}

export function memoryIsEmpty(dir: string): boolean {
  return (LocalMemoryStore.peek(dir)?.count ?? 0) === 0;
}

/**
 * Transfer cells read the memory another model built; when no earlier cell builds it and it is
 * not on disk, the cell is skipped rather than letting the runner build it with the wrong model.
 */
export function settleTransfers(cells: Cell[], settings: AblationSettings): void {
  const built = new Set<string>();
  for (const cell of cells) {
    if (cell.skip) continue;
    const dir = offlineMemoryDir(cell, settings);
    if (!dir) continue;
    if (cell.memoryFrom && !built.has(dir) && memoryIsEmpty(dir)) {
      cell.skip = `no ${cell.config.build} memory of ${cell.memoryFrom} to transfer (${dir} is empty and no ${cell.memoryFrom} cell of the grid builds it)`;
      continue;
    }
    built.add(dir);
  }
}

function perEpisode(cell: Cell, samples: UsageSamples): { sum: UsageSum; basis: string } | undefined {
  const own = samples.byRun.get(runDirOfCell(cell));
  if (own) return { sum: own, basis: `this run (${own.n} ep)` };
  const like = cell.config.useMemory ? samples.withMemory : samples.withoutMemory;
  if (like.n > 0) return { sum: like, basis: `runs ${cell.config.useMemory ? "with" : "without"} memory (${like.n} ep)` };
  // Guidelines are resent with every call, so a memory cell estimated from runs without one is low.
  if (samples.all.n > 0) return { sum: samples.all, basis: cell.config.useMemory ? `runs without memory (${samples.all.n} ep; low for a memory cell)` : `runs with memory (${samples.all.n} ep; high for a no-memory cell)` };
  return undefined;
}

/** Calls a cell makes per episode beyond the agent's: facts extraction, and online updates that build or rewrite entries. */
function extraCalls(cell: Cell): Array<{ input: number; output: number }> {
  const extra: Array<{ input: number; output: number }> = [];
  if (cell.config.useMemory && needsFacts(cell.config.retrieve)) extra.push(FACTS_CALL);
  // At most one call per episode: validation builds only the successes, adjustment builds those and rewrites the failures' entries.
  if (cell.config.mode === "online" && (getBuildPolicy(cell.config.build).needsModel || (cell.config.update !== undefined && getUpdatePolicy(cell.config.update).needsModel))) extra.push(BUILD_CALL);
  return extra;
}

export function estimateBudget(cells: readonly Cell[], ctx: BudgetContext): Budget {
  const { settings } = ctx;
  const samples = new Map<string, UsageSamples>();
  const samplesOf = (model: string) => {
    if (!samples.has(model)) samples.set(model, sampleUsage(dirname(memoryDirOf(settings, model, "trajectory"))));
    return samples.get(model)!;
  };
  const price = (model: string) => priceOf(ctx.prices, model);
  const dollars = (model: string, input: number, output: number) => costOf(price(model), { input, output, calls: 0 });

  const out: CellBudget[] = cells.map((cell) => {
    const items = cellItems(cell, ctx.items);
    const planned = items.length;
    const done = cell.skip ? 0 : finishedEpisodes(runDirOfCell(cell), items.map((i) => episodeFileName(i.name)));
    const toPlay = cell.skip ? 0 : planned - done;
    const base = { cell, planned, done, toPlay };
    if (cell.skip) return { ...base, status: "skip" as const };
    if (toPlay === 0) return { ...base, status: "reused" as const, calls: 0, input: 0, output: 0, dollars: 0 };
    if (!settings.hasModel) return { ...base, status: "run" as const, calls: 0, input: 0, output: 0, dollars: 0, basis: "no model" };
    const known = perEpisode(cell, samplesOf(cell.model));
    if (!known) return { ...base, status: "run" as const };
    const extra = extraCalls(cell);
    const mean = (x: number) => (x / known.sum.n) * toPlay;
    const input = mean(known.sum.input) + toPlay * extra.reduce((n, c) => n + c.input, 0);
    const output = mean(known.sum.output) + toPlay * extra.reduce((n, c) => n + c.output, 0);
    return { ...base, status: "run" as const, calls: mean(known.sum.calls) + toPlay * extra.length, input, output, dollars: dollars(cell.model, input, output), basis: known.basis };
  });

  const builds: BuildBudget[] = [];
  const seen = new Set<string>();
  for (const cell of cells) {
    const dir = cell.skip ? undefined : offlineMemoryDir(cell, settings);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    if (!getBuildPolicy(cell.config.build).needsModel || !memoryIsEmpty(dir)) continue;
    const demonstrations = Math.min(settings.memorySize, ctx.trainCount);
    // The round build asks twice per demonstration: the events, then the critical ones.
    const calls = demonstrations * (cell.config.build === "events" ? 2 : 1);
    const input = calls * BUILD_CALL.input;
    const output = calls * BUILD_CALL.output;
    builds.push({ dir, model: cell.model, kind: cell.config.build, demonstrations, calls, input, output, dollars: dollars(cell.model, input, output) });
  }

  const costed: Array<Partial<Estimate> & { model: string }> = [...out.filter((c) => c.status !== "skip").map((c) => ({ ...c, model: c.cell.model })), ...builds];
  const sum = (key: "calls" | "input" | "output") => costed.reduce((n, p) => n + (p[key] ?? 0), 0);
  const unknown = [
    ...new Set([
      ...costed.filter((p) => p.calls === undefined).map((p) => `no earlier run of ${p.model} to estimate from`),
      ...costed.filter((p) => p.dollars === null).map((p) => `no price for ${p.model} (tokens only; --prices FILE)`),
    ]),
  ];
  return {
    cells: out,
    builds,
    total: {
      episodes: out.reduce((n, c) => n + c.toPlay, 0),
      calls: sum("calls"),
      input: sum("input"),
      output: sum("output"),
      dollars: unknown.length === 0 ? costed.reduce((n, p) => n + (p.dollars ?? 0), 0) : null,
      unknown,
    },
    needsPilot: [...new Set(out.filter((c) => c.status === "run" && c.calls === undefined).map((c) => c.cell.model))],
  };
}
