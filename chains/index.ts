/** The agents, the episode runner and the MemP experiment loops: what knows both memory and environments. */
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
export { alfworldSuite, DEFAULT_GRAMMAR } from "./alfworld/suite.js";
export { AlfworldReactAgent, type AlfworldReactAgentOptions } from "./alfworld/react.js";
export { AlfworldToolAgent } from "./alfworld/tools.js";
export { ExpertAgent, runExpert, expertTrajectories, oneShotDemos, renderDemo, type Demonstration, type ExpertRun, type GenerateOptions } from "./alfworld/expert.js";
export { systemPrompt as alfworldSystemPrompt, openingMessages as alfworldOpeningMessages } from "./alfworld/prompt.js";
export * from "./travelplanner/index.js";
export * from "./report/index.js";
export * from "./ablation/index.js";
