import type { TrajectoryStep } from "../../core/trajectory.js";
import type { MemoryEntry } from "../types.js";
import type { RetrievedEntry } from "./types.js";

export const GUIDELINES_HEADER = "Here are some guidelines of how to solve the similar task:";

/** What an entry contributes to a prompt: its procedure, its steps, or both (by build kind). */
export function entryGuidelines(entry: MemoryEntry): string {
  const parts: string[] = [];
  if (entry.script) parts.push(entry.script);
  if (entry.trajectory) parts.push(renderTrajectory(entry.trajectory));
  return parts.join("\n\nExample run:\n");
}

function renderTrajectory(steps: TrajectoryStep[]): string {
  return steps.map((s) => `${s.thought ? `Thought: ${s.thought}\n` : ""}Action: ${s.action}\nObservation: ${s.observation}`).join("\n");
}

/**
 * MemP's prompt form: a header line, then a JSON list of {task_name, guidelines}. Returns "" when
 * nothing was retrieved, so callers can append it unconditionally.
 */
export function formatGuidelines(retrieved: Array<RetrievedEntry | MemoryEntry>): string {
  if (retrieved.length === 0) return "";
  const items = retrieved.map((r) => {
    const entry = "entry" in r ? r.entry : r;
    return { task_name: entry.task, guidelines: entryGuidelines(entry) };
  });
  return `${GUIDELINES_HEADER}\n${JSON.stringify(items, null, 2)}`;
}
