/**
 * The report's tables, built once as rows of text and rendered either as a markdown table or as
 * aligned plain text for the terminal.
 */
import { dollars, fixed, integer, MISSING, percent } from "./format.js";
import { progressText, type RunView } from "./view.js";

export interface Table {
  headers: string[];
  /** Per column: numbers read best right-aligned. */
  align: Array<"left" | "right">;
  rows: string[][];
}

/** `finished/planned`, and why a partial run is partial: still going, or errored episodes to rerun. */
function episodesCell(v: RunView): string {
  const progress = progressText(v);
  if (!v.partial) return progress;
  const rerun = v.planned !== null && v.errors > 0 && v.finished + v.errors >= v.planned;
  return `${progress} (${rerun ? `${v.errors} to rerun` : "in progress"})`;
}

/** One row per run. The TravelPlanner columns appear only when a TravelPlanner run is present. */
export function runsTable(views: RunView[]): Table {
  const tp = views.some((v) => v.env === "travelplanner");
  const headers = ["#", "env", "model", "split", "exp", "mode", "few-shot", "memory", "agent", "episodes", "errors", "success %", "mean steps", "tok/ep in", "tok/ep out", "cost", "cost/ep"];
  const align: Table["align"] = ["right", "left", "left", "left", "left", "left", "left", "left", "left", "right", "right", "right", "right", "right", "right", "right", "right"];
  if (tp) {
    headers.push("#CS %", "#HC %");
    align.push("right", "right");
  }
  const rows = views.map((v) => {
    const row = [
      `#${v.id}`,
      v.env,
      v.model,
      v.split,
      v.exp,
      v.mode,
      v.fewShot ? "yes" : "no",
      v.memory,
      v.agent,
      episodesCell(v),
      String(v.errors),
      percent(v.successRate),
      fixed(v.meanSteps, 2),
      integer(v.tokensIn),
      integer(v.tokensOut),
      dollars(v.costTotal),
      dollars(v.costPerEpisode),
    ];
    if (tp) row.push(v.env === "travelplanner" ? percent(v.cs, 2) : MISSING, v.env === "travelplanner" ? percent(v.hc, 2) : MISSING);
    return row;
  });
  return { headers, align, rows };
}

/** Task types in a stable order: by environment, then by name. */
export function taskTypes(views: RunView[]): Array<{ env: string; type: string }> {
  const seen = new Map<string, { env: string; type: string }>();
  for (const v of views) for (const type of Object.keys(v.byType)) seen.set(`${v.env}\u0000${type}`, { env: v.env, type });
  return [...seen.values()].sort((a, b) => a.env.localeCompare(b.env) || a.type.localeCompare(b.type));
}

/** Success % per task type, one column per run; a type a run did not play is a dash. */
export function typesTable(views: RunView[]): Table {
  const rows = taskTypes(views).map(({ env, type }) => [
    env,
    type,
    ...views.map((v) => (v.env === env && v.byType[type] ? percent(v.byType[type].successRate) : MISSING)),
  ]);
  return { headers: ["env", "task type", ...views.map((v) => `#${v.id}`)], align: ["left", "left", ...views.map(() => "right" as const)], rows };
}

/** One row per batch of each online run. */
export function batchesTable(views: RunView[]): Table {
  const rows = views
    .filter((v) => v.mode === "online")
    .flatMap((v) =>
      v.batches.map((b) => [
        `#${v.id}`,
        String(b.batch),
        String(b.episodes),
        percent(b.successRate),
        fixed(b.meanSteps, 2),
        integer(b.tokensPerEpisode?.input),
        integer(b.tokensPerEpisode?.output),
        integer(b.memoryEntries),
        integer(b.added),
        integer(b.retired),
        integer(b.adjusted),
      ]),
    );
  return {
    headers: ["run", "batch", "episodes", "success %", "mean steps", "tok/ep in", "tok/ep out", "memory entries", "added", "retired", "adjusted"],
    align: ["right", "right", "right", "right", "right", "right", "right", "right", "right", "right", "right"],
    rows,
  };
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function toMarkdown(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  const rule = `|${table.align.map((a) => (a === "right" ? "---:" : ":---")).join("|")}|`;
  return [line(table.headers), rule, ...table.rows.map(line)].join("\n") + "\n";
}

export function toTerminal(table: Table): string {
  const widths = table.headers.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (table.align[i] === "right" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(table.headers), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join("\n") + "\n";
}
