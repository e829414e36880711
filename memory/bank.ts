import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { ConfigError } from "../core/errors.js";
import type { IdentifiedEmbeddings } from "./embeddings/identified.js";
import { LocalHashEmbeddings, type IdfTable } from "./embeddings/local.js";
import { openStore, peekStore } from "./store/open.js";
import type { VectorBackend } from "./store/search.js";
import type { EmbedderInfo, EntryVectors, MemoryStore } from "./store/types.js";
import { factsToText, type MemoryEntry } from "./types.js";

export interface OpenMemoryOptions {
  embeddings: IdentifiedEmbeddings;
  readOnly?: boolean;
  /** Create the memory when the directory holds none (writers only; default true). */
  create?: boolean;
  /** How a local memory searches (see `OpenLocalStoreOptions.vectorBackend`); other backends ignore it. */
  vectorBackend?: VectorBackend;
}

/**
 * A memory (a directory, a PostgreSQL schema, any `MemoryStore`) together with the embedder that
 * keys it: embeds entries on the way in, keeps the index in step with the embedder, and is what
 * build, retrieve and update work on.
 */
export class MemoryBank {
  private constructor(
    readonly store: MemoryStore,
    private embedder: IdentifiedEmbeddings,
  ) {}

  /**
   * Opens the memory at a location: a directory (the embedded default), `postgres://...` (one
   * memory per `?schema=`), `memory://name` (in this process), or a scheme a registered backend
   * serves (`registerStoreBackend`).
   */
  static async open(location: string, options: OpenMemoryOptions): Promise<MemoryBank> {
    const embeddings = await restoreEmbedderState(location, options.embeddings);
    const store = await openStore(location, {
      readOnly: options.readOnly,
      create: options.create,
      embedder: await describe(embeddings),
      ...(options.vectorBackend === undefined ? {} : { vectorBackend: options.vectorBackend }),
    });
    try {
      return await MemoryBank.fromStore(store, embeddings);
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** A bank over a store opened by the caller; stale vectors are rebuilt with `embeddings` first. */
  static async fromStore(store: MemoryStore, embeddings: IdentifiedEmbeddings): Promise<MemoryBank> {
    const bank = new MemoryBank(store, embeddings);
    if (store.staleReason && store.shared && (store.readOnly || (await store.size()) > 0)) {
      // Re-embedding a shared memory would pull it from under every agent still querying it
      // with the old embeddings; moving to new ones is an export and an import into a new memory.
      throw new ConfigError(
        `cannot use ${store.location} with these embeddings: ${store.staleReason}; open it with the embeddings it was built with, ` +
          "or export it and import it into a new memory with the new ones",
      );
    }
    if (store.staleReason) {
      // A local embedder whose fitted IDF table was lost (damaged embedder-state.json) is fitted
      // again on the entries, as the table is derived from them like the indexes are.
      if (!store.readOnly && !store.shared && embeddings.embeddings instanceof LocalHashEmbeddings && !embeddings.embeddings.idf && (await store.size()) > 0) {
        bank.embedder = refit(embeddings, await store.list());
      }
      await bank.reindexAll();
    }
    return bank;
  }

  get embeddings(): EmbeddingsInterface {
    return this.embedder.embeddings;
  }

  get embedderId(): string {
    return this.embedder.id;
  }

  /**
   * Embeds and stores new entries (through `into`, e.g. a transaction, when given), refitting a
   * local embedder's IDF as a memory of one writer grows.
   */
  async add(entries: MemoryEntry[], into: MemoryStore = this.store): Promise<void> {
    if (entries.length === 0) return;
    const { vectors } = await this.prepare(entries, into);
    await into.add(entries, vectors);
  }

  /**
   * Embeds entries for a later `store.add` (e.g. inside a transaction that must not wait on an
   * embedding endpoint). A local embedder due for a refit is refitted and the memory reindexed
   * now, so that the vectors returned are in the space the memory will be in.
   */
  async prepare(entries: MemoryEntry[], into: MemoryStore = this.store): Promise<{ entries: MemoryEntry[]; vectors: EntryVectors[] }> {
    if (entries.length > 0 && (await this.shouldRefit(entries.length, into))) {
      this.embedder = refit(this.embedder, [...(await into.list()), ...entries]);
      await this.reindexAll(into);
    }
    return { entries, vectors: await this.embedEntries(entries) };
  }

  /** Re-embeds every entry (after an embedder change) and rewrites the index. */
  async reindexAll(into: MemoryStore = this.store): Promise<void> {
    const entries = await into.list();
    await into.reindex(await describe(this.embedder), await this.embedEntries(entries));
  }

  async embedEntries(entries: MemoryEntry[]): Promise<EntryVectors[]> {
    return embedEntryKeys(this.embedder.embeddings, entries);
  }

  async embedText(text: string): Promise<Float32Array> {
    return Float32Array.from(await this.embedder.embeddings.embedQuery(text));
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    return (await this.embedder.embeddings.embedDocuments(texts)).map((v) => Float32Array.from(v));
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private async shouldRefit(adding: number, store: MemoryStore): Promise<boolean> {
    const local = this.embedder.embeddings;
    // A shared memory's embedder is fixed: a refit would re-embed it under the other writers.
    if (!(local instanceof LocalHashEmbeddings) || store.readOnly || store.shared) return false;
    // Doubling keeps the total re-embedding work linear in the memory's size.
    const fittedOn = local.idf?.documents ?? 0;
    return (await store.size()) + adding >= Math.max(2 * fittedOn, 1);
  }
}

/** The texts each entry is keyed by: its task, its facts as one string, each fact value. */
export async function embedEntryKeys(embeddings: EmbeddingsInterface, entries: MemoryEntry[]): Promise<EntryVectors[]> {
  const texts = new Map<string, number>();
  const slot = (t: string) => {
    let i = texts.get(t);
    if (i === undefined) texts.set(t, (i = texts.size));
    return i;
  };
  const plan = entries.map((e) => ({
    task: slot(e.task),
    facts: slot(e.facts && Object.keys(e.facts).length > 0 ? factsToText(e.facts) : e.task),
    values: Object.values(e.facts ?? {}).map((v) => [v, slot(v)] as const),
  }));
  const vectors = texts.size === 0 ? [] : await embeddings.embedDocuments([...texts.keys()]);
  const at = (i: number) => Float32Array.from(vectors[i]!);
  return plan.map((p) => ({ task: at(p.task), facts: at(p.facts), factValues: new Map(p.values.map(([v, i]) => [v, at(i)])) }));
}

async function describe(e: IdentifiedEmbeddings): Promise<EmbedderInfo> {
  if (e.embeddings instanceof LocalHashEmbeddings) {
    return { id: e.embeddings.id, dimension: e.embeddings.dimension, state: e.embeddings.idf ? { idf: e.embeddings.idf } : undefined };
  }
  const probe = await e.embeddings.embedQuery("dimension probe");
  return { id: e.id, dimension: probe.length };
}

/** A local embedder picks up the IDF table its memory was indexed with. */
async function restoreEmbedderState(location: string, e: IdentifiedEmbeddings): Promise<IdentifiedEmbeddings> {
  if (!(e.embeddings instanceof LocalHashEmbeddings) || e.embeddings.idf) return e;
  const stored = await peekStore(location);
  const state = stored?.state as { idf?: IdfTable } | undefined;
  if (!state?.idf) return e;
  const restored = new LocalHashEmbeddings({ dimension: e.embeddings.dimension, charNgrams: e.embeddings.charNgrams, idf: state.idf });
  return restored.id === stored?.id ? { embeddings: restored, id: restored.id } : e;
}

function refit(e: IdentifiedEmbeddings, entries: MemoryEntry[]): IdentifiedEmbeddings {
  const local = e.embeddings as LocalHashEmbeddings;
  const corpus = entries.flatMap((x) => [x.task, ...(x.facts ? [factsToText(x.facts), ...Object.values(x.facts)] : [])]);
  const fitted = new LocalHashEmbeddings({ dimension: local.dimension, charNgrams: local.charNgrams }).fit(corpus);
  return { embeddings: fitted, id: fitted.id };
}
