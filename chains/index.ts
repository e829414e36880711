/** The episode runner, the MemP experiment loops, ablations and reports (the agents of each benchmark are in its own entry point). */
export { runEpisode, EpisodeOverError, type EpisodeAgent, type EpisodeContext, type EpisodeResult, type EpisodeStart, type RunEpisodeOptions, type StepExtra, type StepRecord, type TranscriptMessage } from "./episode.js";
export { addUsage, usageOf, ZERO_USAGE, type TokenUsage } from "./usage.js";
export { parseReactReply, type ParsedReply } from "./reply.js";
export { EpisodeChain, type EpisodeChainOptions } from "./episode-chain.js";
export { AGENT_MODES, type AgentMode, type DemonstrationOptions, type EpisodeItem, type EpisodeSetup, type EpisodeVerdict, type ExperimentSuite, type SetupOptions } from "./suite.js";
export { runExperiment, runDirOf, SELF_RETRIEVAL_RULE, type ExperimentConfig, type ExperimentDeps, type ExperimentMode, type ExperimentOutcome } from "./experiment.js";
export { EpisodeRecordSchema, recordTrajectory, type EpisodeRecord } from "./record.js";
export { summarize, type RunSummary, type BatchFigures, type GroupFigures } from "./summary.js";
export { DEFAULT_PRICES, loadPrices, priceOf, costOf, type Price, type PriceTable } from "./prices.js";
export { playWithTools, episodeStepper, EPISODE_OVER, type ToolAgentOptions } from "./tools-agent.js";
export { alfworldSuite } from "./alfworld/suite.js";
export { travelPlannerSuite } from "./travelplanner/suite.js";
export * from "./report/index.js";
export * from "./ablation/index.js";
