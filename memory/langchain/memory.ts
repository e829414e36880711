import type { AgentAction, AgentStep } from "@langchain/core/agents";
import { BaseMemory, type InputValues, type MemoryVariables, type OutputValues } from "@langchain/core/memory";
import { ConfigError, InputError } from "../../core/errors.js";
import type { Trajectory, TrajectoryStep } from "../../core/trajectory.js";
import type { MemoryBank } from "../bank.js";
import type { ResolvedRetrieval, RetrievalOptions } from "../retrieve/index.js";
import { MemorySession, type CommitOptions, type RetrievalTicket, type SessionRetrieveOptions } from "../session.js";
import type { FinishedTask, UpdatePolicyName, UpdateReport } from "../update/types.js";
import { asText, defaultFormatAction, finishStep, type ActionFormatter } from "./shared.js";

export const DEFAULT_MEMORY_KEY = "procedural_memory";

/** The episode's success as an input or output value: a boolean, or a function asked at save time. */
export type SuccessValue = boolean | undefined | (() => boolean | undefined | Promise<boolean | undefined>);

export interface ProceduralMemoryInput {
  /** The memory; a session is made for it from `retrieval` and `update`. */
  bank?: MemoryBank;
  /** Or a session shared with other adapters or a runner (then `retrieval` and `update` are the session's). */
  session?: MemorySession;
  /** The prompt variable the guidelines are written to (default "procedural_memory"). */
  memoryKey?: string;
  /** Input key holding the task (default "input" when present, else the only other input key). */
  inputKey?: string;
  /** Output key holding the final answer (default "output"). */
  outputKey?: string;
  /**
   * Input or output key holding the episode's success (default "success"; outputs win): a boolean,
   * or a function called when the episode is saved, e.g. `success: () => env.won`, since the
   * verdict is only known once the agent has finished.
   */
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

/**
 * Procedural memory as a LangChain `BaseMemory`, a thin adapter over a `MemorySession`:
 * `loadMemoryVariables` puts the guidelines of the entries retrieved for the task into the prompt,
 * `saveContext` records the finished episode against what it was shown, and `commit` applies the
 * update policy to the pending batch. Works as `AgentExecutor({ memory })` and in LCEL chains.
 *
 * BaseMemory carries no ticket from load to save, so the pairing is by task text, first-in
 * first-out (the session's `markShown` / `takeShown`): `.batch` and overlapping runs of different
 * tasks attribute correctly.
 */
export class ProceduralMemory extends BaseMemory {
  readonly session: MemorySession;
  readonly memoryKey: string;
  readonly inputKey?: string;
  readonly outputKey: string;
  readonly successKey: string;
  private readonly judge?: ProceduralMemoryInput["judge"];
  private readonly formatAction: ActionFormatter;

  constructor(fields: ProceduralMemoryInput) {
    super();
    this.session = sessionOf(fields);
    this.memoryKey = fields.memoryKey ?? DEFAULT_MEMORY_KEY;
    this.inputKey = fields.inputKey;
    this.outputKey = fields.outputKey ?? "output";
    this.successKey = fields.successKey ?? "success";
    this.judge = fields.judge;
    this.formatAction = fields.formatAction ?? defaultFormatAction;
  }

  get bank(): MemoryBank {
    return this.session.bank;
  }

  get retrieval(): ResolvedRetrieval {
    return this.session.retrieval;
  }

  get memoryKeys(): string[] {
    return [this.memoryKey];
  }

  /** Finished tasks recorded since the last commit (a copy). */
  get pending(): readonly FinishedTask[] {
    return this.session.pending;
  }

  /** Retrieves for a task and renders the guidelines, without recording anything. */
  retrieve(task: string, options?: SessionRetrieveOptions): Promise<RetrievalTicket> {
    return this.session.retrieve(task, options);
  }

  async loadMemoryVariables(values: InputValues): Promise<MemoryVariables> {
    const task = this.taskOf(values);
    const signal = values.signal instanceof AbortSignal ? values.signal : undefined;
    const ticket = await this.session.retrieve(task, { signal });
    this.session.markShown(ticket);
    return { [this.memoryKey]: ticket.guidelines };
  }

  async saveContext(inputValues: InputValues, outputValues: OutputValues): Promise<void> {
    const task = this.taskOf(inputValues);
    // Taken before any await, so that saves of one task pair with loads in call order.
    const shown = this.session.takeShown(task) ?? { task, retrieved: [] };
    const steps = this.stepsOf(outputValues);
    const answer = outputValues[this.outputKey];
    if (typeof answer === "string" && answer.trim() && !STOPPED.test(answer)) steps.push(finishStep(answer));
    const trajectory: Trajectory = { task, steps };
    const success = (await this.successOf(inputValues, outputValues)) ?? (await this.judge?.({ inputs: inputValues, outputs: outputValues, trajectory }));
    this.session.record(shown, { trajectory, success });
  }

  /**
   * Applies the update to the pending batch (see `MemorySession.commit`): commits run one at a
   * time, and a failed one puts its batch back and rethrows.
   */
  commit(policy?: UpdatePolicyName | (CommitOptions & { tag?: string })): Promise<UpdateReport> {
    return this.session.commit(typeof policy === "string" ? { policy } : policy);
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

  private async successOf(inputs: InputValues, outputs: OutputValues): Promise<boolean | undefined> {
    for (const source of [outputs, inputs]) {
      const raw: unknown = source[this.successKey];
      const v: unknown = typeof raw === "function" ? await (raw as Extract<SuccessValue, () => unknown>)() : raw;
      if (v === undefined || v === null) continue;
      if (typeof v !== "boolean") throw new InputError(`expected a boolean (or a function returning one), got ${asText(v)}`, { field: this.successKey });
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
}

function sessionOf(fields: ProceduralMemoryInput): MemorySession {
  if (fields?.session) {
    if (fields.retrieval || fields.update || (fields.bank && fields.bank !== fields.session.bank)) {
      throw new ConfigError("ProceduralMemory was given a session: set bank, retrieval and update on the MemorySession");
    }
    return fields.session;
  }
  if (!fields?.bank) throw new ConfigError("ProceduralMemory needs a MemoryBank ({ bank }) or a MemorySession ({ session })");
  return new MemorySession({ bank: fields.bank, retrieval: fields.retrieval, update: fields.update });
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
