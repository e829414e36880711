/**
 * Vega-Lite specs of the report's charts. Each function takes plain data points and returns a
 * spec, so a notebook can chart its own selection of runs with the same look; `reportCharts`
 * picks the charts a set of runs calls for. Rates are plotted as percentages (0-100) to read the
 * same as the tables.
 */
import type { TopLevelSpec } from "vega-lite";
import type { RunView } from "./view.js";

type ConcatPanel = Extract<TopLevelSpec, { hconcat: unknown }>["hconcat"][number];

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const WIDTH = 520;
/** Run labels are long; the legend gets one column and no truncation so they stay readable. */
const RUN_LEGEND = { orient: "bottom", columns: 1, labelLimit: 0, title: "run" } as const;
/**
 * Named sans fonts before the generic one: resvg maps "sans-serif" to Arial and, where Arial is
 * missing (most Linux machines), falls back to a serif face; DejaVu Sans is on nearly every Linux.
 * Names are unquoted because resvg skips a quoted name that follows a comma and a space.
 */
const FONT = "Helvetica, Arial, DejaVu Sans, Liberation Sans, sans-serif";
const CONFIG = { font: FONT, axis: { labelLimit: 0, labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14 } } as const;

export interface RunSuccessPoint {
  run: string;
  /** Percent, 0-100. */
  success: number;
}

export interface TypeSuccessPoint {
  run: string;
  env: string;
  taskType: string;
  success: number;
}

export interface BatchPoint {
  run: string;
  batch: number;
  /** Percent, 0-100. */
  success: number | null;
  meanSteps: number | null;
}

export interface TokenPoint {
  run: string;
  kind: "input" | "output";
  tokens: number;
}

/** Horizontal bars: run labels read left to right however long they are. */
export function successByRunSpec(points: RunSuccessPoint[], title = "Success by run"): TopLevelSpec {
  const y = { field: "run", type: "nominal", title: null, sort: points.map((p) => p.run) } as const;
  return {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    data: { values: points },
    encoding: { y },
    layer: [
      { mark: { type: "bar", color: "#4c78a8" }, encoding: { x: { field: "success", type: "quantitative", title: "Success (%)", scale: { domain: [0, 100] } } } },
      {
        mark: { type: "text", align: "left", dx: 4 },
        encoding: { x: { field: "success", type: "quantitative" }, text: { field: "success", type: "quantitative", format: ".1f" } },
      },
    ],
    config: CONFIG,
  };
}

/** Grouped bars: one group per task type, one bar per run; one panel per environment. */
export function successByTypeSpec(points: TypeSuccessPoint[], title = "Success by task type"): TopLevelSpec {
  const runs = [...new Set(points.map((p) => p.run))];
  const envs = [...new Set(points.map((p) => p.env))];
  // One panel per environment rather than a facet: each has its own task types, and a facet
  // with independent x scales over a layered chart is something vega-lite only guesses at.
  const panel = (env: string): ConcatPanel => ({
      title: envs.length > 1 ? env : undefined,
      transform: [{ filter: { field: "env", equal: env } }],
      // With an offset channel the step is one bar's width, not one group's.
      width: { step: 20 },
      encoding: {
        x: { field: "taskType", type: "nominal", title: "Task type", axis: { labelAngle: 0 } },
        xOffset: { field: "run", type: "nominal", sort: runs },
        y: { field: "success", type: "quantitative", title: "Success (%)", scale: { domain: [0, 100] } },
      },
      layer: [
        {
          mark: "bar",
          encoding: {
            color: { field: "run", type: "nominal", sort: runs, scale: { domain: runs }, legend: RUN_LEGEND },
            tooltip: [{ field: "run" }, { field: "taskType" }, { field: "success", format: ".1f" }],
          },
        },
        // The value over each bar tells a 0% bar from a task type the run did not play.
        { mark: { type: "text", dy: -5, fontSize: 9 }, encoding: { text: { field: "success", type: "quantitative", format: ".0f" } } },
      ],
    });
  return {
    $schema: SCHEMA,
    title,
    data: { values: points },
    hconcat: envs.map(panel),
    config: CONFIG,
  };
}

function batchCurveSpec(points: BatchPoint[], field: "success" | "meanSteps", yTitle: string, title: string): TopLevelSpec {
  const values = points.filter((p) => p[field] !== null);
  const runs = [...new Set(values.map((p) => p.run))];
  return {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: 260,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "batch", type: "quantitative", title: "Batch", axis: { tickMinStep: 1, format: "d" } },
      y: { field, type: "quantitative", title: yTitle, scale: field === "success" ? { domain: [0, 100] } : { zero: true } },
      color: { field: "run", type: "nominal", sort: runs, legend: RUN_LEGEND },
    },
    config: CONFIG,
  };
}

/** The online learning curve: success rate after each batch of memory updates. */
export function learningCurveSpec(points: BatchPoint[], title = "Online learning: success per batch"): TopLevelSpec {
  return batchCurveSpec(points, "success", "Success (%)", title);
}

/** Mean steps per batch: a memory that helps shortens episodes even before success moves. */
export function stepsCurveSpec(points: BatchPoint[], title = "Online learning: mean steps per batch"): TopLevelSpec {
  return batchCurveSpec(points, "meanSteps", "Mean steps", title);
}

/** Stacked horizontal bars of input and output tokens per episode. */
export function tokensByRunSpec(points: TokenPoint[], title = "Tokens per episode by run"): TopLevelSpec {
  const runs = [...new Set(points.map((p) => p.run))];
  return {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    data: { values: points },
    mark: "bar",
    encoding: {
      y: { field: "run", type: "nominal", title: null, sort: runs },
      x: { field: "tokens", type: "quantitative", title: "Tokens per episode", stack: "zero" },
      color: { field: "kind", type: "nominal", title: "tokens", scale: { domain: ["input", "output"], range: ["#4c78a8", "#f58518"] } },
    },
    config: CONFIG,
  };
}

export interface KPoint {
  /** One line per series, e.g. `gpt-4o dev`. */
  series: string;
  /** Entries retrieved per task. */
  k: number;
  /** Percent, 0-100. */
  value: number;
}

/**
 * Success against the number of retrieved entries, one line per series: the paper finds more
 * entries help up to a plateau and then hurt. The x axis ticks only at the k values that ran,
 * since k between them was never measured.
 */
export function kScalingSpec(points: KPoint[], title = "Success by entries retrieved per task (k)", yTitle = "Success (%)"): TopLevelSpec {
  const series = [...new Set(points.map((p) => p.series))];
  const ks = [...new Set(points.map((p) => p.k))].sort((a, b) => a - b);
  return {
    $schema: SCHEMA,
    title,
    width: WIDTH,
    height: 260,
    data: { values: points },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "k", type: "quantitative", title: "k (entries retrieved per task)", axis: { values: ks, format: "d" } },
      y: { field: "value", type: "quantitative", title: yTitle, scale: { domain: [0, 100] } },
      color: { field: "series", type: "nominal", sort: series, legend: { ...RUN_LEGEND, title: "model / split" } },
      tooltip: [{ field: "series" }, { field: "k" }, { field: "value", format: ".1f" }],
    },
    config: CONFIG,
  };
}

const pct = (rate: number | null): number | null => (rate === null ? null : Math.round(rate * 1000) / 10);

export function runSuccessPoints(views: RunView[]): RunSuccessPoint[] {
  return views.flatMap((v) => (v.successRate === null ? [] : [{ run: v.label, success: pct(v.successRate)! }]));
}

export function typeSuccessPoints(views: RunView[]): TypeSuccessPoint[] {
  return views.flatMap((v) =>
    Object.entries(v.byType).flatMap(([taskType, t]) => (t.successRate === null ? [] : [{ run: v.label, env: v.env, taskType, success: pct(t.successRate)! }])),
  );
}

export function batchPoints(views: RunView[]): BatchPoint[] {
  return views
    .filter((v) => v.mode === "online")
    .flatMap((v) => v.batches.map((b) => ({ run: v.label, batch: b.batch, success: pct(b.successRate), meanSteps: b.meanSteps })));
}

export function tokenPoints(views: RunView[]): TokenPoint[] {
  return views.flatMap((v) =>
    v.tokensIn === null || v.tokensOut === null
      ? []
      : [
          { run: v.label, kind: "input" as const, tokens: v.tokensIn },
          { run: v.label, kind: "output" as const, tokens: v.tokensOut },
        ],
  );
}

export interface ReportChart {
  /** File stem of the rendered chart. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

/** The charts `runs` call for; a chart with nothing to plot (no online run, say) is left out. */
export function reportCharts(views: RunView[]): ReportChart[] {
  const charts: ReportChart[] = [];
  const add = (name: string, title: string, spec: (title: string) => TopLevelSpec, hasData: boolean) => {
    if (hasData) charts.push({ name, title, spec: spec(title) });
  };
  const bySuccess = runSuccessPoints(views);
  const byType = typeSuccessPoints(views);
  const batches = batchPoints(views);
  const tokens = tokenPoints(views);
  add("success-by-run", "Success by run", (t) => successByRunSpec(bySuccess, t), bySuccess.length > 0);
  add("success-by-type", "Success by task type", (t) => successByTypeSpec(byType, t), byType.length > 0);
  add("online-success", "Online learning: success per batch", (t) => learningCurveSpec(batches, t), batches.some((b) => b.success !== null));
  add("online-steps", "Online learning: mean steps per batch", (t) => stepsCurveSpec(batches, t), batches.some((b) => b.meanSteps !== null));
  add("tokens-by-run", "Tokens per episode by run", (t) => tokensByRunSpec(tokens, t), tokens.length > 0);
  return charts;
}
