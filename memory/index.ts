export * from "./types.js";
export { MemoryBank, embedEntryKeys, type OpenMemoryOptions } from "./bank.js";
export { LocalHashEmbeddings, type LocalHashEmbeddingsParams, type IdfTable } from "./embeddings/local.js";
export { QueryCachingEmbeddings, withDiskCache } from "./embeddings/cached.js";
export type { IdentifiedEmbeddings } from "./embeddings/identified.js";
export type { MemoryStore, EntryVectors, ScoredId, StatsDelta, EmbedderInfo, VectorSpace } from "./store/types.js";
export { LocalMemoryStore, STORE_FORMAT, STORE_SCHEMA_VERSION, type OpenLocalStoreOptions, type MemorySummary } from "./store/local.js";
export { readTrajectories, chatToSteps, type SourcedTrajectory } from "./input.js";
export { buildMemory, type BuildOptions, type BuildSummary, type BuildFailure, type BuildFallbackReport } from "./build/runner.js";
export type { BuildFallback } from "./build/types.js";
export { readProcedureProse } from "./build/prose.js";
export { getBuildPolicy, trajectoryPolicy, scriptPolicy, proceduralizationPolicy, eventsPolicy } from "./build/policies.js";
export { condenseSteps, deriveActionVocabulary } from "./build/condense.js";
export type { BuildPolicy, BuildContext, BuiltContent } from "./build/types.js";
export * from "./retrieve/index.js";
export {
  updateMemory,
  UPDATE_POLICIES,
  utility,
  byUsefulness,
  adjustEntry,
  entryHistory,
  restoreEntry,
  archivedEntries,
  ARCHIVE_FILE,
  HISTORY_FILE,
  UPDATE_LOG_FILE,
  updateTags,
  type FinishedTask,
  type UpdateOptions,
  type UpdateReport,
  UpdateAbandonedError,
  type UpdateFallback,
  type UpdatePolicyName,
  type RetiredEntry,
  type ArchiveRecord,
  type HistoryRecord,
  type Adjustment,
} from "./update/index.js";
export type { EntryHistory } from "./update/archive.js";
export { exportMemory, importMemory, readExport, EXPORT_FORMAT } from "./transfer.js";
export {
  MemorySession,
  type MemorySessionOptions,
  type CommitOptions,
  type RetrievalTicket,
  type SessionRetrieveOptions,
  type ShownEntries,
  type TaskOutcome,
} from "./session.js";
export * from "./langchain/index.js";
