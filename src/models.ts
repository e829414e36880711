import { join } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { withDiskCache } from "../memory/embeddings/cached.js";
import type { IdentifiedEmbeddings } from "../memory/embeddings/identified.js";
import { LocalHashEmbeddings } from "../memory/embeddings/local.js";
import { cacheHome, env } from "./config.js";
import { ConfigError } from "./errors.js";

export interface ChatModelOptions {
  temperature?: number;
  maxRetries?: number;
  /** Per-request timeout in ms. */
  timeout?: number;
  maxTokens?: number;
}

/**
 * A chat model on any OpenAI-compatible endpoint: OpenAI itself, or vLLM, Ollama, LM Studio...
 * through OPENAI_BASE_URL. Local servers usually need no key, so one is only required when no
 * base URL is set.
 */
export function createChatModel(model: string, options: ChatModelOptions = {}): BaseChatModel {
  return new ChatOpenAI({
    model,
    temperature: options.temperature ?? 0,
    maxRetries: options.maxRetries ?? 3,
    timeout: options.timeout,
    maxTokens: options.maxTokens,
    ...openAIConnection(),
  });
}

export const EMBEDDINGS_HELP = "local | local:DIM | openai:MODEL (e.g. openai:text-embedding-3-small)";

export interface EmbeddingsOptions {
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
    const underlying = new OpenAIEmbeddings({ model, maxRetries: 3, ...openAIConnection() });
    const id = `openai:${model}`;
    const cacheDir = options.cacheDir ?? join(cacheHome(), "embeddings");
    return { embeddings: await withDiskCache(underlying, cacheDir, id.replace(/[^\w.-]+/g, "_")), id };
  }
  throw new ConfigError(`unknown embeddings "${spec}"; expected ${EMBEDDINGS_HELP}`);
}

function openAIConnection(): { apiKey: string; configuration?: { baseURL: string } } {
  const baseURL = env("OPENAI_BASE_URL");
  const apiKey = env("OPENAI_API_KEY");
  if (!apiKey && !baseURL) {
    throw new ConfigError("set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any OpenAI-compatible server) to use a model");
  }
  return { apiKey: apiKey ?? "not-needed", ...(baseURL ? { configuration: { baseURL } } : {}) };
}
