import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { LocalHashEmbeddings } from "./local.js";

/**
 * An embedder and the identity of the vectors it makes. The id is what a memory records: vectors
 * from a different id are never compared with its own.
 */
export interface IdentifiedEmbeddings {
  embeddings: EmbeddingsInterface;
  id: string;
}

export function identify(embeddings: EmbeddingsInterface, id?: string): IdentifiedEmbeddings {
  if (embeddings instanceof LocalHashEmbeddings) return { embeddings, id: id ?? embeddings.id };
  const model = (embeddings as { model?: string; modelName?: string }).model ?? (embeddings as { modelName?: string }).modelName;
  return { embeddings, id: id ?? `${embeddings.constructor.name}:${model ?? "default"}` };
}
