import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { createMiddleware } from "langchain";
import { z } from "zod";
import { ConfigError } from "../../core/errors.js";
import type { Trajectory, TrajectoryStep } from "../../core/trajectory.js";
import { MemorySession, type CommitOptions, type RetrievalTicket } from "../session.js";
import type { MemoryEntry } from "../types.js";
import type { UpdateReport } from "../update/types.js";
import { ProceduralMemory } from "./memory.js";
import { defaultFormatAction, finishStep, type ActionFormatter } from "./shared.js";

export interface ProceduralMemoryMiddlewareOptions {
  /** Commit the pending batch once it holds this many finished tasks (counting tasks recorded by other adapters). */
  updateEvery?: number;
  /** Commit after every run (the same as `updateEvery: 1`). */
  commitAfterEachRun?: boolean;
  /** Policy and settings of those commits (default: the memory's `update` defaults). */
  update?: CommitOptions;
  /** Called with each commit's report. */
  onCommit?: (report: UpdateReport) => void | Promise<void>;
  /**
   * Called when a commit fails. Without it the error propagates and fails the agent run (the
   * batch is kept either way, so the next commit retries it).
   */
  onCommitError?: (error: unknown) => void | Promise<void>;
  /**
   * Decides the run's success from its trajectory and messages (for example from the last tool
   * observation). `undefined`, the default, leaves it unknown, which the update counts as a failure.
   */
  judge?: (run: { task: string; messages: BaseMessage[]; trajectory: Trajectory }) => boolean | undefined | Promise<boolean | undefined>;
  /** Renders a tool call as a trajectory action (default `tool[input]`). */
  formatAction?: ActionFormatter;
  /** Entries no run of this agent may see, e.g. `excludeSource(env, game)` for an agent made per episode. */
  exclude?: (entry: MemoryEntry) => boolean;
  /**
   * Retrieves for a run instead of the session (which searches with the run's first human
   * message): for a caller that knows the task better than that message says, e.g. a runner that
   * retrieved for an ALFWorld game's task sentence while the message holds the whole intro.
   */
  retrieve?: (task: string) => Promise<RetrievalTicket>;
  /**
   * Record each finished run into the session (default true). A caller that records runs itself,
   * with the environment's verdict, turns it off so that no run is booked twice.
   */
  record?: boolean;
}

/** What the middleware keeps in the agent state between its hooks (and between turns of a thread). */
const RunRecord = z.object({
  /** The current run: its task and what was retrieved for it (absent when the run had no human message). */
  run: z
    .object({
      task: z.string(),
      /** Ids of the entries retrieved for the task, in the order shown. */
      retrieved: z.array(z.string()),
      guidelines: z.string(),
      /** Id of the human message the task was read from. */
      taskMessageId: z.string().optional(),
    })
    .optional(),
  /** Id of the last message of the previous run on this thread: the next run's task comes after it. */
  lastMessageId: z.string().optional(),
});
export type ProceduralMemoryRunRecord = z.infer<typeof RunRecord>;

const stateSchema = z.object({ proceduralMemory: RunRecord.optional() });

/**
 * Procedural memory for `createAgent` (langchain v1).
 * - `beforeAgent`: retrieves for the run's task (its first human message) once per run;
 * - `wrapModelCall`: appends the guidelines to the system message, kept a flat string;
 * - `afterAgent`: turns the run's messages into a trajectory (AI text -> thought, tool calls ->
 *   actions, tool messages -> observations, the final AI text -> `Finish[...]`), records it with
 *   the retrieved ids into the session's pending batch, and commits when configured.
 * What was retrieved lives in the agent state (`proceduralMemory`), so concurrent runs of one
 * agent do not mix their attributions. `memory` is a `ProceduralMemory` (its session is used, so
 * AgentExecutor and createAgent runs share one batch) or a `MemorySession`.
 */
export function proceduralMemoryMiddleware(memory: ProceduralMemory | MemorySession, options: ProceduralMemoryMiddlewareOptions = {}) {
  const session = memory instanceof ProceduralMemory ? memory.session : memory;
  if (!(session instanceof MemorySession)) throw new ConfigError("proceduralMemoryMiddleware needs a ProceduralMemory or a MemorySession");
  const every = options.commitAfterEachRun ? 1 : options.updateEvery;
  if (every !== undefined && (!Number.isInteger(every) || every <= 0)) throw new ConfigError(`updateEvery must be a positive integer, got ${every}`);
  const formatAction = options.formatAction ?? defaultFormatAction;

  return createMiddleware({
    name: "ProceduralMemory",
    stateSchema,
    beforeAgent: async (state, runtime) => {
      const messages = state.messages as BaseMessage[];
      const lastMessageId = state.proceduralMemory?.lastMessageId;
      const from = indexAfter(messages, lastMessageId);
      const at = messages.findIndex((m, i) => i >= from && HumanMessage.isInstance(m));
      const task = at < 0 ? "" : messages[at]!.text.trim();
      if (!task) return { proceduralMemory: { lastMessageId } };
      const signal = (runtime as { signal?: AbortSignal }).signal;
      const { retrieved, guidelines } = options.retrieve ? await options.retrieve(task) : await session.retrieve(task, { signal, exclude: options.exclude });
      const run = { task, retrieved: retrieved.map((r) => r.entry.id), guidelines, taskMessageId: messages[at]!.id };
      return { proceduralMemory: { run, lastMessageId } };
    },
    wrapModelCall: async (request, handler) => {
      const guidelines = request.state.proceduralMemory?.run?.guidelines;
      if (!guidelines) return handler(request);
      const base = request.systemMessage?.text ?? "";
      return handler({ ...request, systemMessage: new SystemMessage(base ? `${base}\n\n${guidelines}` : guidelines) });
    },
    afterAgent: async (state) => {
      const messages = state.messages as BaseMessage[];
      const lastMessageId = messages.at(-1)?.id;
      const record = state.proceduralMemory?.run;
      if (!record || options.record === false) return { proceduralMemory: { ...(record ? { run: record } : {}), lastMessageId } };
      // Without message ids (a custom reducer), the run is taken to start at the first message.
      const start = record.taskMessageId ? messages.findIndex((m) => m.id === record.taskMessageId) + 1 : 1;
      const trajectory: Trajectory = { task: record.task, steps: messagesToSteps(messages.slice(start), formatAction) };
      const success = await options.judge?.({ task: record.task, messages, trajectory });
      session.record({ task: record.task, retrieved: record.retrieved }, { trajectory, success });
      if (every !== undefined && session.pending.length >= every) await commit(session, options);
      return { proceduralMemory: { run: record, lastMessageId } };
    },
  });
}

async function commit(session: MemorySession, options: ProceduralMemoryMiddlewareOptions): Promise<void> {
  try {
    const report = await session.commit(options.update);
    await options.onCommit?.(report);
  } catch (err) {
    if (!options.onCommitError) throw err;
    await options.onCommitError(err);
  }
}

function indexAfter(messages: BaseMessage[], id: string | undefined): number {
  if (!id) return 0;
  const i = messages.findIndex((m) => m.id === id);
  return i < 0 ? 0 : i + 1;
}

/**
 * A run's messages (after the task) as trajectory steps: each tool call is a step whose
 * observation is the ToolMessage answering it; the AI text that came with the calls is the
 * thought of the first; a final AI text without calls is the `Finish[...]` step.
 */
export function messagesToSteps(messages: BaseMessage[], formatAction: ActionFormatter = defaultFormatAction): TrajectoryStep[] {
  const results = new Map<string, string>();
  for (const m of messages) if (ToolMessage.isInstance(m)) results.set(m.tool_call_id, m.text);
  const steps: TrajectoryStep[] = [];
  for (const m of messages) {
    if (!AIMessage.isInstance(m)) continue;
    const thought = m.text.trim();
    const calls = m.tool_calls ?? [];
    if (calls.length === 0) {
      if (thought) steps.push(finishStep(thought));
      continue;
    }
    calls.forEach((call, i) => {
      const step: TrajectoryStep = { action: formatAction(call.name, call.args), observation: (call.id && results.get(call.id)) ?? "" };
      if (i === 0 && thought) step.thought = thought;
      steps.push(step);
    });
  }
  return steps;
}
