/**
 * MemP's experiment loops. Offline: the memory is built once from train-split demonstrations
 * (when its folder is empty) and frozen; every episode retrieves from it. Online: the memory
 * starts as given (empty by default) and, after every batch, the update policy runs on that
 * batch as one store transaction tagged with the batch, so a resumed run applies each batch's
 * update exactly once. Episodes run `batchSize` at a time; each finished episode is written at
 * once, atomically, so a killed run loses nothing that finished and repeats nothing.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { setMaxListeners } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pLimit from "p-limit";
import { z } from "zod";
import { MemoryBank } from "../memory/bank.js";
import { getBuildPolicy } from "../memory/build/policies.js";
import { buildMemory } from "../memory/build/runner.js";
import { needsFacts } from "../memory/retrieve/options.js";
import { getUpdatePolicy } from "../memory/update/policies.js";
import type { IdentifiedEmbeddings } from "../memory/embeddings/identified.js";
import { MemorySession } from "../memory/session.js";
import { LocalMemoryStore } from "../memory/store/local.js";
import { redactLocation } from "../core/util/location.js";
import type { RetrievePolicyName } from "../memory/retrieve/types.js";
import type { BuildKind, MemoryEntry } from "../memory/types.js";
import { updateTags, type UpdatePolicyName, type UpdateReport } from "../memory/update/index.js";
import { InputError, MempError } from "../core/errors.js";
import { EpisodeChain } from "./episode-chain.js";
import { costOf, priceOf, type PriceTable } from "./prices.js";
import { createRunProgress, type RunProgress } from "./progress.js";
import { recordTrajectory, type EpisodeRecord } from "./record.js";
import { RunFolder } from "./results.js";
import type { AgentMode, EpisodeItem, ExperimentSuite } from "./suite.js";
import { summarize, figures, type BatchFigures, type RunSummary } from "./summary.js";
import { ZERO_USAGE } from "./usage.js";

export type ExperimentMode = "offline" | "online";

export interface ExperimentConfig {
  mode: ExperimentMode;
  env: "alfworld" | "travelplanner";
  /** The chat model's name (recorded, and part of the results path). */
  model: string;
  split: string;
  batchSize: number;
  maxSteps: number;
  expName: string;
  fewShot: boolean;
  useMemory: boolean;
  /**
   * Where the memory lives: a folder or a `postgres://` URL (see `MemoryBank.open`); default
   * RESULTS/<env>/<model>/memory_<build> offline, the run's own `memory/` folder online.
   */
  memory?: string;
  /** How entries are built (offline demonstrations; online new entries). */
  build: BuildKind;
  retrieve: RetrievePolicyName;
  topK: number;
  /** Demonstrations an offline memory is built from, at most. */
  memorySize: number;
  limit?: number;
  seed: number;
  resultsDir: string;
  agent: AgentMode;
  grammar?: string;
  overwrite: boolean;
  /** Online: the update policy run after every batch. */
  update?: UpdatePolicyName;
  maxEntries?: number;
  /** The embeddings spec the memory is keyed with (recorded). */
  embeddings: string;
}

export interface ExperimentDeps {
  suite: ExperimentSuite;
  /** The chat model; only the replay agent runs without one. */
  model?: BaseChatModel;
  embeddings: IdentifiedEmbeddings;
  prices: PriceTable;
  /** Aborting stops new episodes, cancels running ones, and keeps what finished. */
  signal?: AbortSignal;
  progress?: boolean;
  /** Status lines for the user (stderr in the CLI). */
  log?: (line: string) => void;
  /** Receives the progress bar, e.g. to show the model transport's retry waits. */
  onProgress?: (progress: RunProgress) => void;
  versions?: Record<string, unknown>;
}

export interface ExperimentOutcome {
  runDir: string;
  summary: RunSummary;
  /** Episodes played by this invocation (finished or errored). */
  played: number;
  interrupted: boolean;
  firstError?: string;
}

/** The options that decide what a run measures: a resumed run must match them. */
const FINGERPRINT = ["mode", "env", "model", "split", "agent", "fewShot", "useMemory", "build", "retrieve", "topK", "memorySize", "maxSteps", "grammar", "seed", "update", "maxEntries", "embeddings"] as const;

const py = (b: boolean) => (b ? "True" : "False");

export function runDirOf(config: Pick<ExperimentConfig, "resultsDir" | "env" | "model" | "split" | "expName" | "fewShot" | "useMemory">): string {
  return join(config.resultsDir, config.env, safeName(config.model), `${config.split}_${config.expName}_few_shot_${py(config.fewShot)}_memory_${py(config.useMemory)}`);
}

/** Where an offline run's memory lives by default: one per environment, model and build kind. */
export function offlineMemoryDir(resultsDir: string, env: string, model: string, build: BuildKind): string {
  return join(resultsDir, env, safeName(model), `memory_${build}`);
}

function safeName(model: string): string {
  return model.replace(/[\\/:]+/g, "_");
}

export const SELF_RETRIEVAL_RULE =
  "an episode never retrieves an entry built from its own source (ALFWorld: the same game file and trial; TravelPlanner: the same query of the same split), as recorded in the entry's provenance.game; other entries with the same task text stay retrievable";

export async function runExperiment(config: ExperimentConfig, deps: ExperimentDeps): Promise<ExperimentOutcome> {
  const log = deps.log ?? (() => {});
  const { suite } = deps;
  const online = config.mode === "online";
  const useMemory = online || config.useMemory;
  const cfg: ExperimentConfig = { ...config, useMemory };
  const folder = new RunFolder(runDirOf(cfg));
  if (cfg.overwrite) folder.clear();
  const items = (await suite.items(cfg.split)).slice(0, cfg.limit);
  if (items.length === 0) throw new InputError(`the ${cfg.env} split "${cfg.split}" has no episodes`, { field: "--split" });
  checkModelNeeds(cfg, deps.model !== undefined);
  checkResumable(folder, cfg);
  folder.create();

  const memory = useMemory ? (cfg.memory ?? (online ? join(folder.dir, "memory") : offlineMemoryDir(cfg.resultsDir, cfg.env, cfg.model, cfg.build))) : undefined;
  if (memory !== undefined && !online) await buildOfflineMemory(memory, cfg, deps, log);
  const bank = memory === undefined ? undefined : await MemoryBank.open(memory, { embeddings: deps.embeddings, readOnly: !online });
  try {
    const session = bank
      ? new MemorySession({
          bank,
          retrieval: { policy: cfg.retrieve, k: cfg.topK, seed: cfg.seed, ...(needsFacts(cfg.retrieve) ? { model: deps.model } : {}) },
          update: online ? { policy: cfg.update ?? "vanilla", model: deps.model, modelName: cfg.model, buildKind: await buildKindFor(bank, cfg), maxEntries: cfg.maxEntries, actionVocabulary: suite.actionVocabulary(cfg.grammar) } : undefined,
        })
      : undefined;
    await writeRunManifest(folder, cfg, deps, bank, items.length);
    const price = priceOf(deps.prices, cfg.model);
    const chain = new EpisodeChain({ suite, model: deps.model, agent: cfg.agent, fewShot: cfg.fewShot, maxSteps: cfg.maxSteps, grammar: cfg.grammar, seed: cfg.seed, session, cost: (u) => costOf(price, u) });

    const earlier = new Map(folder.episodes().map((r) => [r.name, r]));
    const finished = (item: EpisodeItem) => earlier.get(item.name)?.error === undefined && earlier.has(item.name);
    const doneRecords = [...earlier.values()].filter((r) => r.error === undefined);
    const progress = createRunProgress(items.length, { episodes: items.filter(finished).length, successes: doneRecords.filter((r) => r.success).length, tokens: doneRecords.reduce((n, r) => n + r.usage.input + r.usage.output, 0) }, deps.progress);
    deps.onProgress?.(progress);
    const state = { played: 0, interrupted: false, firstError: undefined as string | undefined };

    const play = async (item: EpisodeItem, batch?: number): Promise<void> => {
      if (deps.signal?.aborted) return;
      let record: EpisodeRecord;
      // One signal per episode: the OpenAI client adds an abort listener to the caller's signal on
      // every request and never removes it, so a signal shared by a whole run would pile them up.
      const episode = new AbortController();
      setMaxListeners(0, episode.signal);
      const relay = () => episode.abort(deps.signal?.reason);
      deps.signal?.addEventListener("abort", relay, { once: true });
      try {
        record = await chain.invoke(item, { signal: episode.signal, runName: item.name });
      } catch (err) {
        if (deps.signal?.aborted) return;
        record = errorRecord(item, err);
        state.firstError ??= record.error;
        if (!MempError.isInstance(err) && !isModelFailure(err)) log(`episode ${item.name} failed: ${(err as Error)?.stack ?? String(err)}`);
      } finally {
        deps.signal?.removeEventListener("abort", relay);
      }
      if (batch !== undefined) record.batch = batch;
      await folder.saveEpisode(record);
      earlier.set(record.name, record);
      state.played++;
      progress.tick(record.error === undefined ? record.success : undefined, record.usage.input + record.usage.output);
    };

    const limit = pLimit(cfg.batchSize);
    try {
      if (!online) {
        await Promise.all(items.filter((i) => !finished(i)).map((i) => limit(() => play(i))));
      } else {
        const applied = await updateTags(bank!);
        for (let b = 0; b * cfg.batchSize < items.length && !deps.signal?.aborted; b++) {
          const batch = items.slice(b * cfg.batchSize, (b + 1) * cfg.batchSize);
          await Promise.all(batch.filter((i) => !finished(i)).map((i) => limit(() => play(i, b))));
          if (deps.signal?.aborted) break;
          const tag = batchTag(folder.dir, b);
          if (applied.has(tag)) continue;
          for (const r of batch.map((i) => earlier.get(i.name)!).filter((r) => r.error === undefined)) {
            session!.record({ task: r.task, retrieved: r.retrieved }, { trajectory: recordTrajectory(r, cfg.env), success: r.success, source: r.source });
          }
          const report = await session!.commit({ tag });
          applied.add(tag);
          const memoryEntries = await bank!.store.size();
          folder.writeJson(join(folder.batchesDir, `${b}.json`), { batch: b, memoryEntries, report });
          log(batchLine(b, batch.map((i) => earlier.get(i.name)!), report, memoryEntries));
        }
      }
    } finally {
      progress.stop();
    }
    state.interrupted = deps.signal?.aborted === true;

    const records = items.map((i) => earlier.get(i.name)).filter((r): r is EpisodeRecord => r !== undefined);
    const metrics = suite.summarize ? await suite.summarize(cfg.split, records.filter((r) => r.error === undefined).map((r) => ({ item: items.find((i) => i.name === r.name)!, details: r.details }))) : undefined;
    const summary = summarize(items.length, records, { metrics, ...(online ? { batches: batchFigures(folder, records, await bank!.store.size()) } : {}) });
    folder.writeJson(folder.summaryFile, summary);
    return { runDir: folder.dir, summary, played: state.played, interrupted: state.interrupted, firstError: state.firstError };
  } finally {
    await bank?.close();
  }
}

/** Refuses, before anything runs, a setting that needs a model when there is none (the replay agent). */
function checkModelNeeds(cfg: ExperimentConfig, haveModel: boolean): void {
  if (haveModel) return;
  const needs = [
    cfg.agent !== "replay" && `the ${cfg.agent} agent`,
    cfg.useMemory && getBuildPolicy(cfg.build).needsModel && `--build ${cfg.build}`,
    cfg.useMemory && needsFacts(cfg.retrieve) && `--retrieve ${cfg.retrieve}`,
    cfg.mode === "online" && cfg.update !== undefined && getUpdatePolicy(cfg.update).needsModel && `--update ${cfg.update}`,
  ].filter((x): x is string => typeof x === "string");
  if (needs.length > 0) throw new InputError(`${needs.join(", ")} need${needs.length === 1 ? "s" : ""} a chat model (--model NAME)`, { field: "--model" });
}

/** The update tag of a batch: the run folder and the batch number, unique per run. */
function batchTag(runDir: string, batch: number): string {
  return `${runDir}#batch${batch}`;
}

async function buildKindFor(bank: MemoryBank, cfg: ExperimentConfig): Promise<BuildKind> {
  // New entries are built the way the memory already builds them; an empty memory takes --build.
  const counts = new Map<BuildKind, number>();
  for (const e of await bank.store.list()) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? cfg.build;
}

async function buildOfflineMemory(location: string, cfg: ExperimentConfig, deps: ExperimentDeps, log: (line: string) => void): Promise<void> {
  const bank = await MemoryBank.open(location, { embeddings: deps.embeddings });
  const where = bank.store.location;
  try {
    const existing = await bank.store.size();
    if (existing > 0) {
      // A shared default folder may hold a memory built with other settings: say which one is used.
      log(`using the memory in ${where} as it is (${existing} entries); pass --memory to build another`);
      return;
    }
    log(`building the memory in ${where} from up to ${cfg.memorySize} ${cfg.env} train demonstrations (${cfg.build})`);
    const demos = await deps.suite.demonstrations({ limit: cfg.memorySize, seed: cfg.seed, grammar: cfg.grammar });
    const summary = await buildMemory(
      bank,
      demos.map((trajectory) => ({ trajectory, source: `demonstration:${trajectory.game ?? trajectory.task}` })),
      { kind: cfg.build, model: getBuildPolicy(cfg.build).needsModel ? deps.model : undefined, modelName: cfg.model, concurrency: 16, actionVocabulary: deps.suite.actionVocabulary(cfg.grammar), progress: deps.progress, signal: deps.signal },
    );
    for (const f of summary.failed.slice(0, 5)) log(`  not built: ${f.source}: ${f.error}`);
    const size = await bank.store.size();
    log(`built ${summary.built} entries (${summary.skipped} duplicates skipped, ${summary.failed.length} failed); the memory holds ${size}`);
    if (size === 0) throw new InputError(`no memory entry could be built from the demonstrations (first failure: ${summary.failed[0]?.error ?? "none built"})`, { file: where });
  } finally {
    await bank.close();
  }
}

function checkResumable(folder: RunFolder, cfg: ExperimentConfig): void {
  const previous = folder.readRun();
  if (!previous) return;
  const before = (previous.options ?? {}) as Record<string, unknown>;
  const differs = FINGERPRINT.filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(cfg[k] ?? null));
  if (cfg.mode === "online" && before.batchSize !== undefined && before.batchSize !== cfg.batchSize) differs.push("batchSize" as never);
  if (differs.length > 0) {
    const what = differs.map((k) => `${k} ${JSON.stringify(before[k] ?? null)} -> ${JSON.stringify(cfg[k] ?? null)}`).join(", ");
    throw new InputError(`this run was started with other settings (${what}); resume with the same ones, pass --overwrite, or use another --exp_name`, { file: folder.runFile });
  }
}

async function writeRunManifest(folder: RunFolder, cfg: ExperimentConfig, deps: ExperimentDeps, bank: MemoryBank | undefined, episodes: number): Promise<void> {
  const previous = folder.readRun();
  const entries = (await bank?.store.list()) ?? [];
  // Which committed state of a local memory the run saw; a shared memory moves on under it.
  const peek = bank?.store.kind === "local" ? LocalMemoryStore.peek(bank.store.location) : undefined;
  folder.writeJson(folder.runFile, {
    format: "memp-run/1",
    mode: cfg.mode,
    env: cfg.env,
    model: cfg.model,
    split: cfg.split,
    exp: cfg.expName,
    fewShot: cfg.fewShot,
    useMemory: cfg.useMemory,
    agent: cfg.agent,
    seed: cfg.seed,
    grammar: cfg.grammar ?? null,
    episodes,
    options: { ...cfg, ...(cfg.memory === undefined ? {} : { memory: redactLocation(cfg.memory) }) },
    memory: bank
      ? {
          location: bank.store.location,
          build: cfg.build,
          retrieve: cfg.retrieve,
          k: cfg.topK,
          ...(peek ? { generation: peek.generation } : {}),
          embedder: bank.store.embedder.id,
          entries: entries.length,
          builtBy: builtBy(entries),
          ...(cfg.mode === "online" ? { update: cfg.update ?? "vanilla", maxEntries: cfg.maxEntries ?? null } : {}),
        }
      : null,
    selfRetrieval: SELF_RETRIEVAL_RULE,
    data: deps.suite.describe({ grammar: cfg.grammar }),
    ...(deps.versions ?? {}),
    startedAt: (previous?.startedAt as string | undefined) ?? new Date().toISOString(),
    ...(previous ? { resumedAt: new Date().toISOString() } : {}),
  });
}

/**
 * The model that built or last rewrote most of the memory's entries (null: none did, e.g. a
 * trajectory memory): what a strong-to-weak transfer run records as the memory's origin.
 */
function builtBy(entries: readonly MemoryEntry[]): string | null {
  const counts = new Map<string | null, number>();
  for (const e of entries) counts.set(e.provenance.model, (counts.get(e.provenance.model) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

function errorRecord(item: EpisodeItem, err: unknown): EpisodeRecord {
  const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
  return {
    name: item.name,
    index: item.index,
    taskType: item.taskType,
    source: item.source,
    task: "",
    success: false,
    reward: 0,
    steps: [],
    messages: [],
    usage: ZERO_USAGE,
    cost: null,
    latencyMs: 0,
    retrieved: [],
    error: message,
    finishedAt: new Date().toISOString(),
  };
}

/** Errors raised by the model client (HTTP status, connection, timeout) rather than by our code. */
function isModelFailure(err: unknown): boolean {
  const e = err as { status?: unknown; name?: unknown; code?: unknown } | null;
  return typeof e?.status === "number" || /APIError|Connection|Timeout|RateLimit|Abort/i.test(String(e?.name ?? "")) || e?.code === "ECONNREFUSED";
}

function batchLine(b: number, records: EpisodeRecord[], report: UpdateReport, size: number): string {
  const ok = records.filter((r) => r.error === undefined);
  return `batch ${b}: ${ok.filter((r) => r.success).length}/${ok.length} succeeded; memory +${report.added.length} added, ${report.adjusted.length} adjusted, ${report.retired.length} retired -> ${size} entries`;
}

const BatchFileSchema = z.object({ batch: z.number().int(), memoryEntries: z.number().int(), report: z.object({ added: z.array(z.string()), adjusted: z.array(z.string()), retired: z.array(z.unknown()) }).passthrough() });

/** Per-batch learning-curve figures: the episodes of each batch and what its update did. */
function batchFigures(folder: RunFolder, records: EpisodeRecord[], memoryEntries: number): BatchFigures[] {
  const dir = folder.batchesDir;
  const updates = new Map<number, z.infer<typeof BatchFileSchema>>();
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
      const parsed = BatchFileSchema.safeParse(readJsonFile(join(dir, f)));
      if (parsed.success) updates.set(parsed.data.batch, parsed.data);
    }
  }
  const batches = [...new Set(records.map((r) => r.batch).filter((b): b is number => b !== undefined))].sort((a, b) => a - b);
  return batches.map((b) => {
    const all = records.filter((r) => r.batch === b);
    const ok = all.filter((r) => r.error === undefined);
    const u = updates.get(b);
    return {
      batch: b,
      ...figures(ok),
      tokensPerEpisode: { input: mean(all.map((r) => r.usage.input)), output: mean(all.map((r) => r.usage.output)) },
      memoryEntries: u?.memoryEntries ?? (b === batches.at(-1) ? memoryEntries : null),
      added: u?.report.added.length ?? 0,
      retired: u?.report.retired.length ?? 0,
      adjusted: u?.report.adjusted.length ?? 0,
    };
  });
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** A batch file torn by a crash is ignored: the figures fall back to what the episodes hold. */
function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
