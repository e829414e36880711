/**
 * memp-langchain/testing: what tests, benchmarks and notebooks use instead of a real endpoint:
 * a scripted OpenAI-compatible server on 127.0.0.1 (replies, tool calls, injected errors, hangs,
 * delays, token usage), scripts that replay ALFWorld's expert and TravelPlanner's gold
 * demonstrations through it, LangChain's fake models, and the conformance suite every memory
 * store backend passes (`validateStore`).
 */
export {
  startScriptedServer,
  bagOfWordsVector,
  contentText,
  countTokens,
  type ScriptedServer,
  type ScriptedServerOptions,
  type ChatHandler,
  type ChatReply,
  type ChatRequest,
  type ChatMessage,
  type ScriptedToolCall,
  type EmbeddingsHandler,
} from "../testing/openai-server.js";
export { alfworldReplay, toolCall, type ReplayScript } from "../testing/alfworld-replay.js";
export { travelPlannerReplay } from "../testing/travelplanner-replay.js";
export { HandlerChatModel } from "../testing/handler-model.js";
export { validateStore, type StoreTestInitializer, type StoreTestRunner } from "../testing/store-conformance.js";
export { FakeListChatModel, FakeStreamingChatModel, FakeEmbeddings, SyntheticEmbeddings } from "@langchain/core/utils/testing";
