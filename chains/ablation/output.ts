/**
 * The ablation's output folder: ablation.md (tables with links to the runs, charts embedded as
 * SVG with a PNG beside each), one CSV per table, and the charts.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/util/atomic.js";
import { kScalingSpec, learningCurveSpec, stepsCurveSpec, type BatchPoint, type KPoint } from "../report/charts.js";
import { renderChart } from "../report/render.js";
import type { TopLevelSpec } from "vega-lite";
import { hasRole } from "./grid.js";
import { PAPER } from "./paper.js";
import { buildTable, cellsTable, hasPaperModel, headline, kTable, resultFor, retrieveTable, transferTable, updateTable, type TableContext } from "./tables.js";
import { tableCsv, tableMarkdown, type AblationTable } from "./table-format.js";

export const ABLATION_FILE = "ablation.md";

export interface AblationFiles {
  markdown: string;
  csv: string[];
  charts: Array<{ name: string; svg: string; png: string }>;
  tables: AblationTable[];
}

interface Chart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 1000) / 10);

function updatePoints(ctx: TableContext): BatchPoint[] {
  return ctx.results
    .filter((r) => r.summary?.batches && hasRole(r.cell, "update"))
    .flatMap((r) => r.summary!.batches!.map((b) => ({ run: `${r.cell.model} ${r.cell.split} ${r.cell.config.update}`, batch: b.batch, success: pct(b.successRate), meanSteps: b.meanSteps })));
}

function kPoints(ctx: TableContext): KPoint[] {
  const { settings } = ctx;
  return settings.models.flatMap((model) =>
    settings.splits.flatMap((split) =>
      settings.k.flatMap((k) => {
        const value = pct(headline(ctx, resultFor(ctx, model, split, (c) => hasRole(c, "k", String(k)))));
        return value === null ? [] : [{ series: `${model} ${split}`, k, value }];
      }),
    ),
  );
}

function charts(ctx: TableContext): { update: Chart[]; k: Chart[] } {
  const batches = updatePoints(ctx);
  const ks = kPoints(ctx);
  const update: Chart[] = [];
  if (batches.some((b) => b.success !== null)) update.push({ name: "update-success", title: "Online update policies: success per batch", spec: learningCurveSpec(batches, "Online update policies: success per batch") });
  if (batches.some((b) => b.meanSteps !== null)) update.push({ name: "update-steps", title: "Online update policies: mean steps per batch", spec: stepsCurveSpec(batches, "Online update policies: mean steps per batch") });
  const tp = ctx.settings.env === "travelplanner";
  const kTitle = tp ? "#CS by entries retrieved per task (k)" : "Success by entries retrieved per task (k)";
  const k = ks.length > 0 ? [{ name: "k-scaling", title: kTitle, spec: kScalingSpec(ks, kTitle, tp ? "#CS (%)" : "Success (%)") }] : [];
  return { update, k };
}

const chartMarkdown = (c: Chart) => `![${c.title}](${c.name}.svg)\n\n[${c.title} (PNG)](${c.name}.png)\n`;

function intro(ctx: TableContext): string[] {
  const { settings, results } = ctx;
  const counts = ["ran", "reused", "skipped", "failed", "interrupted", "not run"].flatMap((s) => {
    const n = results.filter((r) => r.status === s).length;
    return n > 0 ? [`${n} ${s}`] : [];
  });
  const lines = [
    `# MemP ablation: ${settings.env === "alfworld" ? "ALFWorld" : "TravelPlanner"}`,
    "",
    `Models: ${settings.models.join(", ")}; splits: ${settings.splits.join(", ")}; agent: ${settings.agent}; ${results.length} cells (${counts.join(", ")}). ` +
      `Each figure of a run links to its run folder (run.json, episodes/, summary.json).`,
    "",
  ];
  if (hasPaperModel(settings)) {
    lines.push(`The paper's figures (${PAPER}, Table 1 and its retrieval comparison) sit beside ours where the model is one the paper ran; they are targets for trends, not for absolute values.`);
    if (settings.env === "travelplanner") lines.push("The paper's TravelPlanner figures are on its test set (two-stage mode); ours are on the split named.");
    lines.push("");
  }
  if (settings.env === "travelplanner") lines.push("#CS is TravelPlanner's commonsense-constraint micro pass rate and #HC its hard-constraint micro pass rate, as MemP reports them.", "");
  return lines;
}

/** Writes ablation.md, the CSVs and the charts into `ctx.outDir`. */
export async function writeAblation(ctx: TableContext): Promise<AblationFiles> {
  mkdirSync(ctx.outDir, { recursive: true });
  const { settings } = ctx;
  const sections: Array<{ table: AblationTable; charts?: Chart[] }> = [];
  const chartSets = charts(ctx);
  if (settings.build.length > 0) sections.push({ table: buildTable(ctx) });
  if (settings.retrieve.length > 0) sections.push({ table: retrieveTable(ctx) });
  if (settings.update.length > 0) sections.push({ table: updateTable(ctx), charts: chartSets.update });
  if (settings.k.length > 0) sections.push({ table: kTable(ctx), charts: chartSets.k });
  if (settings.transfer && settings.models.length > 1) sections.push({ table: transferTable(ctx) });
  sections.push({ table: cellsTable(ctx) });

  const files: AblationFiles = { markdown: join(ctx.outDir, ABLATION_FILE), csv: [], charts: [], tables: sections.map((s) => s.table) };
  const md = intro(ctx);
  for (const { table, charts: cs = [] } of sections) {
    const csv = join(ctx.outDir, `${table.name}.csv`);
    writeFileAtomic(csv, tableCsv(table));
    files.csv.push(csv);
    md.push(`## ${table.title}`, "", tableMarkdown(table), `CSV: [${table.name}.csv](${table.name}.csv)`, "");
    for (const c of cs) {
      files.charts.push({ name: c.name, ...(await renderChart(c.spec, ctx.outDir, c.name)) });
      md.push(chartMarkdown(c));
    }
  }
  const notes = ctx.results.filter((r) => r.note).map((r) => `- ${r.cell.model} ${r.cell.split} \`${r.cell.exp}\` (${r.status}): ${r.note}`);
  if (notes.length > 0) md.push("## Notes", "", ...notes, "");
  writeFileAtomic(files.markdown, md.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n");
  return files;
}
