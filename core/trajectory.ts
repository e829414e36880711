import { z } from "zod";
import { issueError } from "./util/validate.js";

/**
 * The trajectory format every part of the project exchanges: environments and the executor
 * write it, the memory builds entries from it. One JSON object per line in a JSONL file.
 */
export const TrajectoryStepSchema = z.object({
  thought: z.string().optional(),
  action: z.string(),
  observation: z.string(),
});

const factValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

/**
 * Refuses a `__proto__` key: JSON.parse keeps it as an own key, but every plain object the facts
 * pass through afterwards (zod's output, the store) would drop it without a word.
 */
export function refuseProtoKey(value: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "__proto__")) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: '"__proto__" cannot be a fact name; rename it', path: ["__proto__"] });
  }
  return value;
}

/** A task's facts: names to values, numbers and booleans kept as their text. */
export const FactsSchema = z.preprocess(refuseProtoKey, z.record(z.string(), factValue));

export const TrajectorySchema = z.object({
  task: z.string().trim().min(1, "expected a non-empty task text"),
  env: z.string().optional(),
  game: z.string().optional(),
  success: z.boolean().optional(),
  reward: z.number().optional(),
  facts: FactsSchema.optional(),
  steps: z.array(TrajectoryStepSchema),
});

export type TrajectoryStep = z.infer<typeof TrajectoryStepSchema>;
export type Trajectory = z.infer<typeof TrajectorySchema>;

/** Validates one decoded JSON value as a trajectory; the error names the file, line and field. */
export function parseTrajectory(value: unknown, where: { file?: string; line?: number } = {}): Trajectory {
  const result = TrajectorySchema.safeParse(value);
  if (result.success) return result.data;
  throw issueError(result.error.issues[0]!, where);
}
