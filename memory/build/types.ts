import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Trajectory, TrajectoryStep } from "../../src/trajectory.js";
import type { BuildKind, MemoryEvent } from "../types.js";

export interface BuildContext {
  /** The model that distils (script, proceduralization, events); unused by `trajectory`. */
  model?: BaseChatModel;
  /** The environment's action forms, as prompt text; derived from the trajectory when absent. */
  actionVocabulary?: string;
  /** Longest observation kept in a condensed trajectory (characters). */
  maxObservationChars?: number;
  signal?: AbortSignal;
}

export interface BuiltContent {
  script: string | null;
  trajectory: TrajectoryStep[] | null;
  events?: MemoryEvent[];
}

/** One way of turning a trajectory into the content of a memory entry. */
export interface BuildPolicy {
  readonly name: BuildKind;
  readonly needsModel: boolean;
  build(trajectory: Trajectory, context: BuildContext): Promise<BuiltContent>;
}
