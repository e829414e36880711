import { randomUUID } from "node:crypto";
import type { RunnableConfig } from "@langchain/core/runnables";
import { ConfigError, InputError } from "../core/errors.js";
import type { Trajectory } from "../core/trajectory.js";
import type { MemoryBank } from "./bank.js";
import { formatGuidelines, resolveRetrieval, retrieveWith, taskFacts, type ResolvedRetrieval, type RetrievalOptions, type RetrievedEntry } from "./retrieve/index.js";
import { needsFacts } from "./retrieve/options.js";
import { ReadWriteLock } from "./rw-lock.js";
import type { MemoryEntry } from "./types.js";
import { updateMemory } from "./update/index.js";
import { getUpdatePolicy } from "./update/policies.js";
import type { FinishedTask, UpdateOptions, UpdatePolicyName, UpdateReport } from "./update/types.js";

/** Update settings of a commit; the policy defaults to "vanilla". A tag names one commit, so it is never a default. */
export type CommitOptions = Omit<UpdateOptions, "policy" | "tag"> & { policy?: UpdatePolicyName };

export interface MemorySessionOptions {
  bank: MemoryBank;
  /** How tasks retrieve (default policy "query", k 3); checked here, once. */
  retrieval?: RetrievalOptions;
  /** Defaults of every `commit()`. */
  update?: CommitOptions;
}

/** What one task was shown: handed back to `record` so the update books those entries. */
export interface RetrievalTicket {
  /** Unique per retrieval, so two runs of one task stay apart. */
  readonly id: string;
  readonly task: string;
  /** The entries shown, best first. */
  readonly retrieved: RetrievedEntry[];
  /** `formatGuidelines(retrieved)`: "" when nothing was retrieved. */
  readonly guidelines: string;
}

export interface SessionRetrieveOptions {
  /** Entries this task must not see, e.g. `excludeSource(env, game)` for its own episode. */
  exclude?: (entry: MemoryEntry) => boolean;
  /** The task's facts (facts, ave_fact); otherwise the retrieval model extracts them. */
  facts?: Record<string, string>;
  signal?: AbortSignal;
  /** Callbacks and tags for the facts extraction call, to keep it inside the caller's trace. */
  config?: RunnableConfig;
}

/** The entries a task was shown: a ticket, or their ids when only those survived (e.g. in an agent's state). */
export type ShownEntries = RetrievalTicket | { task: string; retrieved: string[] };

export interface TaskOutcome {
  trajectory: Trajectory;
  /** The environment's verdict; `undefined` is unknown, which the update counts as a failure. */
  success: boolean | undefined;
  /** Where the run came from (an episode id, a results line); kept in provenance. */
  source?: string;
}

/**
 * Procedural memory for a stream of tasks: `retrieve` what a task is shown, `record` how it went,
 * `commit` the batch as one update. Every adapter (ProceduralMemory, the agent middleware) and the
 * experiment runners go through a session, so that per-task bookkeeping lives in one place.
 *
 * Retrievals run concurrently with each other; a commit waits for the running ones and holds new
 * ones back until the memory is in its new state. An update applies its changes in memory between
 * model calls, so without this a retrieval could see a half-applied update (stats booked, an entry
 * not yet rewritten). Commits run one at a time.
 */
export class MemorySession {
  readonly bank: MemoryBank;
  readonly retrieval: ResolvedRetrieval;
  readonly updateDefaults: CommitOptions;
  private readonly lock = new ReadWriteLock();
  private batch: FinishedTask[] = [];
  private readonly shown = new Map<string, RetrievalTicket[]>();
  private readonly recorded = new WeakSet<RetrievalTicket>();

  constructor(options: MemorySessionOptions) {
    if (!options?.bank) throw new ConfigError("MemorySession needs a MemoryBank ({ bank })");
    this.bank = options.bank;
    this.retrieval = resolveRetrieval(options.retrieval);
    this.updateDefaults = { ...(options.update ?? {}) };
    if (this.updateDefaults.policy !== undefined) checkPolicy(this.updateDefaults.policy);
  }

  /** Finished tasks recorded since the last commit (a copy). */
  get pending(): readonly FinishedTask[] {
    return this.batch.slice();
  }

  /** Retrieves for a task and renders the guidelines. Records nothing until `record`. */
  async retrieve(task: string, options: SessionRetrieveOptions = {}): Promise<RetrievalTicket> {
    const text = checkTask(task);
    const signal = options.signal ?? options.config?.signal;
    // A facts extraction is a model call that reads no entry: it runs before the read lock, so a
    // slow model does not hold commits back.
    const facts = needsFacts(this.retrieval.policy)
      ? await taskFacts({ task: text, k: this.retrieval.k, facts: options.facts }, { bank: this.bank, model: this.retrieval.model, signal, config: options.config })
      : options.facts;
    const retrieved = await this.lock.read(() => retrieveWith(this.bank, this.retrieval, { task: text, facts, exclude: options.exclude }, { signal, config: options.config }));
    return { id: randomUUID(), task: text, retrieved, guidelines: formatGuidelines(retrieved) };
  }

  /**
   * Keeps a ticket until `takeShown(task)`, for callers that carry only the task text from
   * retrieval to record (BaseMemory's loadMemoryVariables / saveContext).
   */
  markShown(ticket: RetrievalTicket): void {
    const queue = this.shown.get(ticket.task) ?? [];
    queue.push(ticket);
    this.shown.set(ticket.task, queue);
  }

  /** The oldest unrecorded ticket marked for this task, first-in first-out, so overlapping runs of one task pair up in order. */
  takeShown(task: string): RetrievalTicket | undefined {
    const key = task.trim();
    const queue = this.shown.get(key);
    let ticket: RetrievalTicket | undefined;
    while (queue && queue.length > 0 && !ticket) {
      const next = queue.shift()!;
      if (!this.recorded.has(next)) ticket = next;
    }
    if (queue?.length === 0) this.shown.delete(key);
    return ticket;
  }

  /** Adds a finished task to the pending batch, attributed to what it was shown. A ticket is recorded once. */
  record(shown: ShownEntries, outcome: TaskOutcome): FinishedTask {
    const { trajectory, success, source } = outcome;
    if (success !== undefined && typeof success !== "boolean") throw new InputError(`expected a boolean or undefined, got ${JSON.stringify(success)}`, { field: "success" });
    if (isTicket(shown)) {
      // Booking one retrieval twice would count its hits twice.
      if (this.recorded.has(shown)) throw new InputError(`retrieval ${shown.id} ("${shown.task}") was already recorded`, { field: "ticket" });
      this.recorded.add(shown);
    }
    const finished: FinishedTask = {
      trajectory: success === undefined ? { ...trajectory } : { ...trajectory, success },
      success,
      retrieved: isTicket(shown) ? shown.retrieved.map((r) => r.entry.id) : [...shown.retrieved],
    };
    if (source !== undefined) finished.source = source;
    this.batch.push(finished);
    return finished;
  }

  /**
   * Applies the update to what is pending now. Tasks recorded after this call wait for the next
   * commit. If the update fails, its batch is put back in front of them and the error rethrown.
   * With a `tag`, the update log records it in the same commit (see `updateTags`).
   */
  async commit(options: CommitOptions & { tag?: string } = {}): Promise<UpdateReport> {
    const settings = { ...this.updateDefaults, ...definedOnly(options) };
    const policy = checkPolicy(settings.policy ?? "vanilla");
    const batch = this.batch;
    this.batch = [];
    try {
      return await this.lock.write(() => updateMemory(this.bank, batch, { ...settings, policy }));
    } catch (err) {
      this.batch = [...batch, ...this.batch];
      throw err;
    }
  }
}

function isTicket(shown: ShownEntries): shown is RetrievalTicket {
  return "id" in shown && "guidelines" in shown;
}

function checkTask(task: unknown): string {
  const text = typeof task === "string" ? task.trim() : "";
  if (!text) throw new InputError(`expected the task as a non-empty string, got ${JSON.stringify(task)}`, { field: "task" });
  return text;
}

function checkPolicy(policy: string): UpdatePolicyName {
  return getUpdatePolicy(policy).name;
}

// `{ policy: undefined }` from a caller means "no preference", not "clear the default".
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
