export * from "./types.js";
export { getRetrievePolicy, registerRetrievePolicy, retrievePolicyNames, randomPolicy, queryPolicy, factsPolicy, aveFactPolicy } from "./policies.js";
export { formatGuidelines, entryGuidelines, GUIDELINES_HEADER } from "./format.js";
export { taskFacts } from "./facts-extraction.js";
export { excludeSource } from "./exclude.js";
export { resolveRetrieval, checkK, DEFAULT_K, type RetrievalOptions, type ResolvedRetrieval } from "./options.js";

import type { MemoryBank } from "../bank.js";
import { getRetrievePolicy } from "./policies.js";
import { checkK, type ResolvedRetrieval } from "./options.js";
import type { RetrieveContext, RetrievedEntry, RetrievePolicyName, RetrieveRequest } from "./types.js";

/** Retrieves entries for a task with the named policy. */
export async function retrieveMemory(
  bank: MemoryBank,
  policy: RetrievePolicyName,
  request: RetrieveRequest,
  context: Omit<RetrieveContext, "bank"> = {},
): Promise<RetrievedEntry[]> {
  checkK(request.k);
  return getRetrievePolicy(policy).retrieve(request, { ...context, bank });
}

/** Retrieves for a task with options checked beforehand by `resolveRetrieval`. */
export function retrieveWith(
  bank: MemoryBank,
  options: ResolvedRetrieval,
  request: Omit<RetrieveRequest, "k" | "threshold" | "seed">,
  context: Omit<RetrieveContext, "bank" | "model"> = {},
): Promise<RetrievedEntry[]> {
  const { policy, model, ...rest } = options;
  return retrieveMemory(bank, policy, { ...request, ...rest }, { ...context, model });
}
