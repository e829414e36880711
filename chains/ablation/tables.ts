/**
 * The paper-shaped tables: Table 1 (model x build policy), Table 2 (model x retrieve policy), the
 * online update policies, k scaling, strong-to-weak transfer, and every cell. Columns are per
 * split; each figure of a run links to its folder; the paper's figures sit beside ours where the
 * model is one the paper ran.
 */
import { paperBuildRow, paperModel, paperRetrievalCS } from "./paper.js";
import { expName, hasRole, type AblationSettings, type Cell } from "./grid.js";
import type { CellResult } from "./run.js";
import { blank, col, countValue, label, linkTo, numberValue, paperValue, rateValue, type AblationTable, type Column, type Value } from "./table-format.js";

export interface TableContext {
  settings: AblationSettings;
  results: readonly CellResult[];
  /** Links are relative to this folder (where ablation.md is). */
  outDir: string;
}

interface RowSpec {
  model: string;
  label: string;
  match: (cell: Cell) => boolean;
}

const tp = (ctx: TableContext) => ctx.settings.env === "travelplanner";

export function resultFor(ctx: TableContext, model: string, split: string, match: (cell: Cell) => boolean): CellResult | undefined {
  return ctx.results.find((r) => r.cell.model === model && r.cell.split === split && match(r.cell));
}

/** TravelPlanner's official metrics as the report reads them: #CS = commonsense micro, #HC = hard micro. */
export function metric(result: CellResult | undefined, key: "commonsense_micro" | "hard_micro"): number | null {
  const value = result?.summary?.metrics?.[key];
  return typeof value === "number" ? value : null;
}

/** The headline figure of a run: ALFWorld success, TravelPlanner #CS (its success, the final pass rate, is near zero for every model). */
export function headline(ctx: TableContext, result: CellResult | undefined): number | null {
  if (!result?.summary) return null;
  return tp(ctx) ? metric(result, "commonsense_micro") : result.summary.success.rate;
}

function splitColumns(ctx: TableContext): Column[] {
  return ctx.settings.splits.flatMap((s) => [
    ...(tp(ctx) ? [col(`${s} #CS %`, `${s}_cs`), col(`${s} #HC %`, `${s}_hc`)] : [col(`${s} success %`, `${s}_success`)]),
    col(`${s} steps`, `${s}_steps`),
    col(`${s} run`, `${s}_run`, "left", false),
  ]);
}

/** A run with no figures says why in the table; the CSV keeps its numeric column empty (cells.csv has the status). */
const statusValue = (r: CellResult): Value => ({ text: r.status, raw: null });

function splitValues(ctx: TableContext, r: CellResult | undefined): Value[] {
  const width = tp(ctx) ? 4 : 3;
  if (!r) return Array.from({ length: width }, () => blank);
  // A run with no finished episode has no rates: a 0% there would read as an agent that failed every task.
  if (!r.summary || r.summary.finished === 0) return [statusValue(r), ...Array.from({ length: width - 1 }, () => blank)];
  const href = linkTo(ctx.outDir, r.runDir);
  const s = r.summary;
  const first = tp(ctx) ? [rateValue(metric(r, "commonsense_micro"), href), rateValue(metric(r, "hard_micro"))] : [rateValue(s.success.rate, href)];
  return [...first, numberValue(s.meanSteps), { text: "", raw: href }];
}

/** Tokens per episode over the row's runs (every split), as the runner counts them: errors included. */
function tokenValues(rs: ReadonlyArray<CellResult | undefined>): Value[] {
  const summaries = rs.flatMap((r) => (r?.summary ? [r.summary] : []));
  const episodes = summaries.reduce((n, s) => n + s.finished + s.errors, 0);
  if (episodes === 0) return [blank, blank];
  return [countValue(summaries.reduce((n, s) => n + s.tokens.input, 0) / episodes), countValue(summaries.reduce((n, s) => n + s.tokens.output, 0) / episodes)];
}

const TOKEN_COLUMNS = [col("tok/ep in", "tokens_per_episode_in"), col("tok/ep out", "tokens_per_episode_out")];

function policyTable(ctx: TableContext, name: string, title: string, rowHeader: string, rows: RowSpec[], paper?: { columns: Column[]; values: (row: RowSpec) => Value[] }): AblationTable {
  const showPaper = paper !== undefined && rows.some((r) => paper.values(r).some((v) => v.raw !== null));
  return {
    name,
    title,
    columns: [col("model", "model", "left"), col(rowHeader, rowHeader, "left"), ...splitColumns(ctx), ...TOKEN_COLUMNS, ...(showPaper ? paper.columns : [])],
    rows: rows.map((row) => {
      const rs = ctx.settings.splits.map((s) => resultFor(ctx, row.model, s, row.match));
      return [label(row.model), label(row.label), ...rs.flatMap((r) => splitValues(ctx, r)), ...tokenValues(rs), ...(showPaper ? paper.values(row) : [])];
    }),
  };
}

export function buildTable(ctx: TableContext): AblationTable {
  const rows = ctx.settings.models.flatMap((model) => ctx.settings.build.map((b): RowSpec => ({ model, label: b, match: (c) => hasRole(c, "build", b) })));
  const paper = tp(ctx)
    ? { columns: [col("paper #CS %", "paper_cs"), col("paper #HC %", "paper_hc"), col("paper steps", "paper_steps")], values: (r: RowSpec) => { const p = paperBuildRow(r.model, r.label); return [paperValue(p?.tpCS), paperValue(p?.tpHC), paperValue(p?.tpSteps)]; } }
    : { columns: [col("paper dev %", "paper_dev"), col("paper test %", "paper_test"), col("paper steps", "paper_steps")], values: (r: RowSpec) => { const p = paperBuildRow(r.model, r.label); return [paperValue(p?.alfDev), paperValue(p?.alfTest), paperValue(p?.alfSteps)]; } };
  return policyTable(ctx, "table1-build", "Table 1: build policies", "build", rows, paper);
}

export function retrieveTable(ctx: TableContext): AblationTable {
  const rows = ctx.settings.models.flatMap((model) => ctx.settings.retrieve.map((p): RowSpec => ({ model, label: p, match: (c) => hasRole(c, "retrieve", p) })));
  const paper = tp(ctx) ? { columns: [col("paper #CS %", "paper_cs")], values: (r: RowSpec) => [paperValue(paperRetrievalCS(r.model, r.label))] } : undefined;
  return policyTable(ctx, "table2-retrieve", `Table 2: retrieve policies (${ctx.settings.memory} memory, k ${ctx.settings.topK})`, "retrieve", rows, paper);
}

export function kTable(ctx: TableContext): AblationTable {
  const rows = ctx.settings.models.flatMap((model) => ctx.settings.k.map((k): RowSpec => ({ model, label: String(k), match: (c) => hasRole(c, "k", String(k)) })));
  return policyTable(ctx, "k-scaling", `Retrieved entries per task (${ctx.settings.memory} memory, query retrieval)`, "k", rows);
}

export function transferTable(ctx: TableContext): AblationTable {
  const { settings } = ctx;
  const from = settings.models[0]!;
  const own = expName({ mode: "offline", useMemory: true, build: settings.memory, retrieve: "query", topK: settings.topK });
  const rows = settings.models.slice(1).flatMap((model): RowSpec[] => [
    { model, label: "no memory", match: (c) => hasRole(c, "build", "none") },
    { model, label: `own ${settings.memory} memory`, match: (c) => c.exp === own },
    { model, label: `${settings.memory} memory built by ${from}`, match: (c) => hasRole(c, "transfer") },
  ]);
  return policyTable(ctx, "transfer", `Strong to weak transfer: the memory ${from} built, used by ${settings.models.slice(1).join(", ")}`, "memory", rows);
}

/** Online runs: overall figures per split, the last batch's success and the memory's size after it. */
export function updateTable(ctx: TableContext): AblationTable {
  const columns: Column[] = [
    col("model", "model", "left"),
    col("update", "update", "left"),
    ...ctx.settings.splits.flatMap((s) => [col(`${s} success %`, `${s}_success`), col(`${s} steps`, `${s}_steps`), col(`${s} last batch %`, `${s}_last_batch_success`), col(`${s} entries`, `${s}_memory_entries`), col(`${s} run`, `${s}_run`, "left", false)]),
    ...TOKEN_COLUMNS,
  ];
  const rows = ctx.settings.models.flatMap((model) =>
    ctx.settings.update.map((u) => {
      const rs = ctx.settings.splits.map((s) => resultFor(ctx, model, s, (c) => hasRole(c, "update", u)));
      const perSplit = rs.flatMap((r): Value[] => {
        if (!r?.summary || r.summary.finished === 0) return [r ? statusValue(r) : blank, blank, blank, blank, blank];
        const href = linkTo(ctx.outDir, r.runDir);
        const last = r.summary.batches?.at(-1);
        return [rateValue(r.summary.success.rate, href), numberValue(r.summary.meanSteps), rateValue(last?.successRate), countValue(last?.memoryEntries), { text: "", raw: href }];
      });
      return [label(model), label(u), ...perSplit, ...tokenValues(rs)];
    }),
  );
  return { name: "update", title: "Update policies (online, from an empty memory)", columns, rows };
}

export function cellsTable(ctx: TableContext): AblationTable {
  const columns = [
    col("model", "model", "left"),
    col("split", "split", "left"),
    col("cell", "cell", "left"),
    col("tables", "tables", "left"),
    col("status", "status", "left"),
    col("episodes", "episodes"),
    col(tp(ctx) ? "#CS %" : "success %", tp(ctx) ? "cs" : "success"),
    col("steps", "steps"),
    col("tok/ep", "tokens_per_episode"),
    col("cost $", "cost"),
    col("run", "run", "left", false),
    col("note", "note", "left"),
  ];
  const rows = ctx.results.map((r): Value[] => {
    const s = r.summary;
    const href = s ? linkTo(ctx.outDir, r.runDir) : undefined;
    return [
      label(r.cell.model),
      label(r.cell.split),
      { text: r.cell.exp, raw: r.cell.exp, ...(href ? { href } : {}) },
      label(r.cell.roles.map((x) => `${x.group} ${x.key}`).join("; ")),
      label(r.status),
      s ? { text: `${s.finished}/${s.episodes}`, raw: s.finished } : blank,
      rateValue(headline(ctx, r)),
      numberValue(s?.meanSteps),
      s ? countValue(s.finished + s.errors === 0 ? null : (s.tokens.input + s.tokens.output) / (s.finished + s.errors)) : blank,
      s?.cost ? numberValue(s.cost.total, 4) : blank,
      { text: "", raw: href ?? null },
      label(r.note ?? ""),
    ];
  });
  return { name: "cells", title: "Cells", columns, rows };
}

/** Whether any model of the grid is one the paper ran (the paper columns then appear). */
export function hasPaperModel(settings: AblationSettings): boolean {
  return settings.models.some((m) => paperModel(m) !== undefined);
}
