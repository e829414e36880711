export { ProceduralMemory, DEFAULT_MEMORY_KEY, thoughtOf, type ProceduralMemoryInput, type CommitOptions, type Retrieval } from "./memory.js";
export { ProceduralMemoryRetriever, type ProceduralMemoryRetrieverInput, type ProceduralDocumentMetadata } from "./retriever.js";
export { proceduralMemoryMiddleware, messagesToSteps, type ProceduralMemoryMiddlewareOptions, type ProceduralMemoryRunRecord } from "./middleware.js";
export { defaultFormatAction, DEFAULT_K, type ActionFormatter, type RetrievalOptions } from "./shared.js";
