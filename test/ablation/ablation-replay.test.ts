/**
 * `memp ablation --agent replay`: the whole grid with no model and no network, through the real
 * CLI. Cells that need a model are skipped with a note, every other cell is a run folder the
 * tables link to, and a rerun reuses every cell without playing an episode.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";
import { tempDir } from "../memory/helpers.js";
import { csvRows, episodeStamps, lineOf, markdownTable, resolveLink, runLinks } from "./helpers.js";

const data = dataDir("ALFWORLD_DATA");

describe.skipIf(!data)("memp ablation --agent replay (ALFWorld, no model)", () => {
  let work: string;
  let env: Record<string, string>;
  let first: CliResult;
  const grid = () => join(work, "grid.json");
  const args = () => ["ablation", "--env", "alfworld", "--agent", "replay", "--limit", "2", "--splits", "dev", "--yes", "--grid", grid(), "--results-dir", join(work, "results"), "--out", join(work, "out"), "--batch_size", "2"];

  beforeAll(async () => {
    work = tempDir("memp-ablation-replay-");
    env = { ALFWORLD_DATA: data!, MEMP_CACHE_DIR: join(work, "cache"), OPENAI_BASE_URL: "http://127.0.0.1:9/v1" };
    writeFileSync(grid(), JSON.stringify({ build: ["none", "trajectory", "script"], retrieve: ["random", "query"], update: ["validation"], k: [1, 3], memorySize: 12 }));
    first = await runCli(args(), env);
  });

  it("runs the grid, skipping what needs a model, and writes tables, CSV and charts", () => {
    expect(first.code, first.stderr).toBe(0);
    // The budget comes before the first cell.
    expect(lineOf(first.stderr, /^budget/)).toBeLessThan(lineOf(first.stderr, /^\[1\/\d+\]/));
    expect(first.stderr).toMatch(/total: 10 episodes to play in 5 cells \(0 reused, 1 skipped\)/);
    expect(first.stderr).toMatch(/abl-script-query-k3: skipped \(the script build needs a chat model/);
    const out = join(work, "out");
    for (const f of ["ablation.md", "table1-build.csv", "table2-retrieve.csv", "update.csv", "k-scaling.csv", "cells.csv", "k-scaling.svg", "k-scaling.png", "update-success.svg", "update-success.png", "update-steps.svg"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const md = join(out, "ablation.md");
    const text = readFileSync(md, "utf8");
    expect(text).toContain("![Success by entries retrieved per task (k)](k-scaling.svg)");
    expect(text).toContain("![Online update policies: success per batch](update-success.svg)");
    expect(readFileSync(join(out, "k-scaling.svg"), "utf8")).toMatch(/^<svg/);

    const table1 = markdownTable(md, "Table 1");
    expect(table1.map((r) => r.build)).toEqual(["none", "trajectory", "script"]);
    expect(table1[2]!["dev success %"]).toBe("skipped");
    // The query row of Table 2 and the k 3 point are the trajectory build's own run: one folder.
    const table2 = markdownTable(md, "Table 2");
    const k = markdownTable(md, "Retrieved entries");
    expect(table2.find((r) => r.retrieve === "query")!["dev success %"]).toBe(table1[1]!["dev success %"]);
    expect(k.find((r) => r.k === "3")!["dev success %"]).toBe(table1[1]!["dev success %"]);
    // No model: no paper columns.
    expect(Object.keys(table1[0]!)).not.toContain("paper dev %");

    const links = runLinks(md);
    expect(links.length).toBeGreaterThanOrEqual(6);
    for (const href of links) {
      const dir = resolveLink(md, href);
      expect(existsSync(join(dir, "run.json")), href).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, "run.json"), "utf8"))).toMatchObject({ agent: "replay", model: "replay", split: "dev" });
    }
    const cells = csvRows(join(out, "cells.csv"));
    expect(cells.map((c) => c.status).sort()).toEqual(["ran", "ran", "ran", "ran", "ran", "skipped"]);
    for (const c of cells.filter((x) => x.status === "ran")) {
      expect(c.episodes).toBe("2");
      expect(existsSync(resolveLink(md, c.run!))).toBe(true);
    }
    const t1 = csvRows(join(out, "table1-build.csv"));
    expect(Number(t1.find((r) => r.build === "trajectory")!.dev_success)).toBeGreaterThanOrEqual(0);
    expect(t1.find((r) => r.build === "script")!.dev_success).toBe("");
  });

  it("a rerun reuses every cell and plays no episode", async () => {
    const before = episodeStamps(join(work, "results"));
    const again = await runCli(args(), env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/total: 0 episodes to play in 0 cells \(5 reused, 1 skipped\)/);
    const statusLines = again.stderr.split("\n").filter((l) => /^\[\d+\/6\]/.test(l));
    expect(statusLines).toHaveLength(6);
    expect(statusLines.filter((l) => /: reused \(2\/2 episodes finished\)$/.test(l))).toHaveLength(5);
    expect(again.stderr).not.toMatch(/running \d+ episode/);
    expect(episodeStamps(join(work, "results"))).toEqual(before);
    expect(csvRows(join(work, "out", "cells.csv")).filter((c) => c.status === "reused")).toHaveLength(5);
  });
});
