/** The tests' historical entry point to the scripted OpenAI-compatible server (testing/openai-server.ts). */
import { startScriptedServer, type ChatRequest, type ScriptedServer } from "../../testing/openai-server.js";

export { bagOfWordsVector, contentText, type ChatRequest } from "../../testing/openai-server.js";

export type MockOpenAI = ScriptedServer;

export interface MockOptions {
  /** Answers a chat request with the assistant's text. */
  chat: (request: ChatRequest) => string;
  /** Embedding dimension (default 64). */
  dimension?: number;
}

export function startMockOpenAI(options: MockOptions): Promise<MockOpenAI> {
  return startScriptedServer({ chat: (request) => options.chat(request), dimension: options.dimension });
}
