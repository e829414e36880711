import type { AgentAction, AgentStep } from "@langchain/core/agents";
import { BaseMemory, type InputValues, type MemoryVariables, type OutputValues } from "@langchain/core/memory";
import { ConfigError, InputError } from "../../src/errors.js";
import type { Trajectory, TrajectoryStep } from "../../src/trajectory.js";
import type { MemoryBank } from "../bank.js";
import { formatGuidelines, type RetrievedEntry } from "../retrieve/index.js";
import { updateMemory } from "../update/index.js";
import { UPDATE_POLICIES, type FinishedTask, type UpdateOptions, type UpdatePolicyName, type UpdateReport } from "../update/types.js";
import {
  asText,
  defaultFormatAction,
  finishStep,
  resolveRetrieval,
  retrieveFor,
  type ActionFormatter,
  type ResolvedRetrieval,
  type RetrievalOptions,
} from "./shared.js";

export const DEFAULT_MEMORY_KEY = "procedural_memory";

/** Update settings used by `commit()` when it is called without a policy (default policy "vanilla"). */
export type CommitOptions = Omit<UpdateOptions, "policy"> & { policy?: UpdatePolicyName };

export interface ProceduralMemoryInput {
  bank: MemoryBank;
  /** The prompt variable the guidelines are written to (default "procedural_memory"). */
  memoryKey?: string;
  /** Input key holding the task (default "input" when present, else the only other input key). */
  inputKey?: string;
  /** Output key holding the final answer (default "output"). */
  outputKey?: string;
  /** Input or output key holding the episode's success as a boolean (default "success"; outputs win). */
  successKey?: string;
  /**
   * Decides success from the finished episode when neither inputs nor outputs carry it, e.g. by
   * reading the last observation. `undefined` leaves it unknown, which the update counts as a failure.
   */
  judge?: (episode: { inputs: InputValues; outputs: OutputValues; trajectory: Trajectory }) => boolean | undefined | Promise<boolean | undefined>;
  /** Renders a tool call as a trajectory action (default `tool[input]`). */
  formatAction?: ActionFormatter;
  retrieval?: RetrievalOptions;
  /** Defaults for `commit()` (policy, model for proceduralization/adjustment, deprecation thresholds...). */
  update?: CommitOptions;
}

/** What was shown for one task, kept from `loadMemoryVariables` until that task's `saveContext`. */
export interface Retrieval {
  task: string;
  retrieved: RetrievedEntry[];
  /** The rendered guidelines ("" when nothing was retrieved). */
  guidelines: string;
}

/**
 * Procedural memory as a LangChain `BaseMemory`: `loadMemoryVariables` puts the guidelines of the
 * entries retrieved for the task into the prompt, `saveContext` records the finished episode
 * (with the ids it was shown, for attribution) into a pending batch, and `commit` applies the
 * update policy to that batch. Works as `AgentExecutor({ memory })` and in LCEL chains.
 *
 * The attribution queue is keyed by task text: a `saveContext` takes the ids of the oldest
 * unanswered `loadMemoryVariables` for the same task, so concurrent runs of different tasks (and
 * `.batch`) attribute correctly.
 */
export class ProceduralMemory extends BaseMemory {
  readonly bank: MemoryBank;
  readonly memoryKey: string;
  readonly inputKey?: string;
  readonly outputKey: string;
  readonly successKey: string;
  readonly retrieval: ResolvedRetrieval;
  private readonly judge?: ProceduralMemoryInput["judge"];
  private readonly formatAction: ActionFormatter;
  private readonly updateDefaults: CommitOptions;
  private readonly shown = new Map<string, string[][]>();
  private batch: FinishedTask[] = [];
  private committing: Promise<unknown> = Promise.resolve();

  constructor(fields: ProceduralMemoryInput) {
    super();
    if (!fields?.bank) throw new ConfigError("ProceduralMemory needs a MemoryBank ({ bank })");
    this.bank = fields.bank;
    this.memoryKey = fields.memoryKey ?? DEFAULT_MEMORY_KEY;
    this.inputKey = fields.inputKey;
    this.outputKey = fields.outputKey ?? "output";
    this.successKey = fields.successKey ?? "success";
    this.judge = fields.judge;
    this.formatAction = fields.formatAction ?? defaultFormatAction;
    this.retrieval = resolveRetrieval(fields.retrieval);
    this.updateDefaults = fields.update ?? {};
    if (this.updateDefaults.policy) checkPolicy(this.updateDefaults.policy);
  }

  get memoryKeys(): string[] {
    return [this.memoryKey];
  }

  /** Finished tasks recorded since the last commit (a copy). */
  get pending(): readonly FinishedTask[] {
    return this.batch.slice();
  }

  /** Retrieves for a task and renders the guidelines, without recording anything. */
  async retrieve(task: string, signal?: AbortSignal): Promise<Retrieval> {
    const retrieved = await retrieveFor(this.bank, this.retrieval, task, signal);
    return { task, retrieved, guidelines: formatGuidelines(retrieved) };
  }

  async loadMemoryVariables(values: InputValues): Promise<MemoryVariables> {
    const task = this.taskOf(values);
    const { retrieved, guidelines } = await this.retrieve(task);
    const queue = this.shown.get(task) ?? [];
    queue.push(retrieved.map((r) => r.entry.id));
    this.shown.set(task, queue);
    return { [this.memoryKey]: guidelines };
  }

  async saveContext(inputValues: InputValues, outputValues: OutputValues): Promise<void> {
    const task = this.taskOf(inputValues);
    const steps = this.stepsOf(outputValues);
    const answer = outputValues[this.outputKey];
    if (typeof answer === "string" && answer.trim() && !STOPPED.test(answer)) steps.push(finishStep(answer));
    const trajectory: Trajectory = { task, steps };
    const success = this.successOf(inputValues, outputValues) ?? (await this.judge?.({ inputs: inputValues, outputs: outputValues, trajectory }));
    if (success !== undefined) trajectory.success = success;
    this.record({ trajectory, success, retrieved: this.takeShown(task) });
  }

  /** Adds a finished task to the pending batch (what `saveContext` and the agent middleware do). */
  record(finished: FinishedTask): void {
    this.batch.push(finished);
  }

  /**
   * Applies the update to the pending batch and clears it. Commits run one at a time; tasks
   * recorded while a commit runs wait for the next one. If the update fails, the batch is put
   * back (nothing recorded is lost) and the error is rethrown.
   */
  commit(policy?: UpdatePolicyName | CommitOptions): Promise<UpdateReport> {
    const options = { ...this.updateDefaults, ...(typeof policy === "string" ? { policy } : policy) };
    const run = this.committing.then(async () => {
      const batch = this.batch;
      this.batch = [];
      try {
        return await updateMemory(this.bank, batch, { ...options, policy: checkPolicy(options.policy ?? "vanilla") });
      } catch (err) {
        this.batch = [...batch, ...this.batch];
        throw err;
      }
    });
    this.committing = run.catch(() => undefined);
    return run;
  }

  private taskOf(values: InputValues): string {
    const key = this.inputKey ?? this.defaultInputKey(values);
    const task = values[key];
    if (typeof task !== "string" || !task.trim()) {
      throw new InputError(`expected the task as a non-empty string in input "${key}", got ${asText(task) || typeof task}`, { field: key });
    }
    return task.trim();
  }

  private defaultInputKey(values: InputValues): string {
    if ("input" in values) return "input";
    const ignored = new Set([...this.memoryKeys, this.successKey, "stop", "signal", "timeout"]);
    const keys = Object.keys(values).filter((k) => !ignored.has(k));
    if (keys.length !== 1) {
      throw new ConfigError(`cannot tell the task among the inputs [${keys.join(", ")}]: set inputKey on ProceduralMemory`);
    }
    return keys[0]!;
  }

  private successOf(inputs: InputValues, outputs: OutputValues): boolean | undefined {
    for (const source of [outputs, inputs]) {
      const v = source[this.successKey];
      if (v === undefined || v === null) continue;
      if (typeof v !== "boolean") throw new InputError(`expected a boolean, got ${asText(v)}`, { field: this.successKey });
      return v;
    }
    return undefined;
  }

  /** AgentExecutor's intermediate steps (`returnIntermediateSteps: true`): `{action, observation}` or `[action, observation]`. */
  private stepsOf(outputs: OutputValues): TrajectoryStep[] {
    const raw: unknown = outputs.intermediateSteps ?? outputs.intermediate_steps;
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) throw new InputError("expected intermediateSteps to be an array", { field: "intermediateSteps" });
    return raw.map((s, i) => {
      const { action, observation } = Array.isArray(s) ? { action: s[0], observation: s[1] } : (s as Partial<AgentStep>);
      if (!isAgentAction(action)) throw new InputError(`step ${i}: expected an agent action with tool and toolInput`, { field: "intermediateSteps" });
      const step: TrajectoryStep = { action: this.formatAction(action.tool, action.toolInput), observation: asText(observation) };
      const thought = thoughtOf(action.log);
      if (thought) step.thought = thought;
      return step;
    });
  }

  private takeShown(task: string): string[] {
    const queue = this.shown.get(task);
    const ids = queue?.shift() ?? [];
    if (queue && queue.length === 0) this.shown.delete(task);
    return ids;
  }
}

/** AgentExecutor's answer when it ran out of iterations or time: not a conclusion worth keeping. */
const STOPPED = /^Agent stopped due to (max iterations|iteration limit or time limit)\.?$/;

function isAgentAction(value: unknown): value is AgentAction {
  return typeof value === "object" && value !== null && typeof (value as AgentAction).tool === "string" && "toolInput" in value;
}

/**
 * The thought of a text ReAct step is the log before its `Action:` line ("Thought:" prefix
 * dropped). Logs of other agents (tool-calling agents log `Invoking "tool" with ...`) carry no
 * thought of their own.
 */
export function thoughtOf(log: string | undefined): string | undefined {
  if (!log) return undefined;
  const at = log.search(/(^|\n)\s*Action\s*\d*\s*:/);
  if (at < 0) return undefined;
  const thought = log.slice(0, at).replace(/^\s*Thought\s*:\s*/i, "").trim();
  return thought || undefined;
}

function checkPolicy(policy: string): UpdatePolicyName {
  if (!(UPDATE_POLICIES as readonly string[]).includes(policy)) {
    throw new ConfigError(`unknown update policy "${policy}" (expected one of ${UPDATE_POLICIES.join(", ")})`);
  }
  return policy as UpdatePolicyName;
}
