/**
 * memp-langchain/alfworld: the native ALFWorld engine and environment, its LangChain tools, the
 * expert, and the agents that play it (MemP's ReAct chat, tool calling, the model-free replay).
 */
export * from "../environments/alfworld/index.js";
export { alfworldSuite, DEFAULT_GRAMMAR } from "../chains/alfworld/suite.js";
export { AlfworldReactAgent, type AlfworldReactAgentOptions } from "../chains/alfworld/react.js";
export { AlfworldToolAgent } from "../chains/alfworld/tools.js";
export { ReplayAgent, type ReplayAgentOptions } from "../chains/alfworld/replay.js";
export { ExpertAgent, runExpert, expertTrajectories, oneShotDemos, renderDemo, type Demonstration, type ExpertRun, type GenerateOptions } from "../chains/alfworld/expert.js";
export { systemPrompt, openingMessages } from "../chains/alfworld/prompt.js";
