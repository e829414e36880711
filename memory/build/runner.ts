import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import pLimit from "p-limit";
import { createProgress } from "../../src/util/progress.js";
import type { MemoryBank } from "../bank.js";
import type { SourcedTrajectory } from "../input.js";
import { ENTRY_SCHEMA_VERSION, entryId, type BuildKind, type MemoryEntry } from "../types.js";
import { deriveActionVocabulary } from "./condense.js";
import { getBuildPolicy } from "./policies.js";

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
  progress?: boolean;
  signal?: AbortSignal;
}

export interface BuildFailure {
  source: string;
  task: string;
  error: string;
}

export interface BuildSummary {
  built: number;
  skipped: number;
  failed: BuildFailure[];
  ids: string[];
}

/**
 * Builds entries from trajectories with bounded concurrency. A trajectory whose (task, kind) is
 * already in the memory, or earlier in the input, is skipped; a failing one is reported and the
 * run goes on. Built entries are committed in batches, so a killed build resumes where it stopped.
 */
export async function buildMemory(bank: MemoryBank, items: SourcedTrajectory[], options: BuildOptions): Promise<BuildSummary> {
  const policy = getBuildPolicy(options.kind);
  const summary: BuildSummary = { built: 0, skipped: 0, failed: [], ids: [] };
  const todo: Array<SourcedTrajectory & { id: string }> = [];
  const seen = new Set<string>();
  for (const item of items) {
    const id = entryId(options.kind, item.trajectory.task);
    if (bank.store.has(id) || seen.has(id)) summary.skipped++;
    else todo.push({ ...item, id });
    seen.add(id);
  }

  const vocabularies = new Map<string, string>();
  const vocabularyFor = (env: string | undefined) => {
    if (options.actionVocabulary) return options.actionVocabulary;
    const key = env ?? "";
    if (!vocabularies.has(key)) vocabularies.set(key, deriveActionVocabulary(todo.filter((t) => (t.trajectory.env ?? "") === key).map((t) => t.trajectory)));
    return vocabularies.get(key)!;
  };

  const progress = createProgress(todo.length, `build ${options.kind}`, options.progress);
  const commitEvery = options.commitEvery ?? 64;
  let pending: MemoryEntry[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const batch = pending;
    pending = [];
    flushing = flushing.then(() => bank.add(batch));
    return flushing;
  };

  const limit = pLimit(options.concurrency ?? 8);
  await Promise.all(
    todo.map((item) =>
      limit(async () => {
        try {
          const content = await policy.build(item.trajectory, {
            model: options.model,
            actionVocabulary: vocabularyFor(item.trajectory.env),
            maxObservationChars: options.maxObservationChars,
            signal: options.signal,
          });
          pending.push(toEntry(item, options, content));
          summary.built++;
          summary.ids.push(item.id);
          if (pending.length >= commitEvery) await flush();
        } catch (err) {
          if (options.signal?.aborted) throw err;
          summary.failed.push({ source: item.source, task: item.trajectory.task, error: (err as Error).message.split("\n")[0]! });
        } finally {
          progress.increment(1, item.trajectory.task.slice(0, 40));
        }
      }),
    ),
  );
  await flush();
  progress.stop();
  return summary;
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
