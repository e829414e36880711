import type { MemoryEntry } from "../types.js";

/**
 * How useful an entry has been: its success rate under a uniform Beta(1, 1) prior, i.e.
 * (successes + 1) / (hits + 2). A new entry scores 0.5; evidence moves it either way, more hits
 * more firmly. Used to choose what to retire when the memory is over its cap, and which side of
 * a merge to keep.
 */
export function utility(entry: MemoryEntry): number {
  return (entry.stats.successes + 1) / (entry.stats.hits + 2);
}

/**
 * Least useful first: lower utility, then (at equal utility) the one unused for longest, then the
 * one with fewer hits, then by id so the order is total.
 */
export function byUsefulness(a: MemoryEntry, b: MemoryEntry): number {
  return (
    utility(a) - utility(b) ||
    a.provenance.updatedAt.localeCompare(b.provenance.updatedAt) ||
    a.stats.hits - b.stats.hits ||
    a.id.localeCompare(b.id)
  );
}
