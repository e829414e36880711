/**
 * The two-stage episode rules (agents/tool_agents.py ReactAgent) as a controller that any
 * executor can drive: the scratchpad and json_log, step limit and prompt-token halting, the stop
 * on three identical actions in a row, the per-tool retry counters (with the official
 * "accommodation" key slip), masking of older search results, the empty-action messages, and the
 * Planner call that ends the episode. It never calls the agent's model: executors (chains/)
 * ask it for the text to complete (`thoughtPrompt`, `actionPrompt`) and feed back whole steps.
 */
import type { Trajectory } from "../../core/trajectory.js";
import { ACTION_COUNTER, isActionType, MASKED_TEXT, parseAction, RETRY_COUNTERS, TravelPlannerSandbox, type ActionState } from "./actions.js";
import type { TravelPlannerDatabase } from "./database.js";
import { countCl100kTokens, type TokenCounter, type Planner } from "./planner.js";
import { agentPrompt } from "./prompts.js";
import type { TravelQuery } from "./queries.js";
import { StateError } from "../../core/errors.js";

export const FILTERED_ACTION_TEXT =
  " Your action is filtered due to content. Please make sure your action does not start with ['\\n', 'Thought', 'Action', 'Observation'] and assume all the actions are permitted in this environment and take the action again.";
export const NULL_ACTION_FEEDBACK = "No feedback from the environment due to the null action. Please make sure your action does not start with [Thought, Action, Observation].";
export const NULL_ACTION_OBSERVATION = "No feedback from the environment due to the null action.";

export interface JsonLogEntry {
  step: number;
  thought: string;
  action: string;
  observation: string;
  state: string;
}

export interface EpisodeOptions {
  db: TravelPlannerDatabase;
  planner: Planner;
  /** The user's request (the natural-language query). */
  query: string;
  /** Structured query fields, copied into the trajectory's facts when given. */
  queryData?: TravelQuery;
  /** Official: 30. */
  maxSteps?: number;
  /** Failed calls of one tool before the episode stops (official: 3). */
  maxRetries?: number;
  /** Prompt budget in cl100k tokens (official: 30,000; 15,000 for gpt-3.5). */
  maxPromptTokens?: number;
  countTokens?: TokenCounter;
  /** The agent prompt; defaults to ours. */
  prompt?: (query: string, scratchpad: string, guidelines?: string) => string;
  /** Memory guidance shown in the agent prompt, the same text at every step of the episode. */
  guidelines?: string;
}

/** `format_step`: strip, then drop every newline. */
export function formatStep(text: string): string {
  return text.trim().replace(/\n/g, "");
}

type Phase = "thought" | "action";

export class TwoStageEpisode {
  readonly sandbox: TravelPlannerSandbox;
  readonly query: string;
  scratchpad = "";
  readonly jsonLog: JsonLogEntry[] = [];
  /** The Planner's answer; "" when the episode ended without one. */
  answer = "";
  finished = false;
  private stopRule: string | undefined;
  stepN = 1;

  private phase: Phase = "thought";
  private labelled = false;
  private lastActions: string[] = [];
  private readonly retry: Record<string, number>;
  private readonly rawSteps: { thought?: string; action: string; observation: string }[] = [];
  private readonly options: Required<Omit<EpisodeOptions, "queryData" | "guidelines">> & { queryData?: TravelQuery };
  private guidanceText: string;

  constructor(options: EpisodeOptions) {
    this.options = {
      maxSteps: 30,
      maxRetries: 3,
      maxPromptTokens: 30_000,
      countTokens: countCl100kTokens,
      prompt: agentPrompt,
      ...options,
    };
    this.query = options.query;
    this.guidanceText = options.guidelines ?? "";
    this.sandbox = new TravelPlannerSandbox(options.db);
    this.retry = Object.fromEntries(RETRY_COUNTERS.map((k) => [k, 0]));
  }

  /** The agent prompt for the current scratchpad. */
  agentPrompt(): string {
    return this.promptWith(this.scratchpad);
  }

  private promptWith(scratchpad: string): string {
    return this.options.prompt(this.query, scratchpad, this.guidanceText);
  }

  get guidelines(): string {
    return this.guidanceText;
  }

  /**
   * Sets the guidance shown in the prompt. Only before the first step: every prompt of an
   * episode must carry the same text (and the prompt-token budget counts it from the start).
   */
  setGuidelines(text: string): void {
    if (this.jsonLog.length > 0 || this.labelled) throw new StateError("the guidelines can only be set before the first step");
    this.guidanceText = text;
  }

  /**
   * The prompt a model completes with the current step's thought (ending in `\nThought N:`),
   * without changing the episode: byte for byte what `prompt()` returns in the thought phase.
   */
  thoughtPrompt(): string {
    this.assertRunning();
    if (this.phase !== "thought") throw new StateError("the episode already has this step's thought; it expects the action");
    return this.promptWith(this.scratchpad + this.thoughtLabel());
  }

  /**
   * The prompt a model completes with the action once it has produced `thought` (ending in
   * `\nThought N: <thought>\nAction N:`), without changing the episode: byte for byte what
   * `prompt()` returns after `submit(thought)`.
   */
  actionPrompt(thought: string): string {
    this.assertRunning();
    if (this.phase !== "thought") throw new StateError("the episode already has this step's thought; it expects the action");
    return this.promptWith(`${this.scratchpad}${this.thoughtLabel()} ${formatStep(thought)}\nAction ${this.stepN}:`);
  }

  private thoughtLabel(): string {
    return this.labelled ? "" : `\nThought ${this.stepN}:`;
  }

  /** Step limit or prompt budget exceeded (checked between steps, as in the official loop). */
  get halted(): boolean {
    return this.haltReason() !== undefined;
  }

  private haltReason(): string | undefined {
    if (this.finished) return undefined;
    if (this.phase !== "thought" || this.labelled) return undefined;
    if (this.stepN > this.options.maxSteps) return `halted: the step limit (${this.options.maxSteps}) was reached`;
    if (this.promptTokens() > this.options.maxPromptTokens) return `halted: the prompt exceeds ${this.options.maxPromptTokens} tokens`;
    return undefined;
  }

  /** Why the episode stopped without a plan (repetition, retries, halting), if it did. */
  get stopReason(): string | undefined {
    return this.stopRule ?? this.haltReason();
  }

  private tokenCache: { scratchpad: string; guidelines: string; tokens: number } | undefined;

  /** Tokens of the current prompt; `done` is asked several times per step, so the count is cached. */
  private promptTokens(): number {
    if (this.tokenCache?.scratchpad !== this.scratchpad || this.tokenCache.guidelines !== this.guidanceText) {
      this.tokenCache = { scratchpad: this.scratchpad, guidelines: this.guidanceText, tokens: this.options.countTokens(this.agentPrompt()) };
    }
    return this.tokenCache.tokens;
  }

  get done(): boolean {
    return this.finished || this.halted;
  }

  private current(): JsonLogEntry {
    return this.jsonLog[this.jsonLog.length - 1]!;
  }

  private label(): void {
    if (this.labelled) return;
    if (this.phase === "thought") {
      this.jsonLog.push({ step: this.stepN, thought: "", action: "", observation: "", state: "" });
      this.scratchpad += `\nThought ${this.stepN}:`;
    } else {
      this.scratchpad += `\nAction ${this.stepN}:`;
    }
    this.labelled = true;
  }

  /** The prompt the model must continue now (a thought or an action), labels included. */
  prompt(): string {
    this.assertRunning();
    this.label();
    return this.agentPrompt();
  }

  /** Whether the next model output is read as a thought or as an action. */
  get expecting(): Phase {
    return this.phase;
  }

  /** Feeds the model's output for the current phase. */
  async submit(output: string): Promise<void> {
    this.assertRunning();
    this.label();
    if (this.phase === "thought") {
      const thought = formatStep(output);
      this.scratchpad += " " + thought;
      // The official log keeps the "Thought n: " prefix (its replace of "\nThought n:" never matches).
      this.current().thought = lastLine(this.scratchpad);
      this.pendingThought = thought;
      this.phase = "action";
      this.labelled = false;
      return;
    }
    await this.act(formatStep(output));
  }

  private pendingThought: string | undefined;

  /** One whole step for executors that produce thought and action together (thought optional). */
  async step(action: string, thought?: string): Promise<JsonLogEntry> {
    this.assertRunning();
    if (thought !== undefined) {
      await this.submit(thought);
    } else {
      this.jsonLog.push({ step: this.stepN, thought: "", action: "", observation: "", state: "" });
      this.phase = "action";
      this.labelled = false;
    }
    await this.submit(action);
    return this.jsonLog[this.jsonLog.length - 1]!;
  }

  private assertRunning(): void {
    if (this.done) throw new StateError("the episode is over");
  }

  private async act(action: string): Promise<void> {
    const entry = this.current();
    const n = this.stepN;
    this.scratchpad += action === "" ? FILTERED_ACTION_TEXT : " " + action;
    if (this.lastActions.length > 0 && this.lastActions[this.lastActions.length - 1] !== action) this.lastActions = [];
    this.lastActions.push(action);
    if (this.lastActions.length === 3) {
      entry.state = "same action 3 times repeated";
      this.stop(entry.state);
      return;
    }
    entry.action = lastLine(this.scratchpad);
    this.scratchpad += `\nObservation ${n}: `;
    let observation: string;
    if (action === "") {
      this.scratchpad += NULL_ACTION_FEEDBACK;
      observation = NULL_ACTION_OBSERVATION;
    } else {
      const parsed = parseAction(action);
      if (parsed?.type === "Planner") {
        observation = await this.options.planner.plan(this.sandbox.notebook.toPlannerText(), parsed.arg);
        this.scratchpad += observation;
        this.answer = observation;
        this.resetCounters();
        entry.state = "Successful";
        this.finished = true;
      } else {
        const pending = isActionType(parsed?.type) ? ACTION_COUNTER[parsed.type] : "invalidAction";
        const counter = pending in this.retry ? pending : "invalidAction";
        if (this.retry[counter]! + 1 > this.options.maxRetries) {
          entry.state = `${pending} early stop due to ${this.options.maxRetries} max retries.`;
          this.stop(entry.state);
          return;
        }
        const previous = this.sandbox.currentData;
        const result = this.sandbox.call(action);
        if (result.masked) {
          const visible = (previous ?? "None").trim();
          if (visible !== "") this.scratchpad = this.scratchpad.split(visible).join(MASKED_TEXT);
        }
        observation = result.observation;
        this.scratchpad += observation;
        if (result.failedCounter) this.retry[result.failedCounter] = (this.retry[result.failedCounter] ?? 0) + 1;
        else this.resetCounters();
        entry.state = result.state satisfies ActionState;
      }
    }
    entry.observation = observation;
    this.rawSteps.push({ ...(this.pendingThought !== undefined ? { thought: this.pendingThought } : {}), action, observation });
    this.pendingThought = undefined;
    this.stepN += this.finished ? 2 : 1;
    this.phase = "thought";
    this.labelled = false;
  }

  private stop(reason: string): void {
    this.finished = true;
    this.stopRule = reason;
  }

  private resetCounters(): void {
    for (const k of Object.keys(this.retry)) this.retry[k] = 0;
  }

  /** The episode as the memory's trajectory format (env "travelplanner"). */
  toTrajectory(): Trajectory {
    const q = this.options.queryData;
    return {
      task: this.query,
      env: "travelplanner",
      success: this.answer !== "" && this.answer !== "Max Token Length Exceeded.",
      ...(q ? { facts: queryFacts(q) } : {}),
      steps: this.rawSteps.map((s) => ({ ...s })),
    };
  }
}

/**
 * A query's facts for MemP's fact-based retrieval: org, dest, days, people, budget, level and the
 * local constraints that are set.
 */
export function queryFacts(q: TravelQuery): Record<string, string> {
  const facts: Record<string, string> = {
    org: q.org,
    dest: q.dest,
    days: String(q.days),
    people_number: String(q.people_number),
    budget: String(q.budget),
    level: q.level,
  };
  for (const [k, v] of Object.entries(q.local_constraint)) if (v !== null) facts[k] = Array.isArray(v) ? v.join(", ") : v;
  return facts;
}

function lastLine(text: string): string {
  const i = text.lastIndexOf("\n");
  return i < 0 ? text : text.slice(i + 1);
}
