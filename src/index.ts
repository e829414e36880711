/**
 * memp-langchain: procedural memory for LangChain.js agents. The memory (build, retrieve,
 * update, the session and the LangChain adapters), the experiment runners, the model factories
 * and the errors. Each benchmark has its own entry point (`memp-langchain/alfworld`,
 * `memp-langchain/travelplanner`); storage internals are in `memp-langchain/store`, test doubles in
 * `memp-langchain/testing`.
 */
export * from "../memory/index.js";
export * from "../chains/index.js";
export type { EnvironmentInfo, ResetResult, StepContext, StepResult, TextEnvironment } from "../environments/types.js";
export { TrajectorySchema, TrajectoryStepSchema, parseTrajectory, type Trajectory, type TrajectoryStep } from "../core/trajectory.js";
export { createChatModel, createEmbeddings, EMBEDDINGS_HELP, type ChatModelOptions, type EmbeddingsOptions, type ModelTransportOptions } from "./models.js";
export { createResilientFetch, type ModelEndpointEvent, type ResilientFetchOptions } from "../core/util/resilient-fetch.js";
export { MempError, InputError, CorruptFileError, LockError, ModelOutputError, ModelEndpointError, ConfigError, StateError, ReadOnlyError, ClosedError } from "../core/errors.js";
export { GrammarError } from "../environments/alfworld/query.js";
export { alfworldDataDir, travelPlannerDataDir, cacheHome } from "../core/config.js";
