/** The grid, its settings, the budget arithmetic, the paper matcher and the k-scaling chart: no data, no network. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { estimateBudget } from "../../chains/ablation/budget.js";
import { budgetText } from "../../chains/ablation/budget-text.js";
import { memoryDirOf, planCells, runDirOfCell } from "../../chains/ablation/grid.js";
import { paperBuildRow, paperModel, paperRetrievalCS } from "../../chains/ablation/paper.js";
import { loadGrid, resolveSettings, type AblationSettings } from "../../chains/ablation/settings.js";
import { DEFAULT_PRICES } from "../../chains/prices.js";
import { episodeFileName } from "../../chains/record.js";
import { kScalingSpec } from "../../chains/report/charts.js";
import { compileSpec, specToSvg } from "../../chains/report/render.js";
import type { EpisodeItem } from "../../chains/suite.js";
import { registerAblationCommand } from "../../src/cli/ablation.js";
import { InputError } from "../../core/errors.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import { tempDir } from "../memory/helpers.js";

const base = { env: "alfworld" as const, agent: "react" as const, resultsDir: "res", embeddings: "local" };
const settingsFor = (models: string[], hasModel = true, grid = {}, flags = {}): AblationSettings => resolveSettings({ ...base, models, hasModel }, flags, grid);

describe("the grid", () => {
  it("the paper's grid: one folder per setting, shared by every table that needs it", () => {
    const cells = planCells(settingsFor(["gpt-4o"]));
    // Per split: 4 builds, 3 more retrieve policies (query is the proceduralization build), 4 more k, 3 updates.
    expect(cells).toHaveLength(28);
    const dev = cells.filter((c) => c.split === "dev").map((c) => c.exp);
    expect(dev).toEqual([
      "abl-none",
      "abl-trajectory-query-k3",
      "abl-script-query-k3",
      "abl-proceduralization-query-k3",
      "abl-proceduralization-random-k3",
      "abl-proceduralization-facts-k3",
      "abl-proceduralization-ave_fact-k3",
      "abl-proceduralization-query-k1",
      "abl-proceduralization-query-k5",
      "abl-proceduralization-query-k10",
      "abl-proceduralization-query-k20",
      "abl-online-vanilla-proceduralization-query-k3",
      "abl-online-validation-proceduralization-query-k3",
      "abl-online-adjustment-proceduralization-query-k3",
    ]);
    const shared = cells.find((c) => c.split === "dev" && c.exp === "abl-proceduralization-query-k3")!;
    expect(shared.roles).toEqual([{ group: "build", key: "proceduralization" }, { group: "retrieve", key: "query" }, { group: "k", key: "3" }]);
    expect(runDirOfCell(shared)).toBe(join("res", "alfworld", "gpt-4o", "dev_abl-proceduralization-query-k3_few_shot_False_memory_True"));
    expect(cells.find((c) => c.exp === "abl-online-adjustment-proceduralization-query-k3")!.config).toMatchObject({ mode: "online", update: "adjustment", build: "proceduralization" });
    expect(cells.every((c) => c.skip === undefined)).toBe(true);
  });

  it("without a model: trajectory memories, and the cells that need a model are skipped with the reason", () => {
    const cells = planCells(settingsFor(["replay"], false, {}, { splits: ["dev"] }));
    const skipped = Object.fromEntries(cells.filter((c) => c.skip).map((c) => [c.exp, c.skip]));
    expect(skipped).toEqual({
      "abl-script-query-k3": "the script build needs a chat model (--model NAME)",
      "abl-proceduralization-query-k3": "the proceduralization build needs a chat model (--model NAME)",
      "abl-trajectory-facts-k3": "facts retrieval (facts extraction) needs a chat model (--model NAME)",
      "abl-trajectory-ave_fact-k3": "ave_fact retrieval (facts extraction) needs a chat model (--model NAME)",
      "abl-online-adjustment-trajectory-query-k3": "the adjustment update needs a chat model (--model NAME)",
    });
    expect(cells.find((c) => c.exp === "abl-trajectory-query-k3")!.roles.map((r) => r.group)).toEqual(["build", "retrieve", "k"]);
  });

  it("--models A,B: B gets a transfer cell reading A's memory", () => {
    const settings = settingsFor(["gpt-4o", "qwen2.5-14b"], true, { build: ["none"], retrieve: [], update: [], k: [] }, { splits: ["dev"] });
    const cells = planCells(settings);
    expect(cells.map((c) => `${c.model} ${c.exp}`)).toEqual(["gpt-4o abl-none", "qwen2.5-14b abl-none", "qwen2.5-14b abl-proceduralization-query-k3-from-gpt-4o"]);
    expect(cells[2]!.config.memory).toBe(memoryDirOf(settings, "gpt-4o", "proceduralization"));
    expect(cells[2]!.memoryFrom).toBe("gpt-4o");
  });

  it("a flag beats the grid file, the grid file beats the default", () => {
    const s = settingsFor(["m"], true, { limit: 5, batchSize: 8, splits: ["test"], topK: 5, memory: "script" }, { limit: 2 });
    expect(s).toMatchObject({ limit: 2, batchSize: 8, maxSteps: 30, splits: ["test"], topK: 5, memory: "script", k: [1, 3, 5, 10, 20] });
    expect(settingsFor(["m"], true, {}, {}).splits).toEqual(["dev", "test"]);
    expect(resolveSettings({ ...base, env: "travelplanner", models: ["m"], hasModel: true }, {}, {}).splits).toEqual(["validation"]);
  });

  it("a bad grid file is an InputError naming the file and the field", () => {
    const dir = tempDir("memp-grid-");
    const write = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const wrong = write("wrong.json", JSON.stringify({ k: [1, 0] }));
    expect(() => loadGrid(wrong)).toThrow(InputError);
    expect(() => loadGrid(wrong)).toThrow(`${wrong} field "k.1": Number must be greater than 0`);
    expect(() => loadGrid(write("extra.json", JSON.stringify({ builds: ["none"] })))).toThrow(/extra\.json: Unrecognized key\(s\) in object: 'builds'/);
    expect(() => loadGrid(write("torn.json", "{"))).toThrow(/torn\.json: cannot read the grid/);
  });
});

describe("memp ablation, before anything runs", () => {
  const cli = (...args: string[]) => runInProcess(registerAblationCommand, ["ablation", ...args]);

  it("a bad grid file: one line naming the file and the field, exit 1", async () => {
    const file = join(tempDir("memp-grid-"), "grid.json");
    writeFileSync(file, JSON.stringify({ build: ["none", "scripts"] }));
    const r = await cli("--env", "alfworld", "--agent", "replay", "--grid", file);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${file} field "build.1"`);
  });

  it("usage mistakes exit 2", async () => {
    expect((await cli("--env", "alfworld")).stderr).toMatch(/--model NAME \(or --models A,B\) is required/);
    expect((await cli("--env", "alfworld", "--model", "a", "--models", "a,b")).code).toBe(2);
    expect((await cli("--env", "travelplanner", "--agent", "replay")).stderr).toMatch(/--agent replay plays ALFWorld only/);
    expect((await cli("--env", "alfworld", "--models", "a,a")).code).toBe(2);
  });
});

describe("the budget", () => {
  const items: EpisodeItem[] = ["a/1", "b/1", "c/1", "d/1"].map((name, index) => ({ name, index, taskType: "put", source: name }));
  const episode = (name: string, usage: { calls: number; input: number; output: number }, error?: string) =>
    JSON.stringify({ name, usage, ...(error ? { error } : {}) }, null, 2);

  it("per-episode calls and tokens of earlier runs, dollars from the price table, finished episodes free", () => {
    const resultsDir = tempDir("memp-budget-");
    const settings = resolveSettings({ ...base, resultsDir, models: ["gpt-4o"], hasModel: true }, { splits: ["dev"] }, { build: ["none", "script"], retrieve: [], update: [], k: [], memorySize: 10 });
    // An earlier run without memory: 10 calls, 1,000 + 100 tokens per episode (the errored one is left out).
    const earlier = join(resultsDir, "alfworld", "gpt-4o", "dev_old_few_shot_False_memory_False");
    mkdirSync(join(earlier, "episodes"), { recursive: true });
    writeFileSync(join(earlier, "run.json"), JSON.stringify({ useMemory: false }));
    writeFileSync(join(earlier, "episodes", "x.json"), episode("x", { calls: 8, input: 800, output: 80 }));
    writeFileSync(join(earlier, "episodes", "y.json"), episode("y", { calls: 12, input: 1200, output: 120 }));
    writeFileSync(join(earlier, "episodes", "z.json"), episode("z", { calls: 1, input: 99999, output: 0 }, "endpoint down"));
    const cells = planCells(settings);
    // One episode of the no-memory cell is done; an errored one is played again.
    const none = runDirOfCell(cells[0]!);
    mkdirSync(join(none, "episodes"), { recursive: true });
    writeFileSync(join(none, "run.json"), JSON.stringify({ useMemory: false }));
    writeFileSync(join(none, "episodes", episodeFileName("a/1")), episode("a/1", { calls: 10, input: 1000, output: 100 }));
    writeFileSync(join(none, "episodes", episodeFileName("b/1")), episode("b/1", { calls: 1, input: 5, output: 0 }, "429"));

    const budget = estimateBudget(cells, { settings, prices: DEFAULT_PRICES, items: new Map([["dev", items]]), trainCount: 200 });
    const [b0, b1] = budget.cells;
    expect(b0).toMatchObject({ status: "run", planned: 4, done: 1, toPlay: 3, basis: "this run (1 ep)", calls: 30, input: 3000, output: 300 });
    expect(b0!.dollars).toBeCloseTo((3000 * 2.5 + 300 * 10) / 1e6, 12);
    expect(b1).toMatchObject({ status: "run", toPlay: 4, calls: 40, input: 4000, output: 400, basis: "runs without memory (3 ep; low for a memory cell)" });
    expect(budget.builds).toEqual([expect.objectContaining({ kind: "script", model: "gpt-4o", demonstrations: 10, calls: 10, input: 15000, output: 4000 })]);
    expect(budget.total).toMatchObject({ episodes: 7, calls: 80, input: 22000, output: 4700, unknown: [] });
    expect(budget.total.dollars).toBeCloseTo((22000 * 2.5 + 4700 * 10) / 1e6, 12);
    expect(budget.needsPilot).toEqual([]);
    expect(budgetText(budget)).toMatch(/total: 7 episodes to play in 2 cells \(0 reused, 0 skipped\), ~80 model calls, ~22,000 prompt \+ 4,700 completion tokens, ~\$0\.1020/);
  });

  it("no earlier run: a pilot is needed and the cost is unknown; a model with no price gets tokens only", () => {
    const resultsDir = tempDir("memp-budget-");
    const settings = resolveSettings({ ...base, resultsDir, models: ["my-model"], hasModel: true }, { splits: ["dev"] }, { build: ["none"], retrieve: [], update: [], k: [] });
    const budget = estimateBudget(planCells(settings), { settings, prices: DEFAULT_PRICES, items: new Map([["dev", items]]), trainCount: 200 });
    expect(budget.needsPilot).toEqual(["my-model"]);
    expect(budget.total.dollars).toBeNull();
    expect(budget.total.unknown).toEqual(["no earlier run of my-model to estimate from"]);
  });
});

describe("the paper's figures", () => {
  it("match the models the paper ran, and no other", () => {
    expect(["gpt-4o", "openai/gpt-4o-2024-08-06", "GPT-4o", "gpt-4o-mini", "claude-3-5-sonnet-20241022", "Claude-3.5-Sonnet", "Qwen2.5-72B-Instruct", "qwen2.5-14b"].map(paperModel)).toEqual([
      "GPT-4o", "GPT-4o", "GPT-4o", undefined, "Claude-3.5-sonnet", "Claude-3.5-sonnet", "Qwen2.5-72B", undefined,
    ]);
    expect(paperBuildRow("gpt-4o", "proceduralization")).toEqual({ tpCS: 79.94, tpHC: 9.76, tpSteps: 14.62, alfDev: 87.14, alfTest: 77.86, alfSteps: 15.01 });
    expect(paperBuildRow("claude-3-5-sonnet", "script")).toBeUndefined();
    expect(paperRetrievalCS("gpt-4o", "ave_fact")).toBe(76.02);
    expect(paperRetrievalCS("gpt-4o", "facts")).toBeUndefined();
  });
});

describe("kScalingSpec", () => {
  it("compiles without warnings and renders", async () => {
    const spec = kScalingSpec([1, 3, 5, 10, 20].flatMap((k) => [{ series: "gpt-4o dev", k, value: 50 + k }, { series: "gpt-4o test", k, value: 40 + k }]));
    const warnings: string[] = [];
    await compileSpec(spec, (w) => warnings.push(w));
    expect(warnings).toEqual([]);
    const svg = await specToSvg(spec);
    expect(svg).toContain("gpt-4o test");
    expect(svg).toContain("k (entries retrieved per task)");
  });
});
