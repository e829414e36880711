import type { TrajectoryStep } from "../../core/trajectory.js";

/** Renders one tool call as a trajectory action. */
export type ActionFormatter = (tool: string, input: unknown) => string;

/**
 * `Name[input]`, the form the build prompts and `deriveActionVocabulary` already read
 * (TravelPlanner's `FlightSearch[Seattle, New York, 2022-03-15]`). A string input is kept as is,
 * an object with a single primitive field is reduced to that value (`{action: "go to desk 1"}`
 * reads `env_step[go to desk 1]`), anything else is JSON.
 */
export const defaultFormatAction: ActionFormatter = (tool, input) => `${tool}[${inputText(input)}]`;

function inputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (input && typeof input === "object" && !Array.isArray(input)) {
    const values = Object.values(input);
    if (values.length === 1 && isPrimitive(values[0])) return String(values[0]);
  }
  return input === undefined ? "" : JSON.stringify(input);
}

function isPrimitive(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

/** The final answer, as a last step, so the memory keeps what the run concluded. */
export function finishStep(answer: string, thought?: string): TrajectoryStep {
  const step: TrajectoryStep = { action: `Finish[${answer.trim()}]`, observation: "" };
  if (thought?.trim()) step.thought = thought.trim();
  return step;
}
