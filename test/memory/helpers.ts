import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ENTRY_SCHEMA_VERSION, entryId, type BuildKind, type MemoryEntry } from "../../memory/types.js";
import type { EntryVectors } from "../../memory/store/types.js";

export function tempDir(prefix = "memp-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function makeEntry(task: string, extra: Partial<MemoryEntry> = {}, kind: BuildKind = "script"): MemoryEntry {
  const now = "2026-01-01T00:00:00.000Z";
  return {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: entryId(kind, task),
    task,
    kind,
    script: `1. do ${task}`,
    trajectory: null,
    facts: null,
    stats: { hits: 0, successes: 0 },
    provenance: { source: "test", model: null, createdAt: now, updatedAt: now },
    ...extra,
  };
}

/** A unit vector along axis `i` (plus a small tail so that ties break deterministically). */
export function axis(d: number, i: number, tail = 0): Float32Array {
  const v = new Float32Array(d);
  v[i % d] = 1;
  if (tail) v[(i + 1) % d] = tail;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

export function vectorsOf(task: Float32Array, facts?: Float32Array, values: Record<string, Float32Array> = {}): EntryVectors {
  return { task, facts: facts ?? task, factValues: new Map(Object.entries(values)) };
}

import type { BaseMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";

/** A fakeModel() that answers every call (up to `times`) with `reply(messages)`. */
export function answering(reply: (messages: BaseMessage[]) => BaseMessage, times = 200) {
  const model = fakeModel();
  for (let i = 0; i < times; i++) model.respond(reply);
  return model;
}
