import type { BaseMessage } from "@langchain/core/messages";

/** Tokens of one or more model calls, as the endpoint reported them (`usage_metadata`). */
export interface TokenUsage {
  input: number;
  output: number;
  /** Model calls counted. */
  calls: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, calls: 0 });

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return { input: a.input + b.input, output: a.output + b.output, calls: a.calls + b.calls };
}

/** The usage of one model reply; an endpoint that reports none counts as zero tokens, one call. */
export function usageOf(message: BaseMessage): TokenUsage {
  const u = (message as { usage_metadata?: { input_tokens?: number; output_tokens?: number } }).usage_metadata;
  return { input: u?.input_tokens ?? 0, output: u?.output_tokens ?? 0, calls: 1 };
}
