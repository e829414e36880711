import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import pLimit from "p-limit";
import type { StructuredOutputMode } from "../../core/util/model-json.js";
import { createProgress, type Progress } from "../../core/util/progress.js";
import type { MemoryBank } from "../bank.js";
import type { SourcedTrajectory } from "../input.js";
import { ENTRY_SCHEMA_VERSION, entryId, type BuildKind, type MemoryEntry } from "../types.js";
import { deriveActionVocabulary } from "./condense.js";
import { getBuildPolicy } from "./policies.js";
import type { BuildFallback } from "./types.js";

export interface BuildOptions {
  kind: BuildKind;
  model?: BaseChatModel;
  /** Recorded in each entry's provenance. */
  modelName?: string;
  /** Parallel model calls (default 8). */
  concurrency?: number;
  /** The environment's action forms; by default derived per env from the trajectories. */
  actionVocabulary?: string;
  maxObservationChars?: number;
  /** Entries are committed in batches of this size, so an interrupted build loses little. */
  commitEvery?: number;
  /**
   * A bar on stderr (default: when stderr is a terminal; otherwise status lines only), none
   * (`false`), or a display of the caller's.
   */
  progress?: boolean | Progress;
  /** Receives the display, e.g. to show the model transport's retry waits in it. */
  onProgress?: (progress: Progress) => void;
  /** How JSON is asked of the model (default "auto"). */
  structuredOutput?: StructuredOutputMode;
  /**
   * Stop starting new items once this many have failed (calls already running finish). For a
   * model endpoint that is down, every item would otherwise spend its retries in turn.
   */
  maxFailures?: number;
  /** The same as a fraction of the items to build (0.1: give up once a tenth have failed, at least one). */
  maxFailureRate?: number;
  /** A model call running this long is shown in the progress display (default 15 s). */
  slowCallMs?: number;
  signal?: AbortSignal;
  /** Callbacks, tags and metadata for every model call, so they show in the caller's trace. */
  config?: RunnableConfig;
}

export interface BuildFailure {
  source: string;
  task: string;
  error: string;
}

/** An entry that was built, but from less than its policy asks for (see `BuildFallback`). */
export interface BuildFallbackReport extends BuildFallback {
  id: string;
  source: string;
  task: string;
}

export interface BuildSummary {
  built: number;
  skipped: number;
  failed: BuildFailure[];
  /** Built entries that fell back: a prose reply read as the script, a script-less proceduralization... */
  fallbacks: BuildFallbackReport[];
  ids: string[];
  /** Set when the build gave up on reaching `maxFailures` (or `maxFailureRate`). */
  stopped?: { reason: string; notAttempted: number };
}

/**
 * Builds entries from trajectories with bounded concurrency. A trajectory whose (task, kind) is
 * already in the memory, or earlier in the input, is skipped; a failing one is reported and the
 * run goes on (up to `maxFailures`). Built entries are committed in batches, so a killed build
 * resumes where it stopped; a failed commit (the embedding endpoint is down) ends the build.
 */
export async function buildMemory(bank: MemoryBank, items: SourcedTrajectory[], options: BuildOptions): Promise<BuildSummary> {
  const commitEvery = options.commitEvery ?? 64;
  let pending: MemoryEntry[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = pending;
    pending = [];
    flushing = flushing.then(() => (batch.length > 0 ? bank.add(batch) : undefined));
    return flushing;
  };
  return runBuild(bank, items, options, {
    push: (entry) => {
      pending.push(entry);
      return pending.length >= commitEvery ? flush() : undefined;
    },
    flush,
  });
}

/**
 * Builds entries as `buildMemory` does, without storing them: for a caller that stores them
 * itself, e.g. inside a transaction once every model call is done.
 */
export async function buildEntries(bank: MemoryBank, items: SourcedTrajectory[], options: BuildOptions): Promise<BuildSummary & { entries: MemoryEntry[] }> {
  const entries: MemoryEntry[] = [];
  const summary = await runBuild(bank, items, options, { push: (entry) => void entries.push(entry), flush: async () => undefined });
  const order = new Map(summary.ids.map((id, i) => [id, i]));
  return { ...summary, entries: entries.sort((a, b) => order.get(a.id)! - order.get(b.id)!) };
}

/** Where built entries go: `push` may return a commit to wait for; its failure ends the build. */
interface EntrySink {
  push(entry: MemoryEntry): Promise<void> | void;
  flush(): Promise<void>;
}

async function runBuild(bank: MemoryBank, items: SourcedTrajectory[], options: BuildOptions, sink: EntrySink): Promise<BuildSummary> {
  const policy = getBuildPolicy(options.kind);
  const summary: BuildSummary = { built: 0, skipped: 0, failed: [], fallbacks: [], ids: [] };
  const todo: Array<SourcedTrajectory & { id: string }> = [];
  const seen = new Set<string>();
  const ids = items.map((item) => entryId(options.kind, item.trajectory.task));
  const stored = new Set((await bank.store.getMany(ids)).map((e) => e.id));
  items.forEach((item, i) => {
    const id = ids[i]!;
    if (stored.has(id) || seen.has(id)) summary.skipped++;
    else todo.push({ ...item, id });
    seen.add(id);
  });

  const vocabularies = new Map<string, string>();
  const vocabularyFor = (env: string | undefined) => {
    if (options.actionVocabulary) return options.actionVocabulary;
    const key = env ?? "";
    if (!vocabularies.has(key)) vocabularies.set(key, deriveActionVocabulary(todo.filter((t) => (t.trajectory.env ?? "") === key).map((t) => t.trajectory)));
    return vocabularies.get(key)!;
  };

  const progress =
    typeof options.progress === "object"
      ? options.progress
      : createProgress(todo.length, `build ${options.kind}`, options.progress, { statusLines: options.progress === undefined });
  options.onProgress?.(progress);

  // What has been waiting on the model, so that a call that never answers shows in the display.
  const running = new Map<string, { since: number; task: string }>();
  const slowCallMs = options.slowCallMs ?? 15_000;
  const watch = policy.needsModel
    ? setInterval(() => {
        let oldest: { since: number; task: string } | undefined;
        for (const r of running.values()) if (!oldest || r.since < oldest.since) oldest = r;
        const waited = oldest ? Date.now() - oldest.since : 0;
        if (oldest && waited >= slowCallMs) progress.status(`waiting ${Math.round(waited / 1000)} s for the model (${running.size} running; "${oldest.task.slice(0, 30)}")`);
      }, Math.min(5000, slowCallMs)).unref()
    : undefined;

  let fatal: { error: unknown } | undefined;
  let notAttempted = 0;
  const failureLimit = Math.min(
    options.maxFailures ?? Infinity,
    options.maxFailureRate !== undefined ? Math.max(1, Math.ceil(options.maxFailureRate * todo.length)) : Infinity,
  );
  const stopping = () => fatal !== undefined || summary.failed.length >= failureLimit;
  const limit = pLimit(options.concurrency ?? 8);
  try {
    // allSettled, not all: on an abort the items already built are still committed below.
    const settled = await Promise.allSettled(
      todo.map((item) =>
        limit(async () => {
          options.signal?.throwIfAborted();
          if (stopping()) {
            notAttempted++;
            return;
          }
          running.set(item.id, { since: Date.now(), task: item.trajectory.task });
          let entry: MemoryEntry;
          try {
            const content = await policy.build(item.trajectory, {
              model: options.model,
              actionVocabulary: vocabularyFor(item.trajectory.env),
              maxObservationChars: options.maxObservationChars,
              structuredOutput: options.structuredOutput,
              signal: options.signal,
              config: options.config,
            });
            entry = toEntry(item, options, content);
            if (content.fallback) summary.fallbacks.push({ id: item.id, source: item.source, task: item.trajectory.task, ...content.fallback });
          } catch (err) {
            if (options.signal?.aborted) throw err;
            summary.failed.push({ source: item.source, task: item.trajectory.task, error: oneLine(err) });
            return;
          } finally {
            running.delete(item.id);
            progress.increment(1, item.trajectory.task.slice(0, 40));
          }
          summary.built++;
          summary.ids.push(item.id);
          // A failed commit is not an item's failure: the entries of others are in it too.
          // Running items finish, no new one starts, and the error ends the build.
          await Promise.resolve(sink.push(entry)).catch((error: unknown) => {
            fatal ??= { error };
          });
        }),
      ),
    );
    if (fatal) throw fatal.error;
    await sink.flush();
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (rejected) throw rejected.reason;
  } finally {
    if (watch) clearInterval(watch);
    progress.stop();
  }
  // Reported in input order, whatever order the calls finished in.
  const order = new Map(todo.map((t, i) => [t.id, i]));
  const rank = (task: string) => order.get(entryId(options.kind, task)) ?? 0;
  summary.failed.sort((a, b) => rank(a.task) - rank(b.task));
  summary.fallbacks.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  summary.ids.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  if (summary.failed.length >= failureLimit) {
    summary.stopped = { reason: `gave up after ${summary.failed.length} failure${summary.failed.length === 1 ? "" : "s"} (the limit is ${failureLimit})`, notAttempted };
  }
  return summary;
}

/** The first line of an error's message, for a one-line report. */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split("\n")[0]!.trim() || (err instanceof Error ? err.name : "unknown error");
}

function toEntry(
  item: SourcedTrajectory & { id: string },
  options: BuildOptions,
  content: { script: string | null; trajectory: MemoryEntry["trajectory"]; events?: MemoryEntry["events"] },
): MemoryEntry {
  const now = new Date().toISOString();
  const t = item.trajectory;
  const entry: MemoryEntry = {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: item.id,
    task: t.task.trim(),
    kind: options.kind,
    script: content.script,
    trajectory: content.trajectory,
    facts: t.facts && Object.keys(t.facts).length > 0 ? t.facts : null,
    stats: { hits: 0, successes: 0 },
    provenance: { source: item.source, model: policyUsesModel(options) ? (options.modelName ?? null) : null, createdAt: now, updatedAt: now },
  };
  if (content.events) entry.events = content.events;
  if (t.env) entry.provenance.env = t.env;
  if (t.game) entry.provenance.game = t.game;
  if (t.success !== undefined) entry.provenance.success = t.success;
  return entry;
}

function policyUsesModel(options: BuildOptions): boolean {
  return getBuildPolicy(options.kind).needsModel;
}
