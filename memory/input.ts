import { z } from "zod";
import { InputError } from "../core/errors.js";
import { FactsSchema, TrajectorySchema, type Trajectory, type TrajectoryStep } from "../core/trajectory.js";
import { parseJsonl } from "../core/util/jsonl.js";
import { readUserText } from "../core/util/user-files.js";
import { issueText, validateRecords, warnOnStderr, type Warn } from "../core/util/validate.js";
import type { FinishedTask } from "./update/types.js";

export interface SourcedTrajectory {
  trajectory: Trajectory;
  /** Where it came from, as `file:line` (JSONL) or `file#index` (MemP JSON). */
  source: string;
}

/**
 * Reads trajectories from our JSONL format or from MemP's own JSON file (an array of
 * {query, trajectory, facts, source} whose trajectory is a chat). The format is told by the first
 * non-blank character: `[` is MemP's array, anything else is JSONL.
 */
export function readTrajectories(file: string, options: { limit?: number; warn?: Warn } = {}): SourcedTrajectory[] {
  const text = readInputFile(file);
  const items = text.trimStart().startsWith("[") ? readMempJson(text, file) : readJsonl(text, file);
  const kept = options.limit === undefined ? items : items.slice(0, options.limit);
  // Accepted (a results file may hold a run that failed before its first step), but an entry
  // built from it teaches nothing, so the user hears about it.
  warnEmptyRuns(kept, options.warn);
  return kept;
}

function warnEmptyRuns(items: ReadonlyArray<{ trajectory: Trajectory; source?: string }>, warn: Warn = warnOnStderr): void {
  for (const item of items) {
    if (item.trajectory.steps.length === 0) warn(`${item.source ?? item.trajectory.task}: the trajectory has no steps; an entry built from it holds no procedure`);
  }
}

/** A user's input file as UTF-8 text, with one-line errors for the usual mistakes. */
export function readInputFile(file: string): string {
  return readUserText(file);
}

function readJsonl(text: string, file: string): SourcedTrajectory[] {
  const records = parseJsonl(text, file);
  return validateRecords(records, TrajectorySchema, { file }).map((trajectory, i) => ({ trajectory, source: `${file}:${records[i]!.line}` }));
}

const FinishedTaskSchema = TrajectorySchema.extend({ retrieved: z.array(z.string()).default([]) });

/**
 * RESULTS.jsonl: one finished task per line, a trajectory plus the ids retrieved for it. With
 * `knownIds` (the memory's live entries), ids it does not hold are reported through `warn`: the
 * update skips them, so a results file meant for another memory would otherwise book nothing
 * without a word.
 */
export function readFinishedTasks(file: string, options: { knownIds?: (id: string) => boolean; warn?: Warn } = {}): FinishedTask[] {
  const records = parseJsonl(readInputFile(file), file);
  const batch = validateRecords(records, FinishedTaskSchema, { file }).map(({ retrieved, ...trajectory }, i) => ({
    trajectory,
    retrieved,
    success: trajectory.success ?? false,
    source: `${file}:${records[i]!.line}`,
  }));
  warnEmptyRuns(batch, options.warn);
  if (options.knownIds) warnUnknownRetrieved(batch, options.knownIds, options.warn);
  return batch;
}

/**
 * Warns, once per task and id, about retrieved ids the memory does not hold (never built there,
 * or retired since): their hits and successes are not booked. Returns how many were unknown.
 */
export function warnUnknownRetrieved(batch: readonly FinishedTask[], knownIds: (id: string) => boolean, warn: Warn = warnOnStderr): number {
  let unknown = 0;
  for (const task of batch) {
    const missing = [...new Set(task.retrieved)].filter((id) => !knownIds(id));
    unknown += missing.length;
    if (missing.length > 0) {
      const where = task.source ?? task.trajectory.task;
      warn(`${where}: retrieved ${missing.length === 1 ? "id" : "ids"} ${missing.join(", ")} not in the memory (retired, or from another memory); not booked`);
    }
  }
  return unknown;
}

const ChatTurn = z.union([
  z.object({ role: z.string(), content: z.string() }),
  z.object({ from: z.string(), value: z.string() }).transform((t) => ({ role: t.from, content: t.value })),
]);

const MempItem = z.object({
  query: z.string().trim().min(1, "expected a non-empty query"),
  trajectory: z.array(ChatTurn),
  facts: FactsSchema.nullish(),
  source: z.string().nullish(),
  reward: z.number().nullish(),
  success: z.boolean().nullish(),
  game: z.string().nullish(),
  env: z.string().nullish(),
});

function readMempJson(text: string, file: string): SourcedTrajectory[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  if (!Array.isArray(raw)) throw new InputError("expected a JSON array of {query, trajectory, facts, source}", { file });
  return raw.map((item, i) => {
    const parsed = MempItem.safeParse(item);
    if (!parsed.success) throw new InputError(`item ${i}: ${issueText(parsed.error.issues[0]!)}`, { file });
    const m = parsed.data;
    const trajectory: Trajectory = { task: m.query, steps: chatToSteps(m.trajectory) };
    if (m.facts) trajectory.facts = m.facts;
    if (m.reward != null) trajectory.reward = m.reward;
    const success = m.success ?? (m.reward != null ? m.reward >= 1 : undefined);
    if (success !== undefined) trajectory.success = success;
    if (m.game) trajectory.game = m.game;
    if (m.env) trajectory.env = m.env;
    return { trajectory, source: m.source ? `${file}#${i} (${m.source})` : `${file}#${i}` };
  });
}

const ASSISTANT_ROLES = new Set(["assistant", "gpt", "ai", "model"]);

/**
 * ETO-style chats: the assistant's turns carry `Thought: ...` and `Action: ...`; the next user
 * turn is the observation. Turns before the first action (instructions, examples, "OK") are the
 * prompt, not the run.
 */
export function chatToSteps(turns: Array<{ role: string; content: string }>): TrajectoryStep[] {
  const steps: TrajectoryStep[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    if (!ASSISTANT_ROLES.has(turn.role.toLowerCase())) continue;
    const action = /(?:^|\n)\s*Action\s*(?:\d+)?\s*:\s*([\s\S]*?)\s*$/i.exec(turn.content)?.[1];
    if (!action) continue;
    const thought = /(?:^|\n)\s*Thought\s*(?:\d+)?\s*:\s*([\s\S]*?)(?=\n\s*Action\s*(?:\d+)?\s*:|$)/i.exec(turn.content)?.[1]?.trim();
    const next = turns[i + 1];
    const observation = next && !ASSISTANT_ROLES.has(next.role.toLowerCase()) ? next.content.replace(/^\s*Observation\s*(?:\d+)?\s*:\s*/i, "").trim() : "";
    const step: TrajectoryStep = { action: action.trim(), observation };
    if (thought) step.thought = thought;
    steps.push(step);
  }
  return steps;
}
