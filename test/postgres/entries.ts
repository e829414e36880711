/** Entries and vectors for the PostgreSQL tests and their child processes (no test framework here). */
import type { EmbedderInfo, EntryVectors } from "../../memory/store/types.js";
import { ENTRY_SCHEMA_VERSION, type MemoryEntry } from "../../memory/types.js";

export const D = 8;
export const EMBEDDER: EmbedderInfo = { id: "test-embedder", dimension: D };

export function entry(task: string, extra: Partial<MemoryEntry> = {}): MemoryEntry {
  return {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: `pg-${task.replace(/\W+/g, "-")}`,
    task,
    kind: "script",
    script: `1. ${task}`,
    trajectory: null,
    facts: null,
    stats: { hits: 0, successes: 0 },
    provenance: { source: "test", model: null, createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-01T00:00:00.000Z" },
    ...extra,
  };
}

/** A unit vector along axis `i`, with `tail` on the next axis. */
export function axis(i: number, tail = 0, d = D): Float32Array {
  const v = new Float32Array(d);
  v[i % d] = 1;
  if (tail) v[(i + 1) % d] = tail;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

export function vectors(task: Float32Array, facts?: Float32Array, values: Record<string, Float32Array> = {}): EntryVectors {
  return { task, facts: facts ?? task, factValues: new Map(Object.entries(values)) };
}

/** A deterministic pseudo-random unit vector. */
export function randomVector(seed: number, d = D): Float32Array {
  let s = seed >>> 0 || 1;
  const v = Float32Array.from({ length: d }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  });
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}
