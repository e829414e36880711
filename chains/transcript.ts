import { AIMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { TranscriptMessage } from "./episode.js";

/** A LangChain message as the results files keep it. */
export function toTranscript(message: BaseMessage): TranscriptMessage {
  if (SystemMessage.isInstance(message)) return { role: "system", content: message.text };
  if (ToolMessage.isInstance(message)) return { role: "tool", content: message.text };
  if (AIMessage.isInstance(message)) {
    const calls = message.tool_calls ?? [];
    return calls.length > 0 ? { role: "assistant", content: message.text, toolCalls: calls.map((c) => ({ name: c.name, args: c.args })) } : { role: "assistant", content: message.text };
  }
  return { role: "user", content: message.text };
}
