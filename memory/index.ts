/**
 * The procedural memory's public surface. Storage (the store contract, the backends, how a
 * location picks one, file names) is in `memp-langchain/store`.
 */
export { BUILD_KINDS, entryId, factsToText, type BuildKind, type MemoryEntry, type MemoryEvent } from "./types.js";
export { MemoryBank, type OpenMemoryOptions } from "./bank.js";
export { LocalHashEmbeddings, type LocalHashEmbeddingsParams, type IdfTable } from "./embeddings/local.js";
export { withDiskCache } from "./embeddings/cached.js";
export type { IdentifiedEmbeddings } from "./embeddings/identified.js";
export { readTrajectories, readFinishedTasks, type SourcedTrajectory } from "./input.js";
export { buildMemory, type BuildOptions, type BuildSummary, type BuildFailure, type BuildFallbackReport } from "./build/runner.js";
export { getBuildPolicy, registerBuildPolicy, buildPolicyNames } from "./build/policies.js";
export type { BuildPolicy, BuildContext, BuiltContent, BuildFallback } from "./build/types.js";
export {
  retrieveMemory,
  formatGuidelines,
  entryGuidelines,
  GUIDELINES_HEADER,
  excludeSource,
  DEFAULT_K,
  RETRIEVE_POLICIES,
  getRetrievePolicy,
  registerRetrievePolicy,
  retrievePolicyNames,
  type RetrievalOptions,
  type RetrievePolicy,
  type RetrievePolicyName,
  type RetrieveRequest,
  type RetrieveContext,
  type RetrievedEntry,
} from "./retrieve/index.js";
export {
  updateMemory,
  UPDATE_POLICIES,
  registerUpdatePolicy,
  getUpdatePolicy,
  updatePolicyNames,
  type UpdatePolicy,
  type UpdatePlan,
  entryHistory,
  restoreEntry,
  archivedEntries,
  updateTags,
  UpdateAbandonedError,
  type FinishedTask,
  type UpdateOptions,
  type UpdateReport,
  type UpdateFallback,
  type UpdatePolicyName,
  type RetiredEntry,
  type ArchiveRecord,
  type HistoryRecord,
} from "./update/index.js";
export type { EntryHistory } from "./update/archive.js";
export { exportMemory, importMemory } from "./transfer.js";
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
