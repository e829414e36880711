import { hashString, mulberry32 } from "../../core/util/random.js";
import { PolicyRegistry } from "../registry.js";
import type { MemoryStore, ScoredId } from "../store/types.js";
import { factsToText, type MemoryEntry } from "../types.js";
import { taskFacts } from "./facts-extraction.js";
import type { RetrieveContext, RetrievedEntry, RetrievePolicy, RetrieveRequest } from "./types.js";

/**
 * The best hits that pass the threshold and are not excluded. Without an exclusion one search of
 * width k is enough; with one, the search is repeated at double the width until k entries
 * survive, a hit falls below the threshold (all later ones score lower) or the store runs out.
 */
async function searchFiltered(search: (n: number) => Promise<ScoredId[]>, request: RetrieveRequest, context: RetrieveContext): Promise<RetrievedEntry[]> {
  const store = context.bank.store;
  // Only a search that may need widening needs the memory's size (a count on a server).
  const size = request.exclude ? await store.size() : request.k;
  for (let n = request.k; ; n = Math.min(2 * n, size)) {
    const hits = await search(n);
    const passing = request.threshold === undefined ? hits : hits.filter((h) => h.score >= request.threshold!);
    const entries = new Map((await store.getMany(passing.map((h) => h.id))).map((e) => [e.id, e]));
    const out: RetrievedEntry[] = [];
    for (const h of passing) {
      const entry = entries.get(h.id);
      if (!entry || request.exclude?.(entry)) continue;
      out.push({ entry, score: h.score });
      if (out.length === request.k) return out;
    }
    if (!request.exclude || passing.length < hits.length || hits.length < n || n >= size) return out;
  }
}

export const randomPolicy: RetrievePolicy = {
  name: "random",
  async retrieve(request, { bank }) {
    const all = await bank.store.list();
    const entries = request.exclude ? all.filter((e) => !request.exclude!(e)) : all;
    const rand = mulberry32(hashString(`${request.seed ?? 0}\u0000${request.task}`));
    // Partial Fisher-Yates: the first k slots are a uniform sample without replacement.
    const k = Math.min(request.k, entries.length);
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(rand() * (entries.length - i));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    return entries.slice(0, k).map((entry) => ({ entry, score: null }));
  },
};

export const queryPolicy: RetrievePolicy = {
  name: "query",
  async retrieve(request, context) {
    const q = await context.bank.embedText(request.task);
    return searchFiltered((n) => context.bank.store.search("task", q, n), request, context);
  },
};

export const factsPolicy: RetrievePolicy = {
  name: "facts",
  needsFacts: true,
  async retrieve(request, context) {
    const facts = await taskFacts(request, context);
    const q = await context.bank.embedText(factsToText(facts));
    return searchFiltered((n) => context.bank.store.search("facts", q, n), request, context);
  },
};

/**
 * MemP's averaged fact keys: an entry scores the mean, over the fact keys it shares with the
 * task, of the cosine between its value and the task's value for that key; entries sharing no key
 * are left out. Each distinct stored value is scored once per key, however many entries hold it.
 * Best first; ties in the order the entries were added.
 */
export async function aveFactScores(store: MemoryStore, query: Map<string, Float32Array>, exclude?: (entry: MemoryEntry) => boolean): Promise<RetrievedEntry[]> {
  const keys = [...query.keys()];
  const valueScores = await Promise.all(keys.map(async (key) => new Map((await store.search("factValues", query.get(key)!, Infinity)).map((h) => [h.id, h.score]))));
  const scored: RetrievedEntry[] = [];
  for (const entry of await store.list()) {
    if (exclude?.(entry)) continue;
    let sum = 0;
    let shared = 0;
    keys.forEach((key, i) => {
      const value = entry.facts?.[key];
      const score = value === undefined ? undefined : valueScores[i]!.get(value);
      if (score === undefined) return;
      sum += score;
      shared++;
    });
    if (shared > 0) scored.push({ entry, score: sum / shared });
  }
  // Array.prototype.sort is stable, so ties keep the add order.
  return scored.sort((a, b) => b.score! - a.score!);
}

export const aveFactPolicy: RetrievePolicy = {
  name: "ave_fact",
  needsFacts: true,
  async retrieve(request, context) {
    const facts = await taskFacts(request, context);
    const keys = Object.keys(facts);
    if (keys.length === 0) return [];
    const vectors = await context.bank.embedTexts(keys.map((k) => facts[k]!));
    const scored = await aveFactScores(context.bank.store, new Map(keys.map((k, i) => [k, vectors[i]!])), request.exclude);
    const passing = request.threshold === undefined ? scored : scored.filter((r) => r.score! >= request.threshold!);
    return passing.slice(0, request.k);
  },
};

const registry = new PolicyRegistry<RetrievePolicy>("retrieval");
for (const policy of [randomPolicy, queryPolicy, factsPolicy, aveFactPolicy]) registry.register(policy);

/** Makes a retrieval policy available by its name to `retrieveMemory`, sessions, the runners and the CLI. */
export function registerRetrievePolicy(policy: RetrievePolicy, options?: { replace?: boolean }): void {
  registry.register(policy, options);
}

export function getRetrievePolicy(name: string): RetrievePolicy {
  return registry.get(name);
}

export function retrievePolicyNames(): string[] {
  return registry.names();
}
