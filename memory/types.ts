import { createHash } from "node:crypto";
import { z } from "zod";
import { TrajectoryStepSchema } from "../core/trajectory.js";

/** Bumped when the on-disk entry shape changes; readers refuse newer versions. */
export const ENTRY_SCHEMA_VERSION = 1;

/** The build policies memp ships; `registerBuildPolicy` adds others. */
export const BUILD_KINDS = ["trajectory", "script", "proceduralization", "events"] as const;
/** A build policy's name: one of `BUILD_KINDS` or a registered one. */
export type BuildKind = (typeof BUILD_KINDS)[number] | (string & {});

export const MemoryEventSchema = z.object({
  step: z.number().int(),
  preState: z.string(),
  action: z.string(),
  entity: z.string().optional(),
  postState: z.string(),
});
export type MemoryEvent = z.infer<typeof MemoryEventSchema>;

export const MemoryEntrySchema = z.object({
  schemaVersion: z.literal(ENTRY_SCHEMA_VERSION),
  id: z.string().min(1),
  /** The key text: the task this know-how was learnt from. */
  task: z.string().min(1),
  /** The build policy that made the entry. */
  kind: z.string().min(1),
  /** The distilled procedure (script, proceduralization, events); null for plain trajectories. */
  script: z.string().nullable(),
  /** The condensed trajectory (trajectory, proceduralization); null otherwise. */
  trajectory: z.array(TrajectoryStepSchema).nullable(),
  /** Where the full trajectory lives when it is not kept inline (e.g. `runs.jsonl:12`). */
  trajectoryRef: z.string().optional(),
  /** The critical events an `events` build selected. */
  events: z.array(MemoryEventSchema).optional(),
  facts: z.record(z.string(), z.string()).nullable(),
  stats: z.object({ hits: z.number().int().nonnegative(), successes: z.number().int().nonnegative() }),
  /** Bumped each time the entry is rewritten (adjustment, merge); absent means 1. */
  version: z.number().int().positive().optional(),
  provenance: z.object({
    source: z.string(),
    model: z.string().nullable(),
    env: z.string().optional(),
    game: z.string().optional(),
    success: z.boolean().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  }),
});
export type MemoryEntry = z.infer<typeof MemoryEntrySchema>;

/** A retired entry as the archive keeps it: out of retrieval, restorable. */
export const ArchiveRecordSchema = z.object({
  entry: MemoryEntrySchema,
  reason: z.string(),
  retiredAt: z.string(),
});
export type ArchiveRecord = z.infer<typeof ArchiveRecordSchema>;

/**
 * Entry ids are derived from (kind, task): the same task built the same way is the same entry,
 * which is MemP's duplicate rule and makes an interrupted build resumable without duplicates.
 */
export function entryId(kind: BuildKind, task: string): string {
  const digest = createHash("sha256").update(`${kind}\u0000${task.trim()}`).digest("hex");
  return `${kind.slice(0, 4)}-${digest.slice(0, 16)}`;
}

/** Renders facts as the single string the `facts` retrieval policy embeds. */
export function factsToText(facts: Record<string, string>): string {
  return Object.keys(facts)
    .sort()
    .map((k) => `${k}: ${facts[k]}`)
    .join("; ");
}
