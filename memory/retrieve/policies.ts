import { ConfigError } from "../../core/errors.js";
import { hashString, mulberry32 } from "../../core/util/random.js";
import type { ScoredId } from "../store/types.js";
import { factsToText } from "../types.js";
import { taskFacts } from "./facts-extraction.js";
import { RETRIEVE_POLICIES, type RetrieveContext, type RetrievedEntry, type RetrievePolicy, type RetrievePolicyName, type RetrieveRequest } from "./types.js";

/**
 * The best hits that pass the threshold and are not excluded. Without an exclusion one search of
 * width k is enough; with one, the search is repeated at double the width until k entries
 * survive, a hit falls below the threshold (all later ones score lower) or the store runs out.
 */
function searchFiltered(search: (n: number) => ScoredId[], request: RetrieveRequest, context: RetrieveContext): RetrievedEntry[] {
  const store = context.bank.store;
  const size = store.size();
  for (let n = request.k; ; n = Math.min(2 * n, size)) {
    const hits = search(n);
    const out: RetrievedEntry[] = [];
    let belowThreshold = false;
    for (const h of hits) {
      if (request.threshold !== undefined && h.score < request.threshold) {
        belowThreshold = true;
        break;
      }
      const entry = store.get(h.id);
      if (!entry || request.exclude?.(entry)) continue;
      out.push({ entry, score: h.score });
      if (out.length === request.k) return out;
    }
    if (!request.exclude || belowThreshold || hits.length < n || n >= size) return out;
  }
}

export const randomPolicy: RetrievePolicy = {
  name: "random",
  async retrieve(request, { bank }) {
    const entries = request.exclude ? bank.store.list().filter((e) => !request.exclude!(e)) : bank.store.list();
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
    return searchFiltered((n) => context.bank.store.searchVector("task", q, n), request, context);
  },
};

export const factsPolicy: RetrievePolicy = {
  name: "facts",
  async retrieve(request, context) {
    const facts = await taskFacts(request, context);
    const q = await context.bank.embedText(factsToText(facts));
    return searchFiltered((n) => context.bank.store.searchVector("facts", q, n), request, context);
  },
};

export const aveFactPolicy: RetrievePolicy = {
  name: "ave_fact",
  async retrieve(request, context) {
    const facts = await taskFacts(request, context);
    const keys = Object.keys(facts);
    const vectors = await context.bank.embedTexts(keys.map((k) => facts[k]!));
    const query = new Map(keys.map((k, i) => [k, vectors[i]!]));
    return searchFiltered((n) => context.bank.store.searchFactValues(query, n), request, context);
  },
};

const registry = new Map<RetrievePolicyName, RetrievePolicy>([randomPolicy, queryPolicy, factsPolicy, aveFactPolicy].map((p) => [p.name, p]));

export function getRetrievePolicy(name: string): RetrievePolicy {
  const policy = registry.get(name as RetrievePolicyName);
  if (!policy) throw new ConfigError(`unknown retrieve policy "${name}"; expected one of ${RETRIEVE_POLICIES.join(", ")}`);
  return policy;
}
