import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { z } from "zod";
import { MempError, ModelEndpointError, ModelOutputError } from "../errors.js";
import { endpointLabel, findEndpointError } from "./resilient-fetch.js";

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

/**
 * Whether a reply that failed to parse was an attempt at JSON (broken or of the wrong shape)
 * rather than prose: such a reply is never read as prose, since its text is JSON syntax, not
 * instructions. Brackets inside prose (`FlightSearch[A, B]`) do not count.
 */
export function looksLikeJsonAttempt(text: string): boolean {
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)(?:```|$)/i.exec(text);
  const body = (fenced ? fenced[1]! : text).trim();
  return /^[[{]/.test(body) || /\{\s*"/.test(body);
}

export function messageText(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : message.text;
}

/**
 * How a JSON reply is asked for. `json_mode` sends `response_format: {type: "json_object"}`;
 * `auto` does so for OpenAI-compatible chat models and, when the endpoint rejects the parameter
 * (many local servers answer 400 to it), stops sending it to that model; `off` relies on the
 * prompt alone.
 */
export type StructuredOutputMode = "auto" | "json_mode" | "off";
export const STRUCTURED_OUTPUT_MODES: readonly StructuredOutputMode[] = ["auto", "json_mode", "off"];

export interface InvokeJsonOptions<T> {
  /** Further attempts after an unusable reply, each shown what was wrong (default 1). */
  retries?: number;
  signal?: AbortSignal;
  /** Callbacks, tags, metadata (and a signal) for the model call, so it shows in the caller's trace. */
  config?: RunnableConfig;
  /** Default "off", so callers that never asked for JSON mode do not get it. */
  structuredOutput?: StructuredOutputMode;
  /**
   * Reads a reply that is still not the JSON asked for once the retries are spent (small local
   * models often answer in prose whatever the prompt says); `undefined` when it cannot.
   */
  fallback?: (text: string) => T | undefined;
}

export interface JsonReply<T> {
  value: T;
  /** The reply the value was read from. */
  text: string;
  /** The value came from `fallback`, not from JSON. */
  fellBack: boolean;
  /** Why the JSON could not be used, when it fell back. */
  error?: string;
}

/**
 * Asks the model for JSON. On an unusable reply it tries once more, showing the model its reply
 * and what was wrong with it; a second failure is a ModelOutputError carrying the last reply.
 */
export async function invokeForJson<T>(
  model: BaseChatModel,
  messages: BaseMessage[],
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  options: InvokeJsonOptions<T> = {},
): Promise<T> {
  return (await invokeForJsonReply(model, messages, schema, options)).value;
}

/** `invokeForJson`, telling also whether the value came from the fallback reading. */
export async function invokeForJsonReply<T>(
  model: BaseChatModel,
  messages: BaseMessage[],
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  options: InvokeJsonOptions<T> = {},
): Promise<JsonReply<T>> {
  const conversation = [...messages];
  const retries = options.retries ?? 1;
  const replies: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const reply = await invokeModel(model, conversation, options);
    const text = messageText(reply);
    replies.push(text);
    const parsed = parseModelJson(text, schema);
    if (parsed.ok) return { value: parsed.value, text, fellBack: false };
    if (attempt >= retries) {
      // The latest reply first: it was written with the error in view.
      for (const candidate of options.fallback ? [...replies].reverse() : []) {
        const value = options.fallback!(candidate);
        if (value !== undefined) return { value, text: candidate, fellBack: true, error: parsed.error };
      }
      throw new ModelOutputError(`the model's reply could not be used: ${parsed.error}`, text);
    }
    conversation.push(
      new AIMessage(text),
      new HumanMessage(`Your reply could not be used: ${parsed.error}. Answer again with only the JSON, in the format asked for.`),
    );
  }
}

const jsonModeRefused = new WeakSet<object>();

function wantsJsonMode(model: BaseChatModel, messages: BaseMessage[], mode: StructuredOutputMode): boolean {
  if (mode === "off") return false;
  if (mode === "json_mode") return true;
  if (jsonModeRefused.has(model) || !isOpenAICompatible(model)) return false;
  // OpenAI refuses json_object unless the conversation says "JSON"; such a 400 is not a refusal of the mode.
  return messages.some((m) => /json/i.test(messageText(m)));
}

function isOpenAICompatible(model: unknown): boolean {
  const type = (model as { _llmType?: () => string })._llmType?.();
  return type === "openai" || type === "azure_openai";
}

async function invokeModel(model: BaseChatModel, conversation: BaseMessage[], options: InvokeJsonOptions<unknown>): Promise<BaseMessage> {
  const mode = options.structuredOutput ?? "off";
  const json = wantsJsonMode(model, conversation, mode);
  try {
    // `response_format` is a ChatOpenAI call option; the base type does not know it.
    const signal = options.signal ?? options.config?.signal;
    const base = { ...options.config, ...(signal ? { signal } : {}) };
    const callOptions = json ? ({ ...base, response_format: { type: "json_object" } } as Record<string, unknown>) : base;
    return await model.invoke(conversation, callOptions);
  } catch (err) {
    if (options.signal?.aborted || options.config?.signal?.aborted) throw err;
    if (json && mode === "auto" && rejectsRequest(err)) {
      const plain = await invokeModel(model, conversation, { ...options, structuredOutput: "off" });
      // Only now is it known that the field was what the endpoint refused (and not, say, the prompt's length).
      jsonModeRefused.add(model);
      return plain;
    }
    throw modelCallError(err, model);
  }
}

/** A 400/422 answer: the endpoint refused the request as made (here: the `response_format` field). */
function rejectsRequest(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return status === 400 || status === 422;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

/** The base URL (credentials and query removed) a chat model or embedder sends to, when it has one. */
export function endpointOf(client: unknown): string | undefined {
  for (let current = client, depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const c = current as { clientConfig?: { baseURL?: unknown }; bound?: unknown; underlyingEmbeddings?: unknown };
    const base = c.clientConfig?.baseURL;
    if (typeof base === "string" && base) return endpointLabel(base);
    if (isOpenAICompatible(current) || current.constructor?.name === "OpenAIEmbeddings") return endpointLabel(process.env.OPENAI_BASE_URL || OPENAI_BASE_URL);
    current = c.bound ?? c.underlyingEmbeddings;
  }
  return undefined;
}

/**
 * A failed model or embedding call as an error that names the endpoint. The transport already
 * does so for what it retries; the rest reaches the caller bare: a status the SDK turned into
 * its own error (400, 401, 404), or a 200 whose body is not the JSON it should be, which the SDK
 * reports as a plain `SyntaxError` ("Unterminated string in JSON at position 116").
 */
export function modelCallError(err: unknown, client: unknown, what?: string): unknown {
  const carried = findEndpointError(err);
  if (carried) return what ? new ModelEndpointError(carried.baseURL, `${detailOf(carried)} (${what})`, { status: carried.status, attempts: carried.attempts, cause: carried.cause }) : carried;
  if (MempError.isInstance(err)) return err;
  if (isAbort(err)) return err;
  const endpoint = endpointOf(client);
  if (!endpoint) return err;
  const status = (err as { status?: unknown } | null)?.status;
  const first = (err instanceof Error ? err.message : String(err)).split("\n")[0]!.replace(` (model endpoint ${endpoint})`, "").trim();
  let detail = first || (err instanceof Error ? err.name : "unknown error");
  if (err instanceof SyntaxError) detail = `its answer is not valid JSON (${detail})`;
  else if (typeof status !== "number") detail = `its answer could not be read (${detail})`;
  return new ModelEndpointError(endpoint, what ? `${detail} (${what})` : detail, { status: typeof status === "number" ? status : undefined, attempts: 1, cause: err });
}

function detailOf(err: ModelEndpointError): string {
  return /^model endpoint .*? failed after \d+ attempts?: ([\s\S]*)$/.exec(err.message)?.[1] ?? err.message;
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "AbortError" || (err instanceof Error && /^(AbortError|Aborted|This operation was aborted)/.test(err.message));
}

/**
 * Embeddings whose failures name their endpoint and model, whatever went wrong: the disk cache
 * and the SDK otherwise let a bare `SyntaxError` through for a body that is not JSON.
 */
export function namingEndpointErrors(embeddings: EmbeddingsInterface, what: string): EmbeddingsInterface {
  return {
    async embedDocuments(documents) {
      try {
        return await embeddings.embedDocuments(documents);
      } catch (err) {
        throw modelCallError(err, embeddings, what);
      }
    },
    async embedQuery(document) {
      try {
        return await embeddings.embedQuery(document);
      } catch (err) {
        throw modelCallError(err, embeddings, what);
      }
    },
  };
}
