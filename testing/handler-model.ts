/**
 * A chat model with no server and no latency that answers with a scripted server's chat handler:
 * the same scripts (ALFWorld's expert replay, ...) drive in-process tests and benchmarks. Records
 * the messages of every call.
 */
import { SimpleChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatHandler, ChatRequest } from "./openai-server.js";

const ROLES: Record<string, string> = { system: "system", human: "user", ai: "assistant", tool: "tool" };

export class HandlerChatModel extends SimpleChatModel {
  readonly calls: BaseMessage[][] = [];

  constructor(private readonly handler: ChatHandler) {
    super({});
  }

  _llmType(): string {
    return "scripted-handler";
  }

  async _call(messages: BaseMessage[]): Promise<string> {
    this.calls.push(messages);
    const request: ChatRequest = { model: "scripted-handler", messages: messages.map((m) => ({ role: ROLES[m.getType()] ?? "user", content: m.text })) };
    const reply = await this.handler(request, undefined as never);
    if (typeof reply !== "string") throw new TypeError("HandlerChatModel answers with text replies only");
    return reply;
  }
}
