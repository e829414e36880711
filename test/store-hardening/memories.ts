import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import type { MemoryEntry } from "../../memory/types.js";
import { makeEntry } from "../memory/helpers.js";

export function localEmbeddings() {
  const e = new LocalHashEmbeddings({ dimension: 64 });
  return { embeddings: e, id: e.id };
}

export function openBank(dir: string, readOnly = false): Promise<MemoryBank> {
  return MemoryBank.open(dir, { embeddings: localEmbeddings(), readOnly });
}

const NOW = "2026-01-01T00:00:00.000Z";

/**
 * A memory as an update leaves it: live entries (some with facts), a fitted local embedder (so
 * embedder-state.json exists), and two retired entries in the archive, history and update log.
 */
export async function seededMemory(dir: string): Promise<{ live: MemoryEntry[]; retired: MemoryEntry[] }> {
  const all = ["heat an egg", "cool a mug", "clean a knife", "put a pan on the stove", "slice a bread", "wash a plate"].map((t, i) =>
    makeEntry(t, i % 2 === 0 ? { facts: { object: t.split(" ")[2]!, place: i < 3 ? "kitchen" : "sink" } } : {}),
  );
  const bank = await openBank(dir);
  await bank.add(all);
  const retired = all.slice(4);
  await bank.store.transaction(async (tx) => {
    await tx.retire(retired.map((e) => ({ id: e.id, reason: "test retirement" })));
    await tx.appendLog("history", retired.map((e) => ({ id: e.id, version: 1, at: NOW, event: "retired", previous: e, cause: { reason: "test" } })));
    await tx.appendLog("updates", [{ at: NOW, batch: 0, policy: "vanilla" }]);
  });
  await bank.close();
  return { live: all.slice(0, 4), retired };
}

/** Every regular file of the directory (not the quarantine), as base64: to show nothing changed. */
export function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const st = lstatSync(join(dir, name));
    if (st.isFile()) out[name] = readFileSync(join(dir, name)).toString("base64");
    else if (st.isSymbolicLink()) out[name] = "symlink";
  }
  return out;
}

/** Opens read-only and checks that the indexes are trusted and every entry is found by its task. */
export async function searchable(dir: string): Promise<string[]> {
  const bank = await openBank(dir, true);
  try {
    if (bank.store.staleReason) throw new Error(`stale after open: ${bank.store.staleReason}`);
    const missed: string[] = [];
    for (const e of await bank.store.list()) {
      if ((await bank.store.search("task", await bank.embedText(e.task), 1))[0]?.id !== e.id) missed.push(e.task);
    }
    return missed;
  } finally {
    await bank.close();
  }
}
