import type { MemoryEntry } from "../types.js";

/** The vectors of one entry, one per retrieval key. */
export interface EntryVectors {
  /** Embedding of the task text (the `query` policy). */
  task: Float32Array;
  /** Embedding of the facts as one string, or of the task when the entry has no facts (`facts`). */
  facts: Float32Array;
  /** Embedding of each fact value, keyed by the value text (`ave_fact`). */
  factValues: Map<string, Float32Array>;
}

export type VectorSpace = "task" | "facts";

export interface ScoredId {
  id: string;
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
  /** Opaque state the embedder needs to reproduce its vectors (e.g. a local embedder's IDF). */
  state?: unknown;
}

/**
 * The storage contract every backend honours (tested by one shared conformance suite). Mutations
 * are durable and atomic when their promise resolves.
 */
export interface MemoryStore {
  readonly dir: string;
  readonly readOnly: boolean;
  /** The embedder whose vectors the store holds. */
  readonly embedder: EmbedderInfo;
  /** Why the stored vectors cannot be used as they are (then `reindex` is needed), or undefined. */
  readonly staleReason: string | undefined;
  /** Which vector search runs underneath. */
  readonly backend: "simd" | "faiss" | "exact";

  size(): number;
  get(id: string): MemoryEntry | undefined;
  has(id: string): boolean;
  list(): MemoryEntry[];
  add(entries: MemoryEntry[], vectors: EntryVectors[]): Promise<void>;
  /** Replaces an entry with the same id; new vectors when its keys changed. */
  update(entry: MemoryEntry, vectors?: EntryVectors): Promise<void>;
  delete(ids: string[]): Promise<number>;
  incrementStats(deltas: StatsDelta[]): Promise<void>;
  /** Replaces every vector (after an embedder change), in entry order. */
  reindex(embedder: EmbedderInfo, vectors: EntryVectors[]): Promise<void>;
  /** An entry's stored vector in a space (a copy), or undefined for an unknown id. */
  vectorOf(id: string, space: VectorSpace): Float32Array | undefined;
  searchVector(space: VectorSpace, query: Float32Array, k: number): ScoredId[];
  /** Mean cosine over the fact keys the query shares with each entry; entries sharing none are left out. */
  searchFactValues(query: Map<string, Float32Array>, k: number): ScoredId[];
  /** Runs `fn` so that all its mutations land in one atomic commit, or none do. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  /** Auxiliary files kept with the memory (archive, history, logs), committed with the entries. */
  readAux(name: string): string;
  writeAux(name: string, text: string): Promise<void>;
  close(): Promise<void>;
}
