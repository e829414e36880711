import type { MemoryBank } from "../bank.js";
import { buildMemory } from "../build/runner.js";
import { ConfigError, InputError, MempError, hasKind } from "../../core/errors.js";
import type { StructuredOutputMode } from "../../core/util/model-json.js";
import type { BuildFallback } from "../build/types.js";
import type { MemoryEntry } from "../types.js";
import { adjustEntry } from "./adjust.js";
import { ARCHIVE_FILE, appendRecords, HISTORY_FILE, UPDATE_LOG_FILE, versionOf, type ArchiveRecord, type HistoryRecord } from "./records.js";
import { UPDATE_POLICIES, type FinishedTask, type RetiredEntry, type UpdateOptions, type UpdateReport } from "./types.js";
import { checkTag, tagsOf } from "./tags.js";
import { byUsefulness, utility } from "./utility.js";

export * from "./types.js";
export { utility, byUsefulness } from "./utility.js";
export { adjustEntry, type Adjustment } from "./adjust.js";
export { ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE, ArchiveRecordSchema, HistoryRecordSchema, type ArchiveRecord, type HistoryRecord } from "./records.js";
export { entryHistory, restoreEntry, archivedEntries } from "./archive.js";
export { updateTags } from "./tags.js";

const succeeded = (t: FinishedTask) => t.success ?? t.trajectory.success ?? false;

/** How an update's model work may fail. (Candidates for `UpdateOptions` in ./types.ts.) */
export interface UpdateFailureOptions {
  /** How JSON is asked of the model (default "auto"). */
  structuredOutput?: StructuredOutputMode;
  /**
   * Give up once this many model-backed steps (rewrites and builds) have failed: nothing more is
   * tried and the whole update is rolled back (`UpdateAbandonedError`), so that the batch can be
   * applied again once the model answers, without counting its hits twice.
   */
  maxFailures?: number;
  /** The same as a fraction of the rewrites and builds the batch calls for (at least one). */
  maxFailureRate?: number;
  /** Roll back, as above, when there was model work to do and none of it succeeded. */
  abandonWhenAllFail?: boolean;
}

/** An entry rewritten or built from less than was asked for (a prose reply...): see `BuildFallback`. */
export interface UpdateFallback extends BuildFallback {
  id: string;
  task: string;
}

export type UpdateReportWithFallbacks = UpdateReport & { fallbacks: UpdateFallback[] };

/** An update given up on and rolled back: the memory is as it was. `report` says what failed. */
export class UpdateAbandonedError extends MempError {
  static override readonly kind: string = "memp.UpdateAbandonedError";

  static override isInstance(value: unknown): value is UpdateAbandonedError {
    return hasKind(value, UpdateAbandonedError.kind);
  }

  override readonly name = "UpdateAbandonedError";
  constructor(
    message: string,
    readonly report: UpdateReportWithFallbacks,
  ) {
    super(message);
  }
}

/**
 * Applies a finished batch to the memory, in MemP's order: book-keeping (hits and successes of the
 * entries each task was shown), deprecation of entries that keep failing, then the policy
 * (vanilla: add every run; validation: add the successful ones; adjustment: add the successful
 * ones and rewrite the entries that misled failed ones). Then, beyond MemP: near-duplicates are
 * merged and the memory is held to its cap. All of it is one atomic transaction on disk, logged.
 */
export async function updateMemory(bank: MemoryBank, batch: FinishedTask[], options: UpdateOptions & UpdateFailureOptions): Promise<UpdateReportWithFallbacks> {
  if (!(UPDATE_POLICIES as readonly string[]).includes(options.policy)) {
    throw new ConfigError(`unknown update policy "${options.policy}"; expected one of ${UPDATE_POLICIES.join(", ")}`);
  }
  const minHits = options.minHits ?? 3;
  const minRate = options.minRate ?? 0.5;
  const buildKind = options.buildKind ?? (options.model ? "proceduralization" : "trajectory");
  if (buildKind !== "trajectory" && !options.model) throw new ConfigError(`building "${buildKind}" entries needs a chat model`);
  if (options.policy === "adjustment" && !options.model) throw new ConfigError("the adjustment policy rewrites entries with a chat model");
  checkTag(options.tag);
  const store = bank.store;
  const report: UpdateReportWithFallbacks = {
    policy: options.policy,
    ...(options.tag === undefined ? {} : { tag: options.tag }),
    stats: [],
    added: [],
    adjusted: [],
    retired: [],
    merged: [],
    failed: [],
    fallbacks: [],
  };
  const now = () => new Date().toISOString();
  const archive: ArchiveRecord[] = [];
  const history: HistoryRecord[] = [];
  const retire = (entry: MemoryEntry, reason: string) => {
    archive.push({ entry, reason, retiredAt: now() });
    history.push({ id: entry.id, version: versionOf(entry), at: now(), event: "retired", previous: entry, cause: { reason } });
    report.retired.push({ id: entry.id, reason });
  };

  await store.transaction(async () => {
    // Checked inside the transaction, next to the log write that records the tag.
    if (options.tag !== undefined && tagsOf(store).has(options.tag)) {
      throw new InputError(`update "${options.tag}" was already applied to ${store.dir} (see ${UPDATE_LOG_FILE})`, { field: "tag" });
    }
    // 1. Book-keeping, attributed per task by entry id (a task shown the same entry twice counts once).
    const deltas = new Map<string, { hits: number; successes: number }>();
    for (const task of batch) {
      for (const id of new Set(task.retrieved)) {
        if (!store.has(id)) continue;
        const d = deltas.get(id) ?? { hits: 0, successes: 0 };
        d.hits++;
        if (succeeded(task)) d.successes++;
        deltas.set(id, d);
      }
    }
    await store.incrementStats([...deltas].map(([id, d]) => ({ id, ...d })));
    report.stats = [...deltas.keys()].map((id) => ({ id, ...store.get(id)!.stats }));

    // 2. Deprecation.
    const deprecated = store.list().filter((e) => e.stats.hits >= minHits && e.stats.successes / e.stats.hits < minRate);
    for (const e of deprecated) retire(e, `success rate ${e.stats.successes}/${e.stats.hits} is below ${minRate} after ${e.stats.hits} hits`);
    await store.delete(deprecated.map((e) => e.id));

    // 3. The policy: adjust what misled failed tasks, then add the runs the policy keeps.
    const keep = options.policy === "vanilla" ? batch : batch.filter(succeeded);
    const rewrites = options.policy === "adjustment" ? batch.filter((t) => !succeeded(t)) : [];
    const modelWork = rewrites.length + (buildKind === "trajectory" ? 0 : keep.length);
    const failureLimit = Math.min(
      options.maxFailures ?? Infinity,
      options.maxFailureRate !== undefined ? Math.max(1, Math.ceil(options.maxFailureRate * modelWork)) : Infinity,
    );
    const abandon = (why: string): never => {
      // Only the failures are left to report: everything else was undone.
      const undone = { ...report, stats: [], added: [], adjusted: [], retired: [], merged: [], fallbacks: [] };
      throw new UpdateAbandonedError(`${why}; the update was rolled back and the memory is unchanged`, undone);
    };
    let rewritten = 0;
    for (const task of rewrites) {
      if (report.failed.length >= failureLimit) break;
      const target = task.retrieved.map((id) => store.get(id)).find((e): e is MemoryEntry => e !== undefined);
      if (!target) continue;
      try {
        const fix = await adjustEntry(options.model!, target, { trajectory: task.trajectory, reward: task.trajectory.reward }, options);
        const next: MemoryEntry = {
          ...target,
          script: fix.script,
          version: versionOf(target) + 1,
          provenance: { ...target.provenance, model: options.modelName ?? target.provenance.model, updatedAt: now() },
        };
        await store.update(next);
        history.push({
          id: target.id,
          version: versionOf(next),
          at: now(),
          event: "adjusted",
          previous: target,
          cause: { task: task.trajectory.task, source: task.source, success: false, analysis: fix.analysis },
          model: options.modelName ?? null,
        });
        rewritten++;
        if (!report.adjusted.includes(target.id)) report.adjusted.push(target.id);
        if (fix.fallback) report.fallbacks.push({ id: target.id, task: task.trajectory.task, kind: "prose-script", detail: fix.fallback });
      } catch (err) {
        if (options.signal?.aborted) throw err;
        report.failed.push({ task: task.trajectory.task, error: (err as Error).message.split("\n")[0]! });
      }
    }
    if (report.failed.length >= failureLimit) abandon(`gave up after ${report.failed.length} failed rewrites (the limit is ${failureLimit})`);
    const built = await buildMemory(
      bank,
      keep.map((t, i) => ({ trajectory: { ...t.trajectory, success: succeeded(t) }, source: t.source ?? `batch#${i}` })),
      {
        kind: buildKind,
        model: options.model,
        modelName: options.modelName,
        concurrency: options.concurrency,
        actionVocabulary: options.actionVocabulary,
        signal: options.signal,
        progress: false,
        structuredOutput: options.structuredOutput,
        maxFailures: failureLimit === Infinity ? undefined : failureLimit - report.failed.length,
      },
    );
    report.added = built.ids;
    report.failed.push(...built.failed.map((f) => ({ task: f.task, error: f.error })));
    report.fallbacks.push(...built.fallbacks.map((f) => ({ id: f.id, task: f.task, kind: f.kind, detail: f.detail })));
    if (built.stopped) abandon(`gave up after ${report.failed.length} failures (the limit is ${failureLimit})`);
    if (options.abandonWhenAllFail && report.failed.length > 0 && rewritten === 0 && built.built === 0) {
      abandon(`nothing was ${options.policy === "adjustment" ? "rewritten or built" : "built"}: all ${report.failed.length} model-backed step${report.failed.length === 1 ? "" : "s"} failed`);
    }

    // 4. Merge near-duplicates: each new entry against the most similar other entry of its kind.
    if (options.mergeThreshold !== undefined) {
      for (const id of built.ids) {
        const fresh = store.get(id);
        if (!fresh) continue;
        const twin = store
          .searchVector("task", store.vectorOf(id, "task")!, 8)
          .filter((h) => h.id !== id && h.score >= options.mergeThreshold! && store.get(h.id)?.kind === fresh.kind)[0];
        if (!twin) continue;
        const other = store.get(twin.id)!;
        const [kept, absorbed] = byUsefulness(fresh, other) >= 0 ? [fresh, other] : [other, fresh];
        const merged: MemoryEntry = {
          ...kept,
          stats: { hits: kept.stats.hits + absorbed.stats.hits, successes: kept.stats.successes + absorbed.stats.successes },
          version: versionOf(kept) + 1,
          provenance: { ...kept.provenance, updatedAt: now() },
        };
        await store.update(merged);
        history.push({ id: kept.id, version: versionOf(merged), at: now(), event: "merged", previous: kept, cause: { absorbed, reason: `task similarity ${twin.score.toFixed(3)}` } });
        retire(absorbed, `merged into ${kept.id} (task similarity ${twin.score.toFixed(3)})`);
        await store.delete([absorbed.id]);
        report.merged.push({ kept: kept.id, absorbed: absorbed.id });
        report.added = report.added.filter((a) => a !== absorbed.id);
      }
    }

    // 5. The cap: retire the least useful entries first.
    if (options.maxEntries !== undefined && store.size() > options.maxEntries) {
      const over = store.list().sort(byUsefulness).slice(0, store.size() - options.maxEntries);
      for (const e of over) retire(e, `over the cap of ${options.maxEntries} entries (utility ${utility(e).toFixed(3)})`);
      await store.delete(over.map((e) => e.id));
      const gone = new Set(over.map((e) => e.id));
      report.added = report.added.filter((a) => !gone.has(a));
    }

    await appendRecords(store, ARCHIVE_FILE, archive);
    await appendRecords(store, HISTORY_FILE, history);
    await appendRecords(store, UPDATE_LOG_FILE, [{ at: now(), batch: batch.length, ...report }]);
  });
  return report;
}

export type { RetiredEntry };
