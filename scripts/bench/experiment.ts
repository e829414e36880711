/**
 * Experiment-runner benchmark (issue: "The agent and the MemP experiments"):
 * 1. executor overhead per step: ALFWorld dev games, memory on (200 expert trajectories, k = 10),
 *    a zero-latency in-process model replaying the expert: median per-step wall time;
 * 2. concurrency: 128 episodes at --batch_size 32 against the scripted server answering in 200 ms,
 *    10 steps each, through the real OpenAI client: wall time against the ideal 128/32 x 10 x 200 ms;
 * 3. building a 300-entry script memory against a server answering in 500 ms at concurrency 16,
 *    against the ideal ceil(300/16) x 500 ms;
 * 4. prompt economy: prompt tokens per episode with and without memory (and few-shot), and the
 *    share of prompt tokens in the prefix shared by every episode of a task type.
 * Run: ALFWORLD_DATA=... npm run bench:experiment
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expertTrajectories } from "../../chains/alfworld/expert.js";
import { alfworldSuite } from "../../chains/alfworld/suite.js";
import { EpisodeChain } from "../../chains/episode-chain.js";
import { runExperiment, type ExperimentConfig } from "../../chains/experiment.js";
import { DEFAULT_PRICES } from "../../chains/prices.js";
import { listGames } from "../../environments/alfworld/splits.js";
import { MemoryBank } from "../../memory/bank.js";
import { buildMemory } from "../../memory/build/runner.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { MemorySession } from "../../memory/session.js";
import { createChatModel } from "../../src/models.js";
import { contentText, countTokens, startScriptedServer } from "../../testing/openai-server.js";
import { alfworldReplay } from "../../testing/alfworld-replay.js";
import { HandlerChatModel } from "../../testing/handler-model.js";

const line = (ok: boolean, name: string, value: string, target: string, extra = "") =>
  console.log(`${ok ? "PASS" : "MISS"}  ${name.padEnd(52)} ${value.padStart(12)}   target ${target}${extra ? `   ${extra}` : ""}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const root = join(tmpdir(), `memp-bench-experiment-${process.pid}`);
const embeddings = () => {
  const e = new LocalHashEmbeddings();
  return { embeddings: e, id: e.id };
};

async function executorOverhead(): Promise<void> {
  const dev = listGames("dev").slice(0, 40);
  const script = await alfworldReplay(dev);
  const model = new HandlerChatModel(script.handler);
  const bank = await MemoryBank.open(join(root, "overhead-mem"), { embeddings: embeddings() });
  const train = await expertTrajectories(listGames("train"));
  await buildMemory(bank, train.map((r) => ({ trajectory: r.trajectory, source: r.trajectory.game! })), { kind: "trajectory", progress: false });
  const session = new MemorySession({ bank, retrieval: { policy: "query", k: 10 } });
  const suite = alfworldSuite();
  const items = (await suite.items("dev")).slice(0, 40);
  const chain = new EpisodeChain({ suite, model, agent: "react", fewShot: false, maxSteps: 30, session });
  const perStep: number[] = [];
  let won = 0;
  for (const item of items) {
    const record = await chain.invoke(item);
    if (record.success) won++;
    // The first step also carries the episode's setup and retrieval; the rest are the loop itself.
    perStep.push(...record.steps.slice(1).map((s) => s.latencyMs));
  }
  await bank.close();
  const m = median(perStep);
  line(m <= 1, "executor overhead per step (memory on, k = 10)", `${m.toFixed(3)} ms`, "<= 1 ms", `(${perStep.length} steps, ${won}/${items.length} won, p90 ${[...perStep].sort((a, b) => a - b)[Math.floor(perStep.length * 0.9)]!.toFixed(3)} ms)`);
}

async function concurrency(): Promise<void> {
  const steps = 10;
  const server = await childServer(200);
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-bench";
  const suite = alfworldSuite();
  const all = await suite.items("dev");
  const config: ExperimentConfig = {
    mode: "offline", env: "alfworld", model: "scripted", split: "dev", batchSize: 32, maxSteps: steps, expName: "concurrency", fewShot: false, useMemory: false,
    build: "trajectory", retrieve: "query", topK: 3, memorySize: 0, seed: 0, resultsDir: join(root, "results"), agent: "react", grammar: "2.1.2", overwrite: true, embeddings: "local",
  };
  // dev has 140 games: the first 128, one episode each.
  const started = performance.now();
  const outcome = await runExperiment({ ...config, limit: 128 }, { suite, model: createChatModel("scripted"), embeddings: embeddings(), prices: DEFAULT_PRICES, progress: false });
  const seconds = (performance.now() - started) / 1000;
  server.close();
  const ideal = (128 / 32) * steps * 0.2;
  const ratio = seconds / ideal;
  line(ratio <= 1.1, "128 episodes at batch 32, 200 ms per reply", `${seconds.toFixed(2)} s`, `<= ${(ideal * 1.1).toFixed(2)} s (1.1x)`, `ideal ${ideal.toFixed(2)} s, ratio ${ratio.toFixed(3)}, ${outcome.summary.finished} of ${Math.min(all.length, 128)} episodes`);
}

/** The scripted server in a child process: its request handling must not share the runner's event loop. */
async function childServer(delayMs: number): Promise<{ url: string; close(): void }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "look-server.ts"), String(delayMs)], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.on("exit", (code) => reject(new Error(`the scripted server exited with ${code}`)));
  });
  return { url, close: () => child.kill("SIGTERM") };
}

async function buildThroughput(): Promise<void> {
  const server = await startScriptedServer({ chat: () => JSON.stringify({ procedure: ["go to the place", "take the thing", "put it where it belongs"], pitfalls: [] }), delayMs: 500 });
  process.env.OPENAI_BASE_URL = server.url;
  // Task sentences repeat across games; numbering them keeps 300 distinct entries to build.
  const runs = (await expertTrajectories([...listGames("train"), ...listGames("dev")].slice(0, 300))).map((r, i) => ({ ...r, trajectory: { ...r.trajectory, task: `${r.trajectory.task} (${i})` } }));
  const bank = await MemoryBank.open(join(root, "build-mem"), { embeddings: embeddings() });
  const started = performance.now();
  const summary = await buildMemory(bank, runs.map((r) => ({ trajectory: r.trajectory, source: r.trajectory.game! })), { kind: "script", model: createChatModel("scripted"), concurrency: 16, progress: false });
  const seconds = (performance.now() - started) / 1000;
  await bank.close();
  await server.close();
  const ideal = Math.ceil(300 / 16) * 0.5;
  line(seconds / ideal <= 1.2, "300-entry script memory, 500 ms per reply, concurrency 16", `${seconds.toFixed(2)} s`, `<= ${(ideal * 1.2).toFixed(2)} s (1.2x)`, `ideal ${ideal.toFixed(2)} s, ratio ${(seconds / ideal).toFixed(3)}, built ${summary.built}, failed ${summary.failed.length}`);
}

async function promptEconomy(): Promise<void> {
  const dev = listGames("dev").slice(0, 24);
  const script = await alfworldReplay(dev);
  const server = await startScriptedServer({ chat: script.handler });
  process.env.OPENAI_BASE_URL = server.url;
  const suite = alfworldSuite();
  const base: ExperimentConfig = {
    mode: "offline", env: "alfworld", model: "scripted", split: "dev", batchSize: 8, maxSteps: 30, expName: "economy", fewShot: true, useMemory: false, limit: 24,
    build: "trajectory", retrieve: "query", topK: 3, memorySize: 200, seed: 0, resultsDir: join(root, "economy"), agent: "react", grammar: "2.1.2", overwrite: true, embeddings: "local",
  };
  const model = createChatModel("scripted");
  for (const useMemory of [false, true]) {
    const from = server.chatRequests.length;
    const outcome = await runExperiment({ ...base, useMemory }, { suite, model, embeddings: embeddings(), prices: DEFAULT_PRICES, progress: false });
    const requests = server.chatRequests.slice(from);
    // The prefix every episode of a task type shares: the system prompt and the demonstration.
    const prefixes = new Map<string, Set<string>>();
    let shared = 0;
    let total = 0;
    for (const r of requests) {
      const task = r.messages.findLastIndex((m) => m.role === "user" && !contentText(m.content).startsWith("Observation:"));
      const prefix = r.messages.slice(0, task).map((m) => `${m.role}\n${contentText(m.content)}`).join("\n");
      const type = contentText(r.messages[task]!.content).match(/Your task is to: (\w+)/)?.[1] ?? "?";
      (prefixes.get(type) ?? prefixes.set(type, new Set()).get(type)!).add(prefix);
      shared += countTokens(prefix);
      total += countTokens(r.messages.map((m) => `${m.role}\n${contentText(m.content)}`).join("\n"));
    }
    const identical = [...prefixes.values()].every((s) => s.size === 1);
    console.log(
      `INFO  prompt tokens per episode, few-shot, memory ${useMemory ? "on (k = 3)" : "off"}: ${Math.round(outcome.summary.tokens.perEpisode.input)}; ` +
        `${(100 * shared / total).toFixed(1)}% of prompt tokens sit in the per-task-type shared prefix (system prompt + demonstration; byte-identical across episodes of a type: ${identical ? "yes" : "NO"})`,
    );
  }
  await server.close();
}

const only = process.argv[2];
try {
  if (!only || only === "overhead") await executorOverhead();
  if (!only || only === "concurrency") await concurrency();
  if (!only || only === "build") await buildThroughput();
  if (!only || only === "economy") await promptEconomy();
} finally {
  rmSync(root, { recursive: true, force: true });
}
