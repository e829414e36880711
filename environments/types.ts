/**
 * The contract between an environment and whatever drives it (the ReAct executor, the experiment
 * loops, LangChain tools). Environments know nothing of memory; memory knows nothing of them.
 */
export interface EnvironmentInfo {
  /** True once the task is accomplished. */
  won: boolean;
  [key: string]: unknown;
}

export interface ResetResult<I extends EnvironmentInfo = EnvironmentInfo> {
  observation: string;
  info: I;
}

export interface StepResult<I extends EnvironmentInfo = EnvironmentInfo> {
  observation: string;
  reward: number;
  done: boolean;
  info: I;
}

export interface StepContext {
  thought?: string;
}

export interface TextEnvironment<I extends EnvironmentInfo = EnvironmentInfo> {
  /** Short identifier written into trajectories (`"alfworld"`, `"travelplanner"`). */
  readonly name: string;
  /**
   * The action forms an agent may use, as prompt-ready text. Memory build prompts take it as an
   * input so that distilled procedures speak the environment's own language.
   */
  readonly actionVocabulary: string;
  /** The task sentence of the current episode (available after reset). */
  readonly task: string;
  reset(): Promise<ResetResult<I>>;
  /**
   * Executes one action. `context.thought` is the reasoning that led to it, for environments
   * whose episode record keeps it (TravelPlanner's scratchpad); others ignore it.
   */
  step(action: string, context?: StepContext): Promise<StepResult<I>>;
}
