import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { updateMemory, updateTags, UPDATE_LOG_FILE, type FinishedTask } from "../../memory/update/index.js";
import { entryId } from "../../memory/types.js";
import { InputError } from "../../core/errors.js";
import { parseJsonl } from "../../core/util/jsonl.js";
import { tempDir } from "../memory/helpers.js";
import { runChild } from "./child.js";

const task = (t: string, success = true): FinishedTask => ({ trajectory: { task: t, success, steps: [{ action: `take ${t}`, observation: "ok" }] }, retrieved: [] });
const embeddings = () => {
  const e = new LocalHashEmbeddings();
  return { embeddings: e, id: e.id };
};

async function seeded(): Promise<string> {
  const dir = tempDir("memp-tag-");
  const bank = await MemoryBank.open(dir, { embeddings: embeddings() });
  await updateMemory(bank, [task("put a mug in the drawer"), task("put an apple in the fridge")], { policy: "vanilla" });
  await bank.close();
  return dir;
}

async function tagsAt(dir: string): Promise<{ tags: Set<string>; size: number }> {
  const bank = await MemoryBank.open(dir, { embeddings: embeddings() });
  const out = { tags: updateTags(bank), size: bank.store.size() };
  await bank.close();
  return out;
}

describe("update tags", () => {
  it("are logged with the update, survive a reopen, and a tag is applied only once", async () => {
    const dir = await seeded();
    const bank = await MemoryBank.open(dir, { embeddings: embeddings() });
    expect(updateTags(bank)).toEqual(new Set());
    const report = await updateMemory(bank, [task("heat some egg")], { policy: "vanilla", tag: "online/batch-1" });
    expect(report.tag).toBe("online/batch-1");
    const log = parseJsonl(bank.store.readAux(UPDATE_LOG_FILE), UPDATE_LOG_FILE).map((r) => r.value as { tag?: string; added: string[] });
    expect(log.at(-1)).toMatchObject({ tag: "online/batch-1", added: [entryId("trajectory", "heat some egg")] });
    expect(log[0]!.tag).toBeUndefined();

    // A rerun of the same batch is refused and changes nothing.
    const before = bank.store.list();
    await expect(updateMemory(bank, [task("cool some lettuce")], { policy: "vanilla", tag: "online/batch-1" })).rejects.toSatisfy(
      (e: unknown) => InputError.isInstance(e) && /already applied/.test((e as Error).message),
    );
    expect(bank.store.list()).toEqual(before);
    await expect(updateMemory(bank, [], { policy: "vanilla", tag: " " })).rejects.toSatisfy(InputError.isInstance);
    await bank.close();

    expect(await tagsAt(dir)).toEqual({ tags: new Set(["online/batch-1"]), size: 3 });
  });

  it("a process killed before the commit point leaves no tag; killed after it, the tag and the update are both there", async () => {
    const base = await seeded();
    const batchFile = join(tempDir("memp-tag-batch-"), "batch.json");
    writeFileSync(batchFile, JSON.stringify([task("heat some egg"), task("clean some plate")]));
    const cases = [
      { mode: "write", at: "1", expected: { tags: new Set<string>(), size: 2 } },
      { mode: "journal", at: "0", expected: { tags: new Set(["batch-7"]), size: 4 } },
      { mode: "none", at: "0", expected: { tags: new Set(["batch-7"]), size: 4 } },
    ];
    for (const c of cases) {
      const dir = tempDir("memp-tag-kill-");
      cpSync(base, dir, { recursive: true });
      const result = await runChild([dir, batchFile, c.mode, c.at, "batch-7"]);
      expect(result.signal, `${c.mode}: ${result.stderr}`).toBe(c.mode === "none" ? null : "SIGKILL");
      expect(await tagsAt(dir), `${c.mode}: ${result.stderr}`).toEqual(c.expected);
    }
  }, 60_000);
});
