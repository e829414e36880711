// Public API of memp-langchain. Everything a user imports comes from here.
export * from "../memory/index.js";
export type { EnvironmentInfo, ResetResult, StepResult, TextEnvironment } from "../environments/types.js";
export * from "../environments/alfworld/index.js";
export * from "../environments/travelplanner/index.js";
export { TrajectorySchema, TrajectoryStepSchema, parseTrajectory, type Trajectory, type TrajectoryStep } from "../core/trajectory.js";
export { createChatModel, createEmbeddings, EMBEDDINGS_HELP, type ChatModelOptions, type EmbeddingsOptions } from "./models.js";
export { MempError, InputError, CorruptFileError, LockError, ModelOutputError, ConfigError, ModelEndpointError } from "../core/errors.js";
export * from "../chains/index.js";
export { createResilientFetch, type ModelEndpointEvent, type ResilientFetchOptions } from "../core/util/resilient-fetch.js";
export type { ModelTransportOptions } from "./models.js";
export { startScriptedServer, type ScriptedServer, type ScriptedServerOptions, type ChatHandler, type ChatReply, type ChatRequest } from "../testing/openai-server.js";
export { parseModelJson, invokeForJson, invokeForJsonReply, namingEndpointErrors, STRUCTURED_OUTPUT_MODES, type ParseResult, type StructuredOutputMode } from "../core/util/model-json.js";
export { alfworldDataDir, travelPlannerDataDir, cacheHome } from "../core/config.js";
