import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { z } from "zod";
import { ModelOutputError } from "../errors.js";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Reads JSON out of a model reply: tolerates code fences and prose around the value, takes the
 * first balanced object or array, validates it against `schema`. Never throws.
 */
export function parseModelJson<T>(text: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): ParseResult<T> {
  const candidate = extractJson(text);
  if (candidate === undefined) return { ok: false, error: "no JSON object or array found in the reply" };
  let raw: unknown;
  try {
    raw = JSON.parse(candidate);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  return { ok: false, error: `JSON does not match the expected shape at "${issue.path.join(".") || "(root)"}": ${issue.message}` };
}

function extractJson(text: string): string | undefined {
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(text);
  const body = fenced ? fenced[1]! : text;
  const start = body.search(/[[{]/);
  if (start < 0) return undefined;
  const open = body[start]!;
  const close = open === "{" ? "}" : "]";
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === open) depth++;
    else if (c === close && --depth === 0) return body.slice(start, i + 1);
  }
  // Unbalanced (a truncated reply): hand the rest to JSON.parse for a precise message.
  return body.slice(start);
}

export function messageText(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : message.text;
}

/**
 * Asks the model for JSON. On an unusable reply it tries once more, showing the model its reply
 * and what was wrong with it; a second failure is a ModelOutputError carrying the last reply.
 */
export async function invokeForJson<T>(
  model: BaseChatModel,
  messages: BaseMessage[],
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  options: { retries?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const conversation = [...messages];
  const retries = options.retries ?? 1;
  for (let attempt = 0; ; attempt++) {
    const reply = await model.invoke(conversation, { signal: options.signal });
    const text = messageText(reply);
    const parsed = parseModelJson(text, schema);
    if (parsed.ok) return parsed.value;
    if (attempt >= retries) throw new ModelOutputError(`the model's reply could not be used: ${parsed.error}`, text);
    conversation.push(
      new AIMessage(text),
      new HumanMessage(`Your reply could not be used: ${parsed.error}. Answer again with only the JSON, in the format asked for.`),
    );
  }
}
