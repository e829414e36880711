import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import type { Trajectory } from "../../core/trajectory.js";
import { invokeForJsonReply, type StructuredOutputMode } from "../../core/util/model-json.js";
import { condenseSteps, renderSteps } from "../build/condense.js";
import { renderProcedure } from "../build/policies.js";
import { readProcedureProse } from "../build/prose.js";
import { entryGuidelines } from "../retrieve/format.js";
import type { MemoryEntry } from "../types.js";

const AdjustReply = z.object({
  analysis: z.string().min(1),
  procedure: z.array(z.string().min(1)).min(1),
  pitfalls: z.array(z.string()).default([]),
});

export interface Adjustment {
  analysis: string;
  script: string;
  /** Set when the reply was prose, not JSON, and the procedure was read from it: why. */
  fallback?: string;
}

/** History records an analysis for every rewrite; a prose one may not have given any. */
const NO_ANALYSIS = "(the model answered in prose and gave no separate analysis)";

/** A prose rewrite: its steps are the procedure, what it says before them the analysis. */
function proseAdjustment(text: string): z.infer<typeof AdjustReply> | undefined {
  const read = readProcedureProse(text);
  if (!read) return undefined;
  const analysis = read.preamble.replace(/^(analysis|what went wrong|diagnosis)\s*:\s*/i, "").trim();
  return { analysis: analysis || NO_ANALYSIS, procedure: read.procedure, pitfalls: read.pitfalls };
}

/**
 * Reflection on a failure: the model reads the guidance an entry gave, the task it was shown for
 * and the failed run, says what in the guidance led the agent astray, and writes a corrected
 * procedure. Environment-neutral: the run and its actions carry the domain.
 */
export async function adjustEntry(
  model: BaseChatModel,
  entry: MemoryEntry,
  failed: { trajectory: Trajectory; reward?: number },
  options: { actionVocabulary?: string; signal?: AbortSignal; config?: RunnableConfig; structuredOutput?: StructuredOutputMode } = {},
): Promise<Adjustment> {
  const run = renderSteps(condenseSteps(failed.trajectory.steps));
  const reply = await invokeForJsonReply(
    model,
    [
      new SystemMessage(
        "You maintain an agent's procedural memory. A stored procedure was shown to the agent as guidance, and " +
          "the agent then failed its task. Work out what in the procedure misled it or left it without help (a wrong " +
          "order, a missing step, a wrong assumption about where things are), then rewrite the procedure so that it " +
          "would have led to success, keeping what was right and staying general enough for similar tasks.",
      ),
      new HumanMessage(
        [
          `The stored procedure (learnt from: ${entry.task}):\n${entryGuidelines(entry)}`,
          `The task it was shown for: ${failed.trajectory.task}`,
          `Outcome: failed${failed.reward !== undefined ? ` (reward ${failed.reward})` : ""}`,
          options.actionVocabulary ? `Actions available:\n${options.actionVocabulary}` : undefined,
          `The failed run:\n${run}`,
          'Reply with JSON only: {"analysis": "what went wrong and why", "procedure": ["step", ...], "pitfalls": ["what to avoid", ...]}',
        ]
          .filter(Boolean)
          .join("\n\n"),
      ),
    ],
    AdjustReply,
    { signal: options.signal, config: options.config, structuredOutput: options.structuredOutput ?? "auto", fallback: proseAdjustment },
  );
  const adjustment: Adjustment = { analysis: reply.value.analysis.trim(), script: renderProcedure(reply.value) };
  if (reply.fellBack) adjustment.fallback = `the reply was not the JSON asked for (${reply.error}); its prose steps became the script`;
  return adjustment;
}
