import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import type { IdentifiedEmbeddings } from "./embeddings/identified.js";
import { LocalHashEmbeddings, type IdfTable } from "./embeddings/local.js";
import { LocalMemoryStore } from "./store/local.js";
import type { VectorBackend } from "./store/search.js";
import type { EmbedderInfo, EntryVectors, MemoryStore } from "./store/types.js";
import { factsToText, type MemoryEntry } from "./types.js";

export interface OpenMemoryOptions {
  embeddings: IdentifiedEmbeddings;
  readOnly?: boolean;
  /** Create the memory when the directory holds none (writers only; default true). */
  create?: boolean;
  vectorBackend?: VectorBackend;
}

/**
 * A memory directory together with the embedder that keys it: embeds entries on the way in,
 * keeps the index in step with the embedder, and is what build, retrieve and update work on.
 */
export class MemoryBank {
  private constructor(
    readonly store: MemoryStore,
    private embedder: IdentifiedEmbeddings,
  ) {}

  static async open(dir: string, options: OpenMemoryOptions): Promise<MemoryBank> {
    const embeddings = await restoreEmbedderState(dir, options.embeddings);
    const store = await LocalMemoryStore.open(dir, {
      readOnly: options.readOnly,
      create: options.create,
      vectorBackend: options.vectorBackend,
      embedder: await describe(embeddings),
    });
    const bank = new MemoryBank(store, embeddings);
    if (store.staleReason) {
      // A local embedder whose fitted IDF table was lost (damaged embedder-state.json) is fitted
      // again on the entries, as the table is derived from them like the indexes are.
      if (!store.readOnly && store.size() > 0 && embeddings.embeddings instanceof LocalHashEmbeddings && !embeddings.embeddings.idf) {
        bank.embedder = refit(embeddings, store.list());
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

  /** Embeds and stores new entries, refitting a local embedder's IDF as the memory grows. */
  async add(entries: MemoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.shouldRefit(entries.length)) {
      this.embedder = refit(this.embedder, [...this.store.list(), ...entries]);
      await this.reindexAll();
    }
    await this.store.add(entries, await this.embedEntries(entries));
  }

  /** Re-embeds every entry (after an embedder change) and rewrites the index. */
  async reindexAll(): Promise<void> {
    const entries = this.store.list();
    await this.store.reindex(await describe(this.embedder), await this.embedEntries(entries));
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

  private shouldRefit(adding: number): boolean {
    const local = this.embedder.embeddings;
    if (!(local instanceof LocalHashEmbeddings) || this.store.readOnly) return false;
    // Doubling keeps the total re-embedding work linear in the memory's size.
    const fittedOn = local.idf?.documents ?? 0;
    return this.store.size() + adding >= Math.max(2 * fittedOn, 1);
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
async function restoreEmbedderState(dir: string, e: IdentifiedEmbeddings): Promise<IdentifiedEmbeddings> {
  if (!(e.embeddings instanceof LocalHashEmbeddings) || e.embeddings.idf) return e;
  const manifest = LocalMemoryStore.peek(dir);
  const state = manifest?.embedder.state as { idf?: IdfTable } | undefined;
  if (!state?.idf) return e;
  const restored = new LocalHashEmbeddings({ dimension: e.embeddings.dimension, charNgrams: e.embeddings.charNgrams, idf: state.idf });
  return restored.id === manifest?.embedder.id ? { embeddings: restored, id: restored.id } : e;
}

function refit(e: IdentifiedEmbeddings, entries: MemoryEntry[]): IdentifiedEmbeddings {
  const local = e.embeddings as LocalHashEmbeddings;
  const corpus = entries.flatMap((x) => [x.task, ...(x.facts ? [factsToText(x.facts), ...Object.values(x.facts)] : [])]);
  const fitted = new LocalHashEmbeddings({ dimension: local.dimension, charNgrams: local.charNgrams }).fit(corpus);
  return { embeddings: fitted, id: fitted.id };
}
