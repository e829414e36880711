import type { CallbackManagerForRetrieverRun } from "@langchain/core/callbacks/manager";
import { Document } from "@langchain/core/documents";
import { BaseRetriever, type BaseRetrieverInput } from "@langchain/core/retrievers";
import { ConfigError } from "../../core/errors.js";
import type { MemoryBank } from "../bank.js";
import { entryGuidelines, resolveRetrieval, retrieveWith, type ResolvedRetrieval, type RetrievalOptions } from "../retrieve/index.js";
import type { BuildKind } from "../types.js";

/** What each returned Document carries besides its text. */
export interface ProceduralDocumentMetadata extends Record<string, unknown> {
  id: string;
  task: string;
  kind: BuildKind;
  /** Similarity to the query (higher is closer); null for the "random" policy. */
  score: number | null;
  stats: { hits: number; successes: number };
}

export interface ProceduralMemoryRetrieverInput extends BaseRetrieverInput, RetrievalOptions {
  bank: MemoryBank;
}

/**
 * The memory as a LangChain retriever: one `Document` per retrieved entry, its text the entry's
 * guidelines (script, steps, or both), its metadata the id, task, kind, score and stats. Reads
 * only: it records nothing for the update (use `ProceduralMemory` or the agent middleware for that).
 */
export class ProceduralMemoryRetriever extends BaseRetriever<ProceduralDocumentMetadata> {
  static override lc_name(): string {
    return "ProceduralMemoryRetriever";
  }

  lc_namespace = ["memp", "retrievers"];

  readonly bank: MemoryBank;
  readonly retrieval: ResolvedRetrieval;

  constructor(fields: ProceduralMemoryRetrieverInput) {
    super(fields);
    if (!fields?.bank) throw new ConfigError("ProceduralMemoryRetriever needs a MemoryBank ({ bank })");
    this.bank = fields.bank;
    this.retrieval = resolveRetrieval(fields);
  }

  override async _getRelevantDocuments(query: string, runManager?: CallbackManagerForRetrieverRun): Promise<Document<ProceduralDocumentMetadata>[]> {
    // Facts extraction (facts, ave_fact) runs as a child of this retriever run.
    const retrieved = await retrieveWith(this.bank, this.retrieval, { task: query }, { config: runManager ? { callbacks: runManager.getChild() } : undefined });
    return retrieved.map(
      ({ entry, score }) =>
        new Document<ProceduralDocumentMetadata>({
          id: entry.id,
          pageContent: entryGuidelines(entry),
          metadata: { id: entry.id, task: entry.task, kind: entry.kind, score, stats: { hits: entry.stats.hits, successes: entry.stats.successes } },
        }),
    );
  }
}
