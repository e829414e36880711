import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import type { Trajectory } from "../../src/trajectory.js";
import { invokeForJson } from "../../src/util/model-json.js";
import { condenseSteps, renderSteps } from "../build/condense.js";
import { renderProcedure } from "../build/policies.js";
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
  options: { actionVocabulary?: string; signal?: AbortSignal } = {},
): Promise<Adjustment> {
  const run = renderSteps(condenseSteps(failed.trajectory.steps));
  const reply = await invokeForJson(
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
    { signal: options.signal },
  );
  return { analysis: reply.analysis.trim(), script: renderProcedure(reply) };
}
