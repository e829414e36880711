import type { EmbeddingsInterface } from "@langchain/core/embeddings";

/**
 * An embedder and the identity of the vectors it makes. The id is what a memory records: vectors
 * from a different id are never compared with its own.
 */
export interface IdentifiedEmbeddings {
  embeddings: EmbeddingsInterface;
  id: string;
}
