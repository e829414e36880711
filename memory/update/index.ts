import type { MemoryBank } from "../bank.js";
import { buildEntries } from "../build/runner.js";
import { getBuildPolicy } from "../build/policies.js";
import { ConfigError, MempError, hasKind } from "../../core/errors.js";
import type { StructuredOutputMode } from "../../core/util/model-json.js";
import type { BuildFallback } from "../build/types.js";
import type { MemoryEntry } from "../types.js";
import { adjustEntry } from "./adjust.js";
import type { MemoryStore } from "../store/types.js";
import { versionOf, type HistoryRecord } from "./records.js";
import { getUpdatePolicy } from "./policies.js";
import type { FinishedTask, RetiredEntry, UpdateOptions, UpdateReport } from "./types.js";
import { alreadyApplied, checkTag, tagsOf } from "./tags.js";
import { byUsefulness, utility } from "./utility.js";

export * from "./types.js";
export { utility, byUsefulness } from "./utility.js";
export { adjustEntry, type Adjustment } from "./adjust.js";
export { ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE, ArchiveRecordSchema, HistoryRecordSchema, type ArchiveRecord, type HistoryRecord } from "./records.js";
export { entryHistory, restoreEntry, archivedEntries } from "./archive.js";
export { updateTags } from "./tags.js";
export { registerUpdatePolicy, getUpdatePolicy, updatePolicyNames, vanillaPolicy, validationPolicy, adjustmentPolicy, type UpdatePolicy, type UpdatePlan } from "./policies.js";

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

/** A rewrite decided outside the transaction, applied inside it. */
interface Rewrite {
  id: string;
  script: string;
  analysis: string;
  task: FinishedTask;
}

/**
 * Applies a finished batch to the memory, in MemP's order: book-keeping (hits and successes of the
 * entries each task was shown), deprecation of entries that keep failing, then the policy (see
 * `UpdatePolicy`: which runs become entries, which failures correct the entry that misled them).
 * Then, beyond MemP: near-duplicates are merged and the memory is held to its cap.
 *
 * Every model call (rewrites, builds) and embedding is made first; the changes are then applied
 * in one transaction, so that a server memory holds its locks for milliseconds, not for model
 * calls, and other agents' increments and rewrites of the same entries are never lost.
 */
export async function updateMemory(bank: MemoryBank, batch: FinishedTask[], options: UpdateOptions & UpdateFailureOptions): Promise<UpdateReportWithFallbacks> {
  const policy = getUpdatePolicy(options.policy);
  const minHits = options.minHits ?? 3;
  const minRate = options.minRate ?? 0.5;
  const buildKind = options.buildKind ?? (options.model ? "proceduralization" : "trajectory");
  if (getBuildPolicy(buildKind).needsModel && !options.model) throw new ConfigError(`building "${buildKind}" entries needs a chat model`);
  if (policy.needsModel && !options.model) throw new ConfigError(`the ${policy.name} policy rewrites entries with a chat model`);
  checkTag(options.tag);
  const store = bank.store;
  // Checked again inside the transaction; here it saves the model calls of a batch already applied.
  if (options.tag !== undefined && (await tagsOf(store)).has(options.tag)) throw alreadyApplied(store, options.tag);

  const plan = policy.plan(batch, succeeded);
  const failed: UpdateReport["failed"] = [];
  const fallbacks: UpdateFallback[] = [];
  const modelWork = plan.reflect.length + (getBuildPolicy(buildKind).needsModel ? plan.add.length : 0);
  const failureLimit = Math.min(
    options.maxFailures ?? Infinity,
    options.maxFailureRate !== undefined ? Math.max(1, Math.ceil(options.maxFailureRate * modelWork)) : Infinity,
  );
  const abandon = (why: string): never => {
    const undone: UpdateReportWithFallbacks = { policy: policy.name, ...(options.tag === undefined ? {} : { tag: options.tag }), stats: [], added: [], adjusted: [], retired: [], merged: [], failed, fallbacks: [] };
    throw new UpdateAbandonedError(`${why}; the update was rolled back and the memory is unchanged`, undone);
  };

  // 1. What the book-keeping will do, so that an entry about to be deprecated is not rewritten.
  const deltas = bookkeeping(batch);
  const shown = new Map((await store.getMany([...deltas.keys()])).map((e) => [e.id, e]));
  const doomed = new Set(
    [...shown.values()]
      .filter((e) => deprecates({ hits: e.stats.hits + deltas.get(e.id)!.hits, successes: e.stats.successes + deltas.get(e.id)!.successes }, minHits, minRate))
      .map((e) => e.id),
  );

  // 2. Reflection on failures, outside the transaction.
  const rewrites: Rewrite[] = [];
  for (const task of plan.reflect) {
    if (failed.length >= failureLimit) break;
    const target = task.retrieved.map((id) => shown.get(id)).find((e): e is MemoryEntry => e !== undefined && !doomed.has(e.id));
    if (!target) continue;
    try {
      const fix = await adjustEntry(options.model!, target, { trajectory: task.trajectory, reward: task.trajectory.reward }, options);
      rewrites.push({ id: target.id, script: fix.script, analysis: fix.analysis, task });
      if (fix.fallback) fallbacks.push({ id: target.id, task: task.trajectory.task, kind: "prose-script", detail: fix.fallback });
    } catch (err) {
      if (options.signal?.aborted || options.config?.signal?.aborted) throw err;
      failed.push({ task: task.trajectory.task, error: (err as Error).message.split("\n")[0]! });
    }
  }
  if (failed.length >= failureLimit) abandon(`gave up after ${failed.length} failed rewrites (the limit is ${failureLimit})`);

  // 3. The runs the policy keeps, built and embedded outside the transaction.
  const built = await buildEntries(
    bank,
    plan.add.map((t, i) => ({ trajectory: { ...t.trajectory, success: succeeded(t) }, source: t.source ?? `batch#${i}` })),
    {
      kind: buildKind,
      model: options.model,
      modelName: options.modelName,
      concurrency: options.concurrency,
      actionVocabulary: options.actionVocabulary,
      signal: options.signal,
      config: options.config,
      progress: false,
      structuredOutput: options.structuredOutput,
      maxFailures: failureLimit === Infinity ? undefined : failureLimit - failed.length,
    },
  );
  failed.push(...built.failed.map((f) => ({ task: f.task, error: f.error })));
  fallbacks.push(...built.fallbacks.map((f) => ({ id: f.id, task: f.task, kind: f.kind, detail: f.detail })));
  if (built.stopped) abandon(`gave up after ${failed.length} failures (the limit is ${failureLimit})`);
  if (options.abandonWhenAllFail && failed.length > 0 && rewrites.length === 0 && built.built === 0) {
    abandon(`nothing was ${policy.needsModel ? "rewritten or built" : "built"}: all ${failed.length} model-backed step${failed.length === 1 ? "" : "s"} failed`);
  }
  const fresh = await bank.prepare(built.entries);

  // 4. Everything else lands in one transaction (a server store may run it again on a conflict).
  return store.transaction(async (tx) => {
    const report: UpdateReportWithFallbacks = {
      policy: policy.name,
      ...(options.tag === undefined ? {} : { tag: options.tag }),
      stats: [],
      added: [],
      adjusted: [],
      retired: [],
      merged: [],
      failed: [...failed],
      fallbacks: [...fallbacks],
    };
    if (options.tag !== undefined && (await tagsOf(tx)).has(options.tag)) throw alreadyApplied(tx, options.tag);
    const now = () => new Date().toISOString();
    const history: HistoryRecord[] = [];
    const retire = async (entries: MemoryEntry[], why: (e: MemoryEntry) => string) => {
      const records = await tx.retire(entries.map((e) => ({ id: e.id, reason: why(e) })));
      for (const r of records) {
        history.push({ id: r.entry.id, version: versionOf(r.entry), at: r.retiredAt, event: "retired", previous: r.entry, cause: { reason: r.reason } });
        report.retired.push({ id: r.entry.id, reason: r.reason });
      }
    };
    await tx.lock([...deltas.keys(), ...rewrites.map((r) => r.id)]);

    // Book-keeping, then deprecation of the entries whose record just changed.
    const live = await tx.getMany([...deltas.keys()]);
    await tx.incrementStats(live.map((e) => ({ id: e.id, ...deltas.get(e.id)! })));
    const counted = await tx.getMany(live.map((e) => e.id));
    report.stats = counted.map((e) => ({ id: e.id, ...e.stats }));
    await retire(
      counted.filter((e) => deprecates(e.stats, minHits, minRate)),
      (e) => `success rate ${e.stats.successes}/${e.stats.hits} is below ${minRate} after ${e.stats.hits} hits`,
    );

    // Rewrites, each on the entry as it is now (another writer may have changed it meanwhile).
    for (const rewrite of rewrites) {
      const current = await tx.get(rewrite.id);
      if (!current) continue;
      const { previous, current: next } = await tx.update({
        ...current,
        script: rewrite.script,
        provenance: { ...current.provenance, model: options.modelName ?? current.provenance.model, updatedAt: now() },
      });
      const { task } = rewrite;
      history.push({
        id: next.id,
        version: versionOf(next),
        at: now(),
        event: "adjusted",
        previous,
        cause: { task: task.trajectory.task, source: task.source, success: false, analysis: rewrite.analysis },
        model: options.modelName ?? null,
      });
      if (!report.adjusted.includes(next.id)) report.adjusted.push(next.id);
    }

    // New entries (another writer may have added the same task meanwhile: then it is kept).
    const taken = new Set((await tx.getMany(fresh.entries.map((e) => e.id))).map((e) => e.id));
    const adding = fresh.entries.map((e, i) => ({ entry: e, vectors: fresh.vectors[i]! })).filter((x) => !taken.has(x.entry.id));
    await tx.add(adding.map((x) => x.entry), adding.map((x) => x.vectors));
    report.added = adding.map((x) => x.entry.id);

    if (options.mergeThreshold !== undefined) await mergeNearDuplicates(tx, report, history, retire, options.mergeThreshold, now);

    // The cap: retire the least useful entries first.
    if (options.maxEntries !== undefined) {
      const size = await tx.size();
      if (size > options.maxEntries) {
        const over = (await tx.list()).sort(byUsefulness).slice(0, size - options.maxEntries);
        await retire(over, (e) => `over the cap of ${options.maxEntries} entries (utility ${utility(e).toFixed(3)})`);
        const gone = new Set(over.map((e) => e.id));
        report.added = report.added.filter((a) => !gone.has(a));
      }
    }

    await tx.appendLog("history", history);
    await tx.appendLog("updates", [{ at: now(), batch: batch.length, ...report }]);
    return report;
  });
}

/** Hits and successes per entry: a task shown the same entry twice counts once. */
function bookkeeping(batch: FinishedTask[]): Map<string, { hits: number; successes: number }> {
  const deltas = new Map<string, { hits: number; successes: number }>();
  for (const task of batch) {
    for (const id of new Set(task.retrieved)) {
      const d = deltas.get(id) ?? { hits: 0, successes: 0 };
      d.hits++;
      if (succeeded(task)) d.successes++;
      deltas.set(id, d);
    }
  }
  return deltas;
}

function deprecates(stats: { hits: number; successes: number }, minHits: number, minRate: number): boolean {
  return stats.hits >= minHits && stats.successes / stats.hits < minRate;
}

/** Each new entry against the most similar other entry of its kind: the more useful one absorbs the other. */
async function mergeNearDuplicates(
  tx: MemoryStore,
  report: UpdateReportWithFallbacks,
  history: HistoryRecord[],
  retire: (entries: MemoryEntry[], why: (e: MemoryEntry) => string) => Promise<void>,
  threshold: number,
  now: () => string,
): Promise<void> {
  for (const id of [...report.added]) {
    const fresh = await tx.get(id);
    const vector = fresh && (await tx.vectorOf(id, "task"));
    if (!fresh || !vector) continue;
    const candidates = (await tx.search("task", vector, 8)).filter((h) => h.id !== id && h.score >= threshold);
    const others = new Map((await tx.getMany(candidates.map((h) => h.id))).map((e) => [e.id, e]));
    const twin = candidates.find((h) => others.get(h.id)?.kind === fresh.kind);
    if (!twin) continue;
    await tx.lock([id, twin.id]);
    const other = (await tx.get(twin.id))!;
    const [kept, absorbed] = byUsefulness(fresh, other) >= 0 ? [fresh, other] : [other, fresh];
    const { previous, current } = await tx.update({
      ...kept,
      stats: { hits: kept.stats.hits + absorbed.stats.hits, successes: kept.stats.successes + absorbed.stats.successes },
      provenance: { ...kept.provenance, updatedAt: now() },
    });
    const reason = `task similarity ${twin.score.toFixed(3)}`;
    history.push({ id: kept.id, version: versionOf(current), at: now(), event: "merged", previous, cause: { absorbed, reason } });
    await retire([absorbed], () => `merged into ${kept.id} (${reason})`);
    report.merged.push({ kept: kept.id, absorbed: absorbed.id });
    report.added = report.added.filter((a) => a !== absorbed.id);
  }
}

export type { RetiredEntry };
