import type { ArchiveRecord, MemoryEntry } from "../types.js";

export type { ArchiveRecord };

/** The vectors of one entry, one per retrieval key. */
export interface EntryVectors {
  /** Embedding of the task text (the `query` policy). */
  task: Float32Array;
  /** Embedding of the facts as one string, or of the task when the entry has no facts (`facts`). */
  facts: Float32Array;
  /** Embedding of each fact value, keyed by the value text (`ave_fact`). */
  factValues: Map<string, Float32Array>;
}

/**
 * The named vector indexes of a memory. `task` and `facts` hold one vector per live entry and
 * their hits are entry ids; `factValues` holds one vector per distinct fact value text of the live
 * entries and its hits are those texts.
 */
export const VECTOR_INDEXES = ["task", "facts", "factValues"] as const;
export type VectorIndexName = (typeof VECTOR_INDEXES)[number];
/** The indexes with one vector per entry. */
export type EntryIndexName = Exclude<VectorIndexName, "factValues">;

export interface ScoredId {
  /** An entry id (`task`, `facts`) or a fact value text (`factValues`). */
  id: string;
  /** Cosine similarity, higher is closer. */
  score: number;
}

export interface StatsDelta {
  id: string;
  hits: number;
  successes: number;
}

export interface EmbedderInfo {
  id: string;
  dimension: number;
  /** Opaque JSON state the embedder needs to reproduce its vectors (e.g. a local embedder's IDF). */
  state?: unknown;
}

/** The append-only logs a memory keeps beside its entries. */
export const MEMORY_LOGS = ["history", "updates"] as const;
export type MemoryLogName = (typeof MEMORY_LOGS)[number];

/** Opens a memory at a location, for `MemoryBank.open` and the CLI. */
export interface OpenStoreOptions {
  /** The embedder the caller will query with; a different one marks the vectors stale. */
  embedder: EmbedderInfo;
  /** Open for reading only; mutations throw `ReadOnlyError`. */
  readOnly?: boolean;
  /** Create the memory when there is none at the location (writers only; default true). */
  create?: boolean;
  /** Where the store says what it repaired or ignored (default: one line on stderr). */
  onWarning?: (message: string) => void;
}

/**
 * The storage contract every backend honours (checked by one conformance suite, `validateStore`).
 *
 * - Entries are keyed by id. `list()` and `search` ties follow the order entries were added in
 *   (a restored entry counts as added when it was restored).
 * - Every mutation is durable and atomic when its promise resolves. Inside `transaction` they land
 *   together when the transaction's promise resolves, or not at all.
 * - Scores are cosine similarities of the stored vectors to the query.
 * - Errors: an unknown id in `update`, `incrementStats`, `retire` is an `InputError`; adding a live
 *   id is an `InputError`; a mutation on a read-only store is a `ReadOnlyError`; any call after
 *   `close()` is a `ClosedError`.
 */
export interface MemoryStore {
  /** What kind of backend this is ("local", "in-memory", "postgres", ...). */
  readonly kind: string;
  /** Where the memory lives, safe to print: a directory, or a URL without its password. */
  readonly location: string;
  readonly readOnly: boolean;
  /**
   * Whether other processes may write this memory while it is open. A shared memory's embedder
   * is fixed when it is created: nothing may re-embed it under the other writers.
   */
  readonly shared: boolean;
  /** The embedder whose vectors the store holds. */
  readonly embedder: EmbedderInfo;
  /** Why the stored vectors cannot be used as they are (then `reindex` is needed), or undefined. */
  readonly staleReason: string | undefined;

  /** The number of live entries. */
  size(): Promise<number>;
  get(id: string): Promise<MemoryEntry | undefined>;
  /** The live entries among `ids`, in the order of `ids` (unknown ids are left out, duplicates kept once). */
  getMany(ids: readonly string[]): Promise<MemoryEntry[]>;
  has(id: string): Promise<boolean>;
  /** Every live entry, in the order they were added. */
  list(): Promise<MemoryEntry[]>;

  /** Adds new entries with their vectors. An id that is retired may be added again (a restore). */
  add(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void>;
  /**
   * Replaces a live entry's content (new vectors when its keys changed). The store sets the new
   * version to the stored one plus one, whatever `entry.version` says, and returns the entry as it
   * was and as it is now; so that concurrent rewrites of one entry each get a version of their own.
   */
  update(entry: MemoryEntry, vectors?: EntryVectors): Promise<{ previous: MemoryEntry; current: MemoryEntry }>;
  /** Adds to entries' hit and success counts, atomically per entry (no increment is ever lost). */
  incrementStats(deltas: StatsDelta[]): Promise<void>;
  /** Moves live entries out of retrieval into the archive, with a reason; returns the archive records. */
  retire(items: Array<{ id: string; reason: string }>): Promise<ArchiveRecord[]>;
  /** Retired entries that are not live again, latest retirement per id, oldest first. */
  archived(): Promise<ArchiveRecord[]>;
  /** Removes live entries for good, without archiving them; returns how many there were. */
  delete(ids: string[]): Promise<number>;
  /** Replaces every vector (after an embedder change); `vectors` follow `list()` order. */
  reindex(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void>;

  /** An entry's stored vector in an entry index (a copy), or undefined for an unknown id. */
  vectorOf(id: string, index: EntryIndexName): Promise<Float32Array | undefined>;
  /**
   * The `k` nearest items of an index to `query`, best first. `k` larger than the index (or
   * Infinity) returns every item. A backend may search approximately above a size it documents.
   */
  search(index: VectorIndexName, query: Float32Array, k: number): Promise<ScoredId[]>;

  /** Appends JSON records to a log (history of entry versions, the update log). */
  appendLog(log: MemoryLogName, records: object[]): Promise<void>;
  /** A log's records, oldest first. */
  readLog(log: MemoryLogName): Promise<unknown[]>;

  /**
   * Runs `fn` so that all the mutations it makes through `tx` land in one atomic commit, or none
   * do. A backend may run `fn` again after a deadlock or serialization failure, so `fn` must only
   * work on the store (no model calls). Reads through `tx` see the transaction's own writes.
   */
  transaction<T>(fn: (tx: MemoryStore) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: holds these entries against other writers until it ends, taking the
   * locks in one fixed order (so two transactions cannot deadlock on them). Unknown ids are
   * ignored. A no-op where one writer at a time is all there is.
   */
  lock(ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Opens one kind of store from a location; see `registerStoreBackend`. */
export interface StoreBackend {
  readonly kind: string;
  /** Whether this backend serves the location (e.g. a `postgres://` URL). */
  handles(location: string): boolean;
  open(location: string, options: OpenStoreOptions): Promise<MemoryStore>;
  /** The embedder a memory at the location was indexed with, without opening it; undefined when there is none. */
  peek(location: string): Promise<EmbedderInfo | undefined>;
}
