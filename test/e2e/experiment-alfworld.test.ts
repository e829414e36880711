/**
 * The real `memp offline|online` (and `npm run offline`) against a scripted OpenAI-compatible
 * server on 127.0.0.1: known dev games are replayed from the expert (and won), others get
 * replies without an action or with a useless one.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runExpert } from "../../chains/alfworld/expert.js";
import { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { listGames } from "../../environments/alfworld/splits.js";
import { GUIDELINES_HEADER } from "../../memory/retrieve/format.js";
import { contentText, startScriptedServer, type ChatRequest, type ScriptedServer } from "../../testing/openai-server.js";
import { alfworldReplay } from "../../testing/alfworld-replay.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";
import { tempDir } from "../memory/helpers.js";

const data = dataDir("ALFWORLD_DATA");

describe.skipIf(!data)("memp offline | online on ALFWorld (scripted model)", () => {
  let server: ScriptedServer;
  let work: string;
  let env: Record<string, string>;
  let names: string[];
  const introOf = new Map<string, string>();
  let delayMs = 0;
  /** Games whose every model request the server rejects (429 with a short Retry-After). */
  const failing = new Set<string>();

  beforeAll(async () => {
    const games = listGames("dev", data!).slice(0, 8);
    names = games.map((g) => g.name);
    // Games 0, 1, 4, 5, 6, 7 are replayed; 2 and 3 get bad replies.
    const script = await alfworldReplay(games, { bad: new Set([names[2]!, names[3]!]) });
    server = await startScriptedServer({
      chat: (request, meta) => {
        const intro = request.messages.map((m) => contentText(m.content)).find((t) => [...failing].some((name) => introOf.get(name) === t.split("\n\nHere are")[0]));
        return intro !== undefined ? { status: 429, headers: { "retry-after-ms": "5" }, body: { error: { message: "slow down" } } } : script.handler(request, meta);
      },
      delayMs: () => delayMs,
    });
    for (const g of games) introOf.set(g.name, (await runExpert(AlfworldEnvironment.fromFile(g.gamefile))).intro);
    work = tempDir("memp-experiment-");
    env = { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-secret-test-key", MEMP_CACHE_DIR: join(work, "cache"), ALFWORLD_DATA: data! };
  });
  afterAll(() => server?.close());

  const runDir = (exp: string, fewShot: boolean, memory: boolean) => join(work, "results", "alfworld", "scripted", `dev_${exp}_few_shot_${fewShot ? "True" : "False"}_memory_${memory ? "True" : "False"}`);
  // Episode files only: a killed run can leave the temp file of a write it did not finish.
  const episodeFiles = (dir: string) => readdirSync(join(dir, "episodes")).filter((f) => f.endsWith(".json") && !f.startsWith("."));
  const episodes = (dir: string) => episodeFiles(dir).map((f) => JSON.parse(readFileSync(join(dir, "episodes", f), "utf8")));
  const taskMessages = (requests: ChatRequest[]) => requests.map((r) => contentText(r.messages.findLast((m) => m.role === "user" && !contentText(m.content).startsWith("Observation:"))?.content));
  const common = () => ["--env", "alfworld", "--model", "scripted", "--split", "dev", "--results-dir", join(work, "results")];

  it("offline without memory (npm run offline, MemP's snake_case flags): success is the engine's won, no guidelines", async () => {
    const before = server.chatRequests.length;
    const r = await npmRun(["offline", "--", ...common(), "--batch_size", "2", "--max_steps", "30", "--exp_name", "plain", "--limit", "4", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    expect(summary).toMatchObject({ episodes: 4, finished: 4, errors: 0, success: { count: 2, rate: 0.5 } });
    const dir = runDir("plain", false, false);
    const eps = episodes(dir);
    expect(eps.map((e) => e.name).sort()).toEqual(names.slice(0, 4).sort());
    for (const e of eps) {
      expect(e.success).toBe(!names.slice(2, 4).includes(e.name));
      expect(e.steps.length).toBeGreaterThan(0);
      expect(e.usage.input).toBeGreaterThan(0);
      expect(e.messages[0].role).toBe("system");
    }
    // The bad games ran to the step limit; a reply without an action got the engine's answer.
    const bad = eps.find((e) => e.name === names[2])!;
    expect(bad.steps).toHaveLength(30);
    expect(bad.steps[0]).toMatchObject({ action: "", observation: "Nothing happens." });
    const tasks = taskMessages(server.chatRequests.slice(before));
    expect(tasks.every((t) => !t.includes(GUIDELINES_HEADER))).toBe(true);
    const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"));
    expect(run).toMatchObject({ mode: "offline", env: "alfworld", model: "scripted", split: "dev", memory: null, grammar: "2.1.2" });
    expect(JSON.stringify(run)).not.toContain("sk-secret-test-key");
  });

  it("offline with a trajectory memory built from train demonstrations, and --few_shot", async () => {
    const before = server.chatRequests.length;
    const r = await runCli(["offline", ...common(), "--exp_name", "mem", "--limit", "4", "--use_memory", "--few_shot", "--build", "trajectory", "--memory-size", "12"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4\/4 episodes finished: success 50\.0%/);
    const dir = runDir("mem", true, true);
    const run = JSON.parse(readFileSync(join(dir, "run.json"), "utf8"));
    expect(run.memory).toMatchObject({ build: "trajectory", retrieve: "query", k: 3, builtBy: null });
    expect(run.memory.entries).toBeGreaterThan(5);
    expect(run.selfRetrieval).toMatch(/never retrieves an entry built from its own source/);
    const requests = server.chatRequests.slice(before);
    const tasks = taskMessages(requests);
    expect(tasks.every((t) => t.includes(`\n\n${GUIDELINES_HEADER}\n[`))).toBe(true);
    // The demonstration: a solved train game as earlier turns, identical for episodes of a type.
    const first = requests[0]!.messages;
    expect(first.filter((m) => m.role === "assistant").length).toBeGreaterThan(2);
    for (const e of episodes(dir)) expect(e.retrieved.length).toBe(3);
  });

  it("--agent tools: createAgent with the command tools and the memory middleware wins the same games", async () => {
    const before = server.chatRequests.length;
    const r = await runCli(["offline", ...common(), "--exp_name", "tools", "--agent", "tools", "--limit", "4", "--use_memory", "--build", "trajectory", "--memory-size", "12", "--max_steps", "12"], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4\/4 episodes finished: success 50\.0%/);
    const requests = server.chatRequests.slice(before);
    expect(requests.every((q) => (q.tools ?? []).some((t) => t.function.name === "go_to"))).toBe(true);
    // The middleware puts the guidelines in the system message; the task message is the intro unchanged.
    expect(requests.every((q) => contentText(q.messages[0]!.content).includes(GUIDELINES_HEADER))).toBe(true);
    expect(taskMessages(requests).every((t) => !t.includes(GUIDELINES_HEADER))).toBe(true);
    const eps = episodes(runDir("tools", false, true));
    for (const e of eps) expect(e.retrieved).toHaveLength(3);
    const won = eps.find((e) => e.name === names[0])!;
    expect(won.steps.map((st: { action: string }) => st.action)).toEqual(expect.arrayContaining([expect.stringMatching(/^go to /)]));
    expect(won.messages.some((m: { role: string }) => m.role === "tool")).toBe(true);
  });

  it("--memory-dir (a memory built elsewhere), --retrieve/--top-k/--seed, --grammar, --prices, --rpm and --max-entries do what they say", async () => {
    const mem = join(work, "given-memory");
    const runs = join(work, "runs.jsonl");
    expect((await runCli(["trajectories", "--env", "alfworld", "--split", "train", "--out", runs, "--limit", "10"], env)).code).toBe(0);
    expect((await runCli(["memory", "build", "--from", runs, "--memory-dir", mem, "--build", "trajectory"], env)).code).toBe(0);
    const entries = () => readFileSync(join(mem, "entries.jsonl"), "utf8").trim().split("\n").length;
    const built = entries();
    const prices = join(work, "prices.json");
    writeFileSync(prices, JSON.stringify({ scripted: { input: 1, output: 2 } }));
    const before = server.chatRequests.length;
    const started = Date.now();
    const r = await runCli(["offline", ...common(), "--exp_name", "flags", "--limit", "2", "--use_memory", "--memory-dir", mem, "--retrieve", "random", "--top-k", "2", "--seed", "3", "--grammar", "2.1.1", "--prices", prices, "--rpm", "1200", "--batch_size", "2", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    const requests = server.chatRequests.slice(before);
    // 1,200 requests per minute: one every 50 ms at most, whatever the batch size.
    expect(Date.now() - started).toBeGreaterThanOrEqual((requests.length - 1) * 50 * 0.9);
    expect(summary.cost.total).toBeCloseTo((summary.tokens.input * 1 + summary.tokens.output * 2) / 1e6, 9);
    expect(contentText(requests[0]!.messages[0]!.content)).toContain("put {obj} in/on {recep}");
    const dir = runDir("flags", false, true);
    expect(JSON.parse(readFileSync(join(dir, "run.json"), "utf8")).memory).toMatchObject({ location: mem, retrieve: "random", k: 2, entries: built });
    expect(episodes(dir).every((e) => e.retrieved.length === 2)).toBe(true);
    // The given memory was only read.
    expect(entries()).toBe(built);

    const capped = await runCli(["online", ...common(), "--exp_name", "capped", "--limit", "4", "--batch_size", "4", "--update", "vanilla", "--build", "trajectory", "--max-entries", "2", "--json"], env);
    expect(capped.code, capped.stderr).toBe(0);
    expect(JSON.parse(capped.stdout.slice(capped.stdout.indexOf("{"))).batches[0]).toMatchObject({ retired: 1, memoryEntries: 2 });
  });

  it("online: the memory is updated after each batch, once", async () => {
    const r = await runCli(["online", ...common(), "--exp_name", "learn", "--limit", "4", "--batch_size", "2", "--update", "validation", "--build", "trajectory", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
    expect(summary.batches).toHaveLength(2);
    expect(summary.batches[0]).toMatchObject({ batch: 0, episodes: 2, successRate: 1, added: 2, memoryEntries: 2 });
    expect(summary.batches[1]).toMatchObject({ batch: 1, episodes: 2, successRate: 0, added: 0, memoryEntries: 2 });
    const dir = runDir("learn", false, true);
    const log = readFileSync(join(dir, "memory", "updates.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(log.map((l) => l.tag)).toEqual([`${dir}#batch0`, `${dir}#batch1`]);
    // Batch 1's episodes were shown the entries batch 0 added.
    const eps = episodes(dir);
    expect(eps.filter((e) => e.batch === 1).every((e) => e.retrieved.length === 2)).toBe(true);
    expect(eps.filter((e) => e.batch === 0).every((e) => e.retrieved.length === 0)).toBe(true);
    // A rerun finds everything done and applies no update twice.
    const again = await runCli(["online", ...common(), "--exp_name", "learn", "--limit", "4", "--batch_size", "2", "--update", "validation", "--build", "trajectory"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, "memory", "updates.jsonl"), "utf8").trim().split("\n")).toHaveLength(2);
  });

  it("resumes after a SIGKILL with no episode lost or played twice", async () => {
    delayMs = 60;
    const args = ["offline", ...common(), "--exp_name", "kill", "--limit", "6", "--batch_size", "1"];
    const dir = runDir("kill", false, false);
    const child = spawn(process.execPath, [join(__dirname, "..", "..", "bin", "memp.js"), ...args], { env: { ...process.env, ...env }, stdio: "ignore" });
    await waitFor(() => existsSync(join(dir, "episodes")) && episodeFiles(dir).length >= 2, 60_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const kept = episodeFiles(dir);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(6);
    const keptNames = episodes(dir).map((e) => e.name);
    const before = server.chatRequests.length;
    delayMs = 0;
    const r = await runCli(args, env);
    expect(r.code, r.stderr).toBe(0);
    const all = episodes(dir);
    expect(all.map((e) => e.name).sort()).toEqual(names.slice(0, 6).sort());
    // The killed run's unfinished temp file, if it left one, is gone.
    expect(readdirSync(join(dir, "episodes")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    // Finished games were not played again.
    const replayed = taskMessages(server.chatRequests.slice(before));
    for (const name of keptNames) {
      const intro = all.find((e) => e.name === name)!.messages.findLast((m: { role: string; content: string }) => m.role === "user" && !m.content.startsWith("Observation:")).content;
      expect(replayed.includes(intro)).toBe(false);
    }
  });

  it("refuses to resume a run with other settings, and --overwrite starts again", async () => {
    const r = await runCli(["offline", ...common(), "--exp_name", "plain", "--limit", "4", "--max_steps", "10"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/run\.json: this run was started with other settings \(maxSteps 30 -> 10\)/);
    const o = await runCli(["offline", ...common(), "--exp_name", "plain", "--limit", "2", "--max_steps", "10", "--overwrite"], env);
    expect(o.code, o.stderr).toBe(0);
    expect(episodeFiles(runDir("plain", false, false))).toHaveLength(2);
  });

  it("an episode whose model fails for good is an error, not a failure; the run goes on and a rerun retries it", async () => {
    failing.add(names[5]!);
    const args = ["offline", ...common(), "--exp_name", "flaky", "--limit", "6", "--batch_size", "3"];
    const r = await runCli(args, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5\/6 episodes finished, 1 model errors: success 60\.0%/);
    expect(r.stderr).toMatch(/1 episodes ended in model errors \(first: model endpoint http:\/\/127\.0\.0\.1:\d+\/v1 failed after 4 attempts: 429/);
    expect(r.stderr).not.toContain("sk-secret-test-key");
    const dir = runDir("flaky", false, false);
    const failed = episodes(dir).find((e) => e.name === names[5]);
    expect(failed).toMatchObject({ success: false, error: expect.stringMatching(/429/) });
    failing.clear();
    const again = await runCli([...args, "--json"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout.slice(again.stdout.indexOf("{")))).toMatchObject({ finished: 6, errors: 0, success: { count: 4 } });
  });

  it("exits 1 when no episode finished", async () => {
    for (const n of names.slice(0, 2)) failing.add(n);
    const r = await runCli(["offline", ...common(), "--exp_name", "down", "--limit", "2"], env);
    failing.clear();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/memp: no episode finished: 2 ended in model errors/);
  });

  it("Ctrl-C keeps the finished episodes and says how to resume", async () => {
    delayMs = 40;
    const dir = runDir("sigint", false, false);
    const child = spawn(process.execPath, [join(__dirname, "..", "..", "bin", "memp.js"), "offline", ...common(), "--exp_name", "sigint", "--limit", "6", "--batch_size", "1"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    await waitFor(() => existsSync(join(dir, "episodes")) && episodeFiles(dir).length >= 1, 60_000);
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("close", r));
    delayMs = 0;
    expect(code).toBe(130);
    const kept = episodeFiles(dir).length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(6);
    expect(stderr).toMatch(new RegExp(`interrupted: ${kept} finished episodes are kept in .*; run the same command again to resume`));
    expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"))).toMatchObject({ episodes: 6, finished: kept });
  });

  it("writes the report over the runs", async () => {
    const out = join(work, "report");
    const r = await runCli(["report", join(work, "results"), "--out", out], env);
    expect(r.code, r.stderr).toBe(0);
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toContain("dev_learn");
    expect(readdirSync(out).some((f) => f.endsWith(".png"))).toBe(true);
  });
});

function npmRun(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", ...args], { cwd: join(__dirname, "..", ".."), env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
