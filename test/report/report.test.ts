import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { reportCharts } from "../../chains/report/charts.js";
import { compileSpec } from "../../chains/report/render.js";
import { findRunDirs, loadRun, loadRuns } from "../../chains/report/results.js";
import { runViews } from "../../chains/report/view.js";
import { registerReportCommand } from "../../src/cli/report.js";
import { episodeJson, writeRun, type RunSpec } from "./builder.js";
import { runInProcess } from "../helpers/in-process-cli.js";

const report = (args: string[]) => runInProcess(registerReportCommand, ["report", ...args]);

/** A markdown table under `## heading` (or the first table after it), as rows of cells. */
function markdownTable(md: string, heading: string): string[][] {
  const section = md.slice(md.indexOf(heading));
  const lines = section.split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split("|").map((c) => c.trim()));
  }
  return rows.filter((_, i) => i !== 1); // the alignment rule
}

function byHeader(rows: string[][]): Array<Record<string, string>> {
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

const tmp = mkdtempSync(join(tmpdir(), "memp-report-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Hand-computed figures (100 input / 10 output tokens per step); the recompute test checks the
// code against these, not against itself.
const noMemory: RunSpec = {
  exp: "base",
  memory: null,
  episodes: [
    { taskType: "put", success: true, steps: 10 },
    { taskType: "put", success: false, steps: 30 },
    { taskType: "clean", success: true, steps: 14 },
    { taskType: "heat", success: false, steps: 30 },
  ],
  summary: {
    episodes: 4, finished: 4, errors: 0,
    success: { count: 2, rate: 0.5 },
    meanSteps: 21,
    tokens: { input: 8400, output: 840, perEpisode: { input: 2100, output: 210 } },
    cost: null,
    byType: { clean: { episodes: 1, successRate: 1, meanSteps: 14 }, heat: { episodes: 1, successRate: 0, meanSteps: 30 }, put: { episodes: 2, successRate: 0.5, meanSteps: 20 } },
  },
};

const withMemory: RunSpec = {
  exp: "mem",
  memory: { build: "proceduralization", retrieve: "query", k: 5 },
  episodes: [
    { taskType: "put", success: true, steps: 8, cost: 0.01 },
    { taskType: "put", success: true, steps: 12, cost: 0.01 },
    { taskType: "clean", success: true, steps: 10, cost: 0.01 },
    { taskType: "heat", success: false, steps: 30, cost: 0.01 },
    // The endpoint failed for good: counted as an error, not as an agent failure.
    // Its tokens were paid for, so they count; it is rerun on resume, so it is not finished.
    { taskType: "heat", success: false, steps: 2, cost: 0.002, error: "model endpoint failed after 5 retries" },
  ],
  summary: {
    episodes: 5, finished: 4, errors: 1,
    success: { count: 3, rate: 0.75 },
    meanSteps: 15,
    tokens: { input: 6200, output: 620, perEpisode: { input: 1240, output: 124 } },
    cost: { total: 0.042, perEpisode: 0.0084 },
    byType: { clean: { episodes: 1, successRate: 1, meanSteps: 10 }, heat: { episodes: 1, successRate: 0, meanSteps: 30 }, put: { episodes: 2, successRate: 1, meanSteps: 10 } },
  },
};

const online: RunSpec = {
  mode: "online",
  exp: "online",
  memory: { build: "trajectory", retrieve: "query", k: 3 },
  episodes: [
    { taskType: "put", success: false, steps: 30, batch: 1 },
    { taskType: "clean", success: true, steps: 20, batch: 1 },
    { taskType: "put", success: true, steps: 16, batch: 2 },
    { taskType: "clean", success: false, steps: 30, batch: 2 },
    { taskType: "put", success: true, steps: 10, batch: 3 },
    { taskType: "clean", success: true, steps: 12, batch: 3 },
  ],
  summary: {
    episodes: 8, finished: 6, errors: 0, // still running: 6 of 8
    success: { count: 4, rate: 4 / 6 },
    meanSteps: 118 / 6,
    tokens: { input: 11800, output: 1180, perEpisode: { input: 11800 / 6, output: 1180 / 6 } },
    cost: null,
    byType: { clean: { episodes: 3, successRate: 2 / 3, meanSteps: 62 / 3 }, put: { episodes: 3, successRate: 2 / 3, meanSteps: 56 / 3 } },
    batches: [
      { batch: 1, episodes: 2, successRate: 0.5, meanSteps: 25, tokensPerEpisode: { input: 2500, output: 250 }, memoryEntries: 1, added: 1, retired: 0, adjusted: 0 },
      { batch: 2, episodes: 2, successRate: 0.5, meanSteps: 23, tokensPerEpisode: { input: 2300, output: 230 }, memoryEntries: 2, added: 1, retired: 0, adjusted: 1 },
      { batch: 3, episodes: 2, successRate: 1, meanSteps: 11, tokensPerEpisode: { input: 1100, output: 110 }, memoryEntries: 4, added: 2, retired: 0, adjusted: 0 },
    ],
  },
};

const travelPlanner: RunSpec = {
  env: "travelplanner",
  split: "validation",
  exp: "base",
  agent: "tools",
  memory: null,
  episodes: [
    { taskType: "easy", success: true, steps: 12 },
    { taskType: "medium", success: false, steps: 15 },
    { taskType: "hard", success: false, steps: 18 },
  ],
  summary: {
    episodes: 3, finished: 3, errors: 0,
    success: { count: 1, rate: 1 / 3 },
    meanSteps: 15,
    tokens: { input: 4500, output: 450, perEpisode: { input: 1500, output: 150 } },
    cost: null,
    byType: { easy: { episodes: 1, successRate: 1, meanSteps: 12 }, hard: { episodes: 1, successRate: 0, meanSteps: 18 }, medium: { episodes: 1, successRate: 0, meanSteps: 15 } },
    metrics: { delivery_rate: 1, commonsense_micro: 0.875, commonsense_macro: 1 / 3, hard_micro: 0.25, hard_macro: 1 / 3, final_pass_rate: 1 / 3 },
  },
};

describe("memp report", () => {
  const results = join(tmp, "results");
  const dirs = [noMemory, withMemory, online, travelPlanner].map((spec) => writeRun(results, spec));
  const out = join(tmp, "out");

  it("finds every run under an ancestor folder, once", () => {
    expect(findRunDirs([results, dirs[0]!]).sort()).toEqual([...dirs].sort());
  });

  it("prints the comparison tables and writes the same tables to report.md", async () => {
    const r = await report([...dirs, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const md = readFileSync(join(out, "report.md"), "utf8");
    const runs = byHeader(markdownTable(md, "## Runs"));
    expect(runs.map((x) => [x["#"], x.env, x.split, x.exp, x.mode, x.memory, x.agent, x.episodes, x.errors, x["success %"], x["mean steps"], x["tok/ep in"], x["tok/ep out"], x.cost, x["cost/ep"], x["#CS %"], x["#HC %"]])).toEqual([
      ["#1", "alfworld", "dev", "base", "offline", "none", "react", "4/4", "0", "50.0", "21.00", "2100", "210", "—", "—", "—", "—"],
      ["#2", "alfworld", "dev", "mem", "offline", "proceduralization/query/k5", "react", "4/5 (1 to rerun)", "1", "75.0", "15.00", "1240", "124", "$0.0420", "$0.0084", "—", "—"],
      ["#3", "alfworld", "dev", "online", "online", "trajectory/query/k3", "react", "6/8 (in progress)", "0", "66.7", "19.67", "1967", "197", "—", "—", "—", "—"],
      ["#4", "travelplanner", "validation", "base", "offline", "none", "tools", "3/3", "0", "33.3", "15.00", "1500", "150", "—", "—", "87.50", "25.00"],
    ]);
    const types = byHeader(markdownTable(md, "## Success by task type"));
    expect(types.map((t) => [t.env, t["task type"], t["#1"], t["#2"], t["#3"], t["#4"]])).toEqual([
      ["alfworld", "clean", "100.0", "100.0", "66.7", "—"],
      ["alfworld", "heat", "0.0", "0.0", "—", "—"],
      ["alfworld", "put", "50.0", "100.0", "66.7", "—"],
      ["travelplanner", "easy", "—", "—", "—", "100.0"],
      ["travelplanner", "hard", "—", "—", "—", "0.0"],
      ["travelplanner", "medium", "—", "—", "—", "0.0"],
    ]);
    const batches = byHeader(markdownTable(md, "## Online learning"));
    expect(batches.map((b) => [b.run, b.batch, b["success %"], b["mean steps"], b["tok/ep in"], b["tok/ep out"], b["memory entries"], b.added, b.adjusted])).toEqual([
      ["#3", "1", "50.0", "25.00", "2500", "250", "1", "1", "0"],
      ["#3", "2", "50.0", "23.00", "2300", "230", "2", "1", "1"],
      ["#3", "3", "100.0", "11.00", "1100", "110", "4", "2", "0"],
    ]);
    expect(md).toMatch(/#3.*in progress: 6\/8 episodes finished/);
    expect(md).toContain("#CS is the official commonsense-constraint micro pass rate");

    // The terminal holds the same rows, aligned.
    const lines = r.stdout.split("\n");
    const row = (id: string) => lines.find((l) => l.startsWith(id))!.split(/\s{2,}/);
    expect(row("#2")).toEqual(["#2", "alfworld", "gpt-4o", "dev", "mem", "offline", "yes", "proceduralization/query/k5", "react", "4/5 (1 to rerun)", "1", "75.0", "15.00", "1240", "124", "$0.0420", "$0.0084", "—", "—"]);
    expect(row("#3")).toContain("6/8 (in progress)");
    expect(lines.find((l) => l.startsWith("travelplanner") && l.includes("easy"))!.trim().split(/\s+/)).toEqual(["travelplanner", "easy", "—", "—", "—", "100.0"]);
    expect(r.stdout).toMatch(/wrote .*report\.md and 5 charts/);
  });

  it("embeds charts that exist: SVG with the axis titles, PNG that decodes", () => {
    const md = readFileSync(join(out, "report.md"), "utf8");
    const links = [...md.matchAll(/\]\(([^)]+\.(svg|png))\)/g)].map((m) => m[1]!);
    const names = ["success-by-run", "success-by-type", "online-success", "online-steps", "tokens-by-run"];
    expect(links.sort()).toEqual(names.flatMap((n) => [`${n}.png`, `${n}.svg`]).sort());
    for (const link of links) expect(existsSync(join(out, link))).toBe(true);
    expect(md).toContain("![Success by run](success-by-run.svg)");

    const axisTitles: Record<string, string[]> = {
      "success-by-run": ["Success (%)"],
      "success-by-type": ["Task type", "Success (%)"],
      "online-success": ["Batch", "Success (%)"],
      "online-steps": ["Batch", "Mean steps"],
      "tokens-by-run": ["Tokens per episode"],
    };
    for (const [name, titles] of Object.entries(axisTitles)) {
      const svg = readFileSync(join(out, `${name}.svg`), "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      for (const title of titles) expect(svg).toContain(`>${title}</text>`);
    }
    expect(readFileSync(join(out, "online-success.svg"), "utf8")).toContain("(partial 6/8)");

    for (const name of names) {
      const png = readFileSync(join(out, `${name}.png`));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const width = png.readUInt32BE(16), height = png.readUInt32BE(20); // IHDR
      expect(width).toBeGreaterThan(100);
      expect(height).toBeGreaterThan(100);
    }
  });

  it("every chart spec compiles without a vega-lite warning", async () => {
    const charts = reportCharts(runViews(loadRuns([results])));
    expect(charts.map((c) => c.name)).toEqual(["success-by-run", "success-by-type", "online-success", "online-steps", "tokens-by-run"]);
    for (const c of charts) {
      const warnings: string[] = [];
      await compileSpec(c.spec, (w) => warnings.push(w));
      expect({ chart: c.name, warnings }).toEqual({ chart: c.name, warnings: [] });
    }
  });

  it("recomputes a missing summary.json from the episode files", () => {
    const copy = join(tmp, "recomputed", "with-memory");
    cpSync(dirs[1]!, copy, { recursive: true });
    rmSync(join(copy, "summary.json"));
    const loaded = loadRun(copy);
    expect(loaded.summarySource).toBe("recomputed");
    const { episodes: _planned, cost, ...expected } = withMemory.summary as { episodes: number; cost: { total: number; perEpisode: number } };
    expect(loaded.summary).toMatchObject(expected);
    expect(loaded.summary.cost!.total).toBeCloseTo(cost.total, 10);
    expect(loaded.summary.cost!.perEpisode).toBeCloseTo(cost.perEpisode, 10);
    // Without a summary and without a plan in run.json the run cannot be known to be complete.
    expect(loaded.partial).toBe(true);
    expect(loaded.planned).toBeNull();
  });

  it("recomputes online batches and knows the plan when run.json records it", async () => {
    const dir = writeRun(join(tmp, "recomputed-online"), { ...online, summary: undefined, plannedInRunJson: 8 });
    const loaded = loadRun(dir);
    expect(loaded.planned).toBe(8);
    expect(loaded.partial).toBe(true);
    const { episodes: _p, batches, ...expected } = online.summary as { episodes: number; batches: Array<Record<string, unknown>> };
    expect(loaded.summary).toMatchObject(expected);
    expect(loaded.summary.batches).toEqual(batches.map((b) => ({ ...b, memoryEntries: null, added: null, retired: null, adjusted: null })));

    const r = await report([dir, "--out", join(tmp, "out-recomputed")]);
    expect(r.code).toBe(0);
    const md = readFileSync(join(tmp, "out-recomputed", "report.md"), "utf8");
    const [row] = byHeader(markdownTable(md, "## Runs"));
    expect([row!.episodes, row!["success %"], row!["mean steps"]]).toEqual(["6/8 (in progress)", "66.7", "19.67"]);
    expect(md).toContain("no summary.json yet: figures recomputed from the episode files");
  });

  it("a malformed run.json is one line naming the file and the field", async () => {
    const dir = writeRun(join(tmp, "bad-run"), noMemory);
    const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"));
    writeFileSync(join(dir, "run.json"), JSON.stringify({ ...run, env: "webshop" }));
    const r = await report([join(tmp, "bad-run"), "--out", join(tmp, "out-bad")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${join(dir, "run.json")} field "env": Invalid enum value`);
    expect(existsSync(join(tmp, "out-bad", "report.md"))).toBe(false);

    writeFileSync(join(dir, "run.json"), '{"format": "memp-run/1", "env": ');
    const truncated = await report([dir]);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(new RegExp(`^memp: ${join(dir, "run.json").replace(/[/\\.]/g, "\\$&")}: invalid JSON: .*\\n$`));
  });

  it("a malformed summary.json or episode file names the file and the field", async () => {
    const dir = writeRun(join(tmp, "bad-summary"), { ...noMemory, summary: { ...(noMemory.summary as object), success: { count: 2, rate: 50 } } });
    const r = await report([dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/summary\.json field "success\.rate": Number must be less than or equal to 1\n$/);

    const noSummary = writeRun(join(tmp, "bad-episode"), { ...noMemory, summary: undefined });
    writeFileSync(join(noSummary, "episodes", "0001.json"), JSON.stringify({ ...episodeJson(noMemory.episodes[1]!, 1), success: "yes" }));
    const e = await report([noSummary]);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain(`${join(noSummary, "episodes", "0001.json")} field "success": Expected boolean, received string`);
  });

  it("a path with no run below it is an input error", async () => {
    const r = await report([join(tmp, "out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no run.json in this folder or below it");
    expect((await report([join(tmp, "missing")])).stderr).toContain("no such file or directory");
  });
});
