/**
 * `memp ablation` with a model, through the real CLI against the scripted OpenAI-compatible
 * server (it replays the expert on known dev games and answers memory-build prompts with a
 * procedure): the budget before anything runs, the refusal without --yes off a terminal, the
 * pilot the full run reuses, the paper's columns for a model the paper ran, and transfer.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listGames } from "../../environments/alfworld/splits.js";
import { contentText, startScriptedServer, type ScriptedServer } from "../../testing/openai-server.js";
import { alfworldReplay } from "../../testing/alfworld-replay.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";
import { tempDir } from "../memory/helpers.js";
import { csvRows, lineOf, markdownTable } from "./helpers.js";

const data = dataDir("ALFWORLD_DATA");

describe.skipIf(!data)("memp ablation with a model (scripted server)", () => {
  let server: ScriptedServer;
  let work: string;
  let env: Record<string, string>;
  const buildRequests = () => server.chatRequests.filter((r) => r.messages.some((m) => contentText(m.content).includes('"procedure"'))).length;

  beforeAll(async () => {
    const script = await alfworldReplay(listGames("dev", data!).slice(0, 4));
    server = await startScriptedServer({
      chat: (request, meta) =>
        request.messages.some((m) => contentText(m.content).includes('"procedure"'))
          ? JSON.stringify({ procedure: ["go to where the object is", "take it", "go to the target and put it there"], pitfalls: ["looking in the same place twice"] })
          : script.handler(request, meta),
    });
    work = tempDir("memp-ablation-model-");
    env = { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", MEMP_CACHE_DIR: join(work, "cache"), ALFWORLD_DATA: data! };
    writeFileSync(join(work, "grid.json"), JSON.stringify({ build: ["none", "proceduralization"], retrieve: [], update: [], k: [], memorySize: 4 }));
  });
  afterAll(() => server?.close());

  const args = (...extra: string[]) => ["ablation", "--env", "alfworld", "--splits", "dev", "--grid", join(work, "grid.json"), "--results-dir", join(work, "results"), "--out", join(work, "out"), "--batch_size", "2", ...extra];

  it("with no earlier run and no terminal, prints the budget and refuses without --yes (exit 2), running nothing", async () => {
    const r = await runCli(args("--model", "gpt-4o", "--limit", "3"), env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^budget/m);
    expect(r.stderr).toMatch(/gpt-4o\s+dev\s+abl-none\s+run\s+3\s+0\/3/);
    expect(r.stderr).toMatch(/memory build \(proceduralization, by gpt-4o\) in .*memory_proceduralization: ~4 demonstrations, ~4 model calls/);
    expect(r.stderr).toMatch(/cost unknown: no earlier run of gpt-4o to estimate from/);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^memp: no earlier run of gpt-4o to estimate the cost from: rerun with --yes to play a 2-episode pilot \(gpt-4o dev abl-none\)/);
    expect(server.chatRequests).toHaveLength(0);
    expect(existsSync(join(work, "results"))).toBe(false);
  });

  it("with --yes: a pilot, then the budget in dollars, then the grid, which reuses the pilot; paper columns for gpt-4o", async () => {
    const r = await runCli(args("--model", "gpt-4o", "--limit", "3", "--yes"), env);
    expect(r.code, r.stderr).toBe(0);
    const pilot = lineOf(r.stderr, /^pilot: 2 episodes of gpt-4o dev abl-none/);
    const budget = lineOf(r.stderr, /^budget/);
    expect(pilot).toBeLessThan(budget);
    expect(budget).toBeLessThan(lineOf(r.stderr, /^\[1\/2\]/));
    expect(r.stderr).toMatch(/total: 4 episodes to play in 2 cells \(0 reused, 0 skipped\), ~\d+ model calls, .* ~\$0\.\d{4}$/m);
    expect(r.stderr).toMatch(/abl-none\s+resume\s+1\s+2\/3 .* this run \(2 ep\)/);
    expect(r.stderr).toMatch(/^\[1\/2\] gpt-4o dev abl-none: running 1 episode\(s\) \(2 finished earlier\)$/m);
    // About one call per demonstration, as the budget said: duplicate tasks are skipped before any call.
    const built = buildRequests();
    expect(built).toBeGreaterThan(0);
    expect(built).toBeLessThanOrEqual(4);

    const md = join(work, "out", "ablation.md");
    const table1 = markdownTable(md, "Table 1");
    expect(table1.map((row) => [row.build, row["dev success %"], row["paper dev %"], row["paper test %"], row["paper steps"]])).toEqual([
      ["none", expect.stringMatching(/^\[100\.0\]\(\.\.\/results\/alfworld\/gpt-4o\/dev_abl-none_few_shot_False_memory_False\)$/), "39.28", "42.14", "23.76"],
      ["proceduralization", expect.stringMatching(/^\[100\.0\]\(/), "87.14", "77.86", "15.01"],
    ]);
    expect(readFileSync(md, "utf8")).toContain("arXiv 2508.06433");
    const csv = csvRows(join(work, "out", "table1-build.csv"));
    expect(csv[1]).toMatchObject({ model: "gpt-4o", build: "proceduralization", dev_success: "100", paper_dev: "87.14" });
    expect(Number(csv[1]!.tokens_per_episode_in)).toBeGreaterThan(0);
    const run = JSON.parse(readFileSync(join(work, "results", "alfworld", "gpt-4o", "dev_abl-proceduralization-query-k3_few_shot_False_memory_True", "run.json"), "utf8"));
    expect(run.memory).toMatchObject({ build: "proceduralization", builtBy: "gpt-4o", entries: built });
  });

  it("with finished runs to estimate from, refuses without --yes with the dollar figure (exit 2)", async () => {
    const before = server.chatRequests.length;
    const r = await runCli(args("--model", "gpt-4o", "--limit", "4"), env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/abl-none\s+resume\s+1\s+3\/4 .* this run \(3 ep\)/);
    expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^memp: not confirmed: run 2 episodes, ~\$0\.\d{4}; rerun with --yes/);
    expect(server.chatRequests.length).toBe(before);
  });

  it("--models A,B: B is given the memory A built (strong to weak transfer)", async () => {
    const r = await runCli(args("--models", "gpt-4o,qwen2.5-14b", "--limit", "2", "--yes"), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\[1\/5\] gpt-4o dev abl-none: reused/m);
    expect(r.stderr).toMatch(/cost unknown: no price for qwen2\.5-14b/);
    const transferDir = join(work, "results", "alfworld", "qwen2.5-14b", "dev_abl-proceduralization-query-k3-from-gpt-4o_few_shot_False_memory_True");
    const run = JSON.parse(readFileSync(join(transferDir, "run.json"), "utf8"));
    expect(run.memory).toMatchObject({ location: join(work, "results", "alfworld", "gpt-4o", "memory_proceduralization"), builtBy: "gpt-4o" });
    const rows = markdownTable(join(work, "out", "ablation.md"), "Strong to weak transfer");
    expect(rows.map((row) => [row.model, row.memory])).toEqual([
      ["qwen2.5-14b", "no memory"],
      ["qwen2.5-14b", "own proceduralization memory"],
      ["qwen2.5-14b", "proceduralization memory built by gpt-4o"],
    ]);
    expect(rows[2]!["dev success %"]).toMatch(/^\[100\.0\]\(\.\.\/results\/alfworld\/qwen2\.5-14b\/dev_abl-proceduralization-query-k3-from-gpt-4o/);
  });
});
