export { ProceduralMemory, DEFAULT_MEMORY_KEY, thoughtOf, type ProceduralMemoryInput, type SuccessValue } from "./memory.js";
export { ProceduralMemoryRetriever, type ProceduralMemoryRetrieverInput, type ProceduralDocumentMetadata } from "./retriever.js";
export { proceduralMemoryMiddleware, messagesToSteps, type ProceduralMemoryMiddlewareOptions, type ProceduralMemoryRunRecord } from "./middleware.js";
export { defaultFormatAction, type ActionFormatter } from "./shared.js";
