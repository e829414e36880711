import { CacheBackedEmbeddings } from "@langchain/classic/embeddings/cache_backed";
import { LocalFileStore } from "@langchain/classic/storage/file_system";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";

/**
 * LangChain's CacheBackedEmbeddings, extended to queries: for the OpenAI-compatible models we
 * target a query and a document embed the same way, so one on-disk cache serves both and no
 * text is ever sent twice.
 */
export class QueryCachingEmbeddings extends CacheBackedEmbeddings {
  override async embedQuery(text: string): Promise<number[]> {
    return (await this.embedDocuments([text]))[0]!;
  }
}

export async function withDiskCache(underlying: EmbeddingsInterface, cacheDir: string, namespace: string): Promise<QueryCachingEmbeddings> {
  const store = await LocalFileStore.fromPath(cacheDir);
  // fromBytesStore constructs `new this(...)`, so calling it on the subclass yields the subclass.
  return QueryCachingEmbeddings.fromBytesStore(underlying, store, { namespace }) as QueryCachingEmbeddings;
}
