import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Trajectory, TrajectoryStep } from "../../core/trajectory.js";
import type { StructuredOutputMode } from "../../core/util/model-json.js";
import type { BuildKind, MemoryEvent } from "../types.js";

export interface BuildContext {
  /** The model that distils (script, proceduralization, events); unused by `trajectory`. */
  model?: BaseChatModel;
  /** The environment's action forms, as prompt text; derived from the trajectory when absent. */
  actionVocabulary?: string;
  /** Longest observation kept in a condensed trajectory (characters). */
  maxObservationChars?: number;
  /** How JSON is asked of the model (default "auto": JSON mode where the endpoint takes it). */
  structuredOutput?: StructuredOutputMode;
  signal?: AbortSignal;
  /** Callbacks, tags and metadata for every model call, so they show in the caller's trace. */
  config?: RunnableConfig;
}

/**
 * An entry built from less than the policy asks for, and why: the script read from prose
 * (`prose-script`), a proceduralization without its script (`trajectory-only`), the critical
 * events picked from step numbers in prose (`prose-selection`).
 */
export interface BuildFallback {
  kind: "prose-script" | "trajectory-only" | "prose-selection";
  detail: string;
}

export interface BuiltContent {
  script: string | null;
  trajectory: TrajectoryStep[] | null;
  events?: MemoryEvent[];
  fallback?: BuildFallback;
}

/** One way of turning a trajectory into the content of a memory entry (see `registerBuildPolicy`). */
export interface BuildPolicy {
  readonly name: BuildKind;
  readonly needsModel: boolean;
  build(trajectory: Trajectory, context: BuildContext): Promise<BuiltContent>;
}
