import { join } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { withDiskCache } from "../memory/embeddings/cached.js";
import { namingEndpointErrors } from "../core/util/model-json.js";
import type { IdentifiedEmbeddings } from "../memory/embeddings/identified.js";
import { LocalHashEmbeddings } from "../memory/embeddings/local.js";
import { cacheHome, env } from "../core/config.js";
import { ConfigError } from "../core/errors.js";
import { defaultModelRpm, openAIClientFields, sharedRateLimiter, type ModelEndpointEvent } from "../core/util/resilient-fetch.js";

/** How requests to the endpoint are made; shared by chat models and embeddings. */
export interface ModelTransportOptions {
  /** Per-attempt limit in ms (default $MEMP_MODEL_TIMEOUT seconds, else 120 s). */
  timeoutMs?: number;
  /** Attempts in total, the first included (default 4). */
  maxAttempts?: number;
  /** Requests per minute to this endpoint across the whole process (default $MEMP_MODEL_RPM, else none). */
  rpm?: number;
  /** Retries, waits and stalls, for a progress display. */
  onEvent?: (event: ModelEndpointEvent) => void;
  /** First backoff wait when the server gives no Retry-After (default 1 s; tests make it small). */
  backoffBaseMs?: number;
}

export interface ChatModelOptions extends ModelTransportOptions {
  temperature?: number;
  maxTokens?: number;
  /** @deprecated Use `maxAttempts` (= maxRetries + 1). */
  maxRetries?: number;
  /** @deprecated Use `timeoutMs`. */
  timeout?: number;
}

/**
 * A chat model on any OpenAI-compatible endpoint: OpenAI itself, or vLLM, Ollama, LM Studio...
 * through OPENAI_BASE_URL. Local servers usually need no key, so one is only required when no
 * base URL is set. Every request goes through the resilient transport (core/util/resilient-fetch.ts);
 * a call that keeps failing rejects with a `ModelEndpointError` naming the endpoint.
 */
export function createChatModel(model: string, options: ChatModelOptions = {}): BaseChatModel {
  const { apiKey, baseURL } = openAIConnection();
  return new ChatOpenAI({
    model,
    apiKey,
    temperature: options.temperature ?? 0,
    maxTokens: options.maxTokens,
    ...transportFields(baseURL, {
      ...options,
      timeoutMs: options.timeoutMs ?? options.timeout,
      maxAttempts: options.maxAttempts ?? (options.maxRetries !== undefined ? options.maxRetries + 1 : undefined),
    }),
  });
}

export const EMBEDDINGS_HELP = "local | local:DIM | openai:MODEL (e.g. openai:text-embedding-3-small)";

export interface EmbeddingsOptions extends ModelTransportOptions {
  /** Where OpenAI-compatible embeddings are cached (default $MEMP_CACHE_DIR/embeddings). */
  cacheDir?: string;
}

/** Resolves an `--embeddings` value to an embedder and the id a memory records for it. */
export async function createEmbeddings(spec: string, options: EmbeddingsOptions = {}): Promise<IdentifiedEmbeddings> {
  const local = /^local(?::(\d+))?$/.exec(spec);
  if (local) {
    const embeddings = new LocalHashEmbeddings({ dimension: local[1] ? Number(local[1]) : 384 });
    return { embeddings, id: embeddings.id };
  }
  const remote = /^openai:(.+)$/.exec(spec);
  if (remote) {
    const model = remote[1]!;
    const { apiKey, baseURL } = openAIConnection();
    const underlying = new OpenAIEmbeddings({ model, apiKey, ...transportFields(baseURL, options) });
    const id = `openai:${model}`;
    const cacheDir = options.cacheDir ?? join(cacheHome(), "embeddings");
    const cached = await withDiskCache(underlying, cacheDir, id.replace(/[^\w.-]+/g, "_"));
    // Whatever fails underneath (transport, cache, a body that is not JSON), the user hears which endpoint.
    return { embeddings: namingEndpointErrors(cached, `embeddings ${id}`), id };
  }
  throw new ConfigError(`unknown embeddings "${spec}"; expected ${EMBEDDINGS_HELP}`);
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

function openAIConnection(): { apiKey: string; baseURL: string } {
  const baseURL = env("OPENAI_BASE_URL");
  const apiKey = env("OPENAI_API_KEY");
  if (!apiKey && !baseURL) {
    throw new ConfigError("set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any OpenAI-compatible server) to use a model");
  }
  return { apiKey: apiKey ?? "not-needed", baseURL: baseURL ?? OPENAI_BASE_URL };
}

function transportFields(baseURL: string, options: ModelTransportOptions): ReturnType<typeof openAIClientFields> {
  const rpm = options.rpm ?? defaultModelRpm();
  return openAIClientFields({
    baseURL,
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    backoffBaseMs: options.backoffBaseMs,
    onEvent: options.onEvent,
    // One limiter per endpoint and rate for the process: the cap is the endpoint's, not one model's.
    rpm: rpm !== undefined ? sharedRateLimiter(baseURL, rpm) : undefined,
  });
}
