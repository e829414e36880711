import { InputError } from "../../core/errors.js";
import { parseJsonl } from "../../core/util/jsonl.js";
import type { MemoryBank } from "../bank.js";
import type { MemoryStore } from "../store/types.js";
import { UPDATE_LOG_FILE } from "./records.js";

/**
 * Tags of the updates applied to a memory, read from its update log. The log record is written
 * in the same commit as the update, so a tag is here exactly when its batch was applied: a
 * resumed online run skips the batches whose tags it finds.
 */
export function updateTags(bank: MemoryBank): Set<string> {
  return tagsOf(bank.store);
}

export function tagsOf(store: MemoryStore): Set<string> {
  const tags = new Set<string>();
  for (const { value } of parseJsonl(store.readAux(UPDATE_LOG_FILE), `${store.dir}/${UPDATE_LOG_FILE}`, "store")) {
    const tag = (value as { tag?: unknown } | null)?.tag;
    if (typeof tag === "string") tags.add(tag);
  }
  return tags;
}

export function checkTag(tag: string | undefined): void {
  if (tag !== undefined && (typeof tag !== "string" || tag.trim() === "")) throw new InputError(`expected a non-empty string, got ${JSON.stringify(tag)}`, { field: "tag" });
}
