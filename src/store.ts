/**
 * memp-langchain/store: where a memory lives. The storage contract every backend honours, the
 * backends (a directory, in memory, PostgreSQL + pgvector), how a location picks one, the
 * directory backend's health check and the names of the files it keeps.
 */
export type {
  MemoryStore,
  StoreBackend,
  OpenStoreOptions,
  EntryVectors,
  ScoredId,
  StatsDelta,
  EmbedderInfo,
  ArchiveRecord,
  VectorIndexName,
  EntryIndexName,
  MemoryLogName,
} from "../memory/store/types.js";
export { VECTOR_INDEXES, MEMORY_LOGS } from "../memory/store/types.js";
export { openStore, peekStore, registerStoreBackend, localBackend } from "../memory/store/open.js";
export { InMemoryStore, inMemoryBackend } from "../memory/store/in-memory.js";
export { LocalMemoryStore, STORE_FORMAT, STORE_SCHEMA_VERSION, type OpenLocalStoreOptions, type MemorySummary } from "../memory/store/local.js";
export { ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE } from "../memory/update/index.js";
export { ENTRY_SCHEMA_VERSION, MemoryEntrySchema } from "../memory/types.js";
export { readExport, EXPORT_FORMAT } from "../memory/transfer.js";
export { diagnoseMemory, repairMemoryFiles, type Diagnosis, type Problem, type ProblemKind, type RepairOptions, type RepairResult } from "../memory/store/doctor.js";
