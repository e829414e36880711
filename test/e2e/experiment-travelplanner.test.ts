/**
 * The real `memp offline|online` on TravelPlanner train queries against a scripted server that
 * replays the gold demonstrations: every plan is delivered and passes every check, episodes never
 * retrieve the entry built from their own query, and the online memory grows batch by batch.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadQueries } from "../../environments/travelplanner/queries.js";
import { startScriptedServer, type ScriptedServer } from "../../testing/openai-server.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";
import { travelPlannerReplay } from "../../testing/travelplanner-replay.js";
import { tempDir } from "../memory/helpers.js";

const data = dataDir("TRAVELPLANNER_DATA");

describe.skipIf(!data)("memp offline | online on TravelPlanner (scripted model)", () => {
  let server: ScriptedServer;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startScriptedServer({ chat: travelPlannerReplay(loadQueries(join(data!, "queries/train.jsonl"))) });
    work = tempDir("memp-tp-experiment-");
    env = { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", MEMP_CACHE_DIR: join(work, "cache"), TRAVELPLANNER_DATA: data! };
  });
  afterAll(() => server?.close());

  const common = () => ["--env", "travelplanner", "--model", "scripted", "--split", "train", "--results-dir", join(work, "results"), "--limit", "3", "--json"];
  const runDir = (exp: string, memory: boolean) => join(work, "results", "travelplanner", "scripted", `train_${exp}_few_shot_False_memory_${memory ? "True" : "False"}`);
  const episodes = (dir: string) => readdirSync(join(dir, "episodes")).map((f) => JSON.parse(readFileSync(join(dir, "episodes", f), "utf8")));

  it("offline with a memory of train demonstrations: 100% with the evaluator, no self-retrieval", async () => {
    const r = await runCli(["offline", ...common(), "--exp_name", "gold", "--use_memory", "--build", "trajectory", "--memory-size", "6", "--batch_size", "3"], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    expect(summary).toMatchObject({ episodes: 3, finished: 3, success: { count: 3, rate: 1 } });
    expect(summary.metrics).toMatchObject({ delivery_rate: 1, commonsense_micro: 1, hard_micro: 1, final_pass_rate: 1 });
    const memory = join(work, "results", "travelplanner", "scripted", "memory_trajectory");
    const entries = readFileSync(join(memory, "entries.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const sourceOf = new Map(entries.map((e) => [e.id, e.provenance.game]));
    for (const e of episodes(runDir("gold", true))) {
      expect(e.details).toMatchObject({ delivered: true, commonsensePass: true, hardPass: true });
      expect(e.facts).toMatchObject({ org: expect.any(String), dest: expect.any(String) });
      expect(e.retrieved.length).toBe(3);
      // Memory holds this query's own demonstration, and the episode never sees it.
      expect([...sourceOf.values()]).toContain(e.source);
      expect(e.retrieved.map((id: string) => sourceOf.get(id))).not.toContain(e.source);
    }
  });

  it("online from an empty memory: each batch's successes become entries", async () => {
    const r = await runCli(["online", ...common(), "--exp_name", "learn", "--update", "validation", "--build", "trajectory", "--batch_size", "2"], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    expect(summary.batches.map((b: { added: number; memoryEntries: number }) => [b.added, b.memoryEntries])).toEqual([
      [2, 2],
      [1, 3],
    ]);
  });
});
