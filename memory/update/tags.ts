import { InputError } from "../../core/errors.js";
import type { MemoryBank } from "../bank.js";
import type { MemoryStore } from "../store/types.js";

/**
 * Tags of the updates applied to a memory, read from its update log. The log record is written
 * in the same commit as the update, so a tag is here exactly when its batch was applied: a
 * resumed online run skips the batches whose tags it finds.
 */
export function updateTags(bank: MemoryBank): Promise<Set<string>> {
  return tagsOf(bank.store);
}

export async function tagsOf(store: MemoryStore): Promise<Set<string>> {
  const tags = new Set<string>();
  for (const value of await store.readLog("updates")) {
    const tag = (value as { tag?: unknown } | null)?.tag;
    if (typeof tag === "string") tags.add(tag);
  }
  return tags;
}

export function checkTag(tag: string | undefined): void {
  if (tag !== undefined && (typeof tag !== "string" || tag.trim() === "")) throw new InputError(`expected a non-empty string, got ${JSON.stringify(tag)}`, { field: "tag" });
}

export function alreadyApplied(store: MemoryStore, tag: string): InputError {
  return new InputError(`update "${tag}" was already applied to ${store.location} (see its update log)`, { field: "tag" });
}
