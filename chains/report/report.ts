/**
 * The whole report: tables for the terminal, and report.md with its charts (SVG to embed, PNG
 * beside it for tools that do not show SVG) in one output folder.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../core/util/atomic.js";
import { reportCharts } from "./charts.js";
import { renderChart, type RenderedChart } from "./render.js";
import type { LoadedRun } from "./results.js";
import { batchesTable, runsTable, toMarkdown, toTerminal, typesTable } from "./tables.js";
import { progressText, runViews, type RunView } from "./view.js";

export const REPORT_FILE = "report.md";

export interface ReportOptions {
  /** Folder for report.md and the charts (created if missing). */
  outDir: string;
  /** Run paths in the report are relative to this (default: the current directory). */
  cwd?: string;
}

export interface ReportFiles {
  markdown: string;
  charts: Array<RenderedChart & { name: string }>;
}

const METRICS_NOTE =
  "TravelPlanner: #CS is the official commonsense-constraint micro pass rate and #HC the hard-constraint micro pass rate " +
  "(TravelPlanner's evaluator), the figures MemP's paper reports under those names.";

/** The comparison tables as aligned text, the report's terminal form. */
export function terminalReport(views: RunView[]): string {
  const parts = ["Runs", toTerminal(runsTable(views)), "Success % by task type", toTerminal(typesTable(views))];
  const batches = batchesTable(views);
  if (batches.rows.length > 0) parts.push("Online runs by batch", toTerminal(batches));
  return parts.join("\n");
}

function runNotes(views: RunView[]): string[] {
  return views.map((v) => {
    const notes: string[] = [];
    if (v.partial) notes.push(`in progress: ${progressText(v)} episodes finished`);
    if (v.recomputed) notes.push("no summary.json yet: figures recomputed from the episode files");
    if (v.errors > 0) notes.push(`${v.errors} episode(s) lost to endpoint errors (rerun on resume), left out of the rates but not of the tokens`);
    return `- **#${v.id}** \`${v.path}\`${notes.length ? ` — ${notes.join("; ")}` : ""}`;
  });
}

function chartMarkdown(chart: { name: string; title: string }): string {
  return `![${chart.title}](${chart.name}.svg)\n\n[${chart.title} (PNG)](${chart.name}.png)\n`;
}

export function markdownReport(views: RunView[], charts: Array<{ name: string; title: string }>): string {
  const chart = (name: string) => {
    const c = charts.find((x) => x.name === name);
    return c ? [chartMarkdown(c)] : [];
  };
  const out: string[] = ["# Experiment report", "", `${views.length} run(s).`, "", "## Runs", "", toMarkdown(runsTable(views)), ...runNotes(views), ""];
  if (views.some((v) => v.env === "travelplanner")) out.push(METRICS_NOTE, "");
  out.push(...chart("success-by-run"));
  out.push("## Success by task type", "", "Success % per task type, one column per run.", "", toMarkdown(typesTable(views)), ...chart("success-by-type"));
  const batches = batchesTable(views);
  if (batches.rows.length > 0) {
    out.push("## Online learning", "", toMarkdown(batches), ...chart("online-success"), ...chart("online-steps"));
  }
  out.push("## Tokens", "", ...chart("tokens-by-run"));
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd() + "\n";
}

/** Writes report.md and its charts into `options.outDir`. */
export async function writeReport(runs: LoadedRun[], options: ReportOptions): Promise<ReportFiles> {
  mkdirSync(options.outDir, { recursive: true });
  const views = runViews(runs, options.cwd);
  const specs = reportCharts(views);
  const charts: ReportFiles["charts"] = [];
  for (const c of specs) charts.push({ name: c.name, ...(await renderChart(c.spec, options.outDir, c.name)) });
  const markdown = join(options.outDir, REPORT_FILE);
  writeFileAtomic(markdown, markdownReport(views, specs));
  return { markdown, charts };
}
