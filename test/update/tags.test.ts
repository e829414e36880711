import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { updateMemory, updateTags, type FinishedTask } from "../../memory/update/index.js";
import { entryId } from "../../memory/types.js";
import { InputError } from "../../core/errors.js";
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
  const out = { tags: await updateTags(bank), size: await bank.store.size() };
  await bank.close();
  return out;
}

describe("update tags", () => {
  it("are logged with the update, survive a reopen, and a tag is applied only once", async () => {
    const dir = await seeded();
    const bank = await MemoryBank.open(dir, { embeddings: embeddings() });
    expect(await updateTags(bank)).toEqual(new Set());
    const report = await updateMemory(bank, [task("heat some egg")], { policy: "vanilla", tag: "online/batch-1" });
    expect(report.tag).toBe("online/batch-1");
    const log = (await bank.store.readLog("updates")) as Array<{ tag?: string; added: string[] }>;
    expect(log.at(-1)).toMatchObject({ tag: "online/batch-1", added: [entryId("trajectory", "heat some egg")] });
    expect(log[0]!.tag).toBeUndefined();

    // A rerun of the same batch is refused and changes nothing.
    const before = await bank.store.list();
    await expect(updateMemory(bank, [task("cool some lettuce")], { policy: "vanilla", tag: "online/batch-1" })).rejects.toSatisfy(
      (e: unknown) => InputError.isInstance(e) && /already applied/.test((e as Error).message),
    );
    expect(await bank.store.list()).toEqual(before);
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
      // Right after the update's own commit point (the memory may have been reindexed in a commit before it).
      { mode: "journal", at: "updates", expected: { tags: new Set(["batch-7"]), size: 4 } },
      { mode: "none", at: "0", expected: { tags: new Set(["batch-7"]), size: 4 } },
      // Right after the first commit point of the run, whichever commit that is: before or after, never between.
      { mode: "journal", at: "0", expected: undefined },
    ];
    const before = { tags: new Set<string>(), size: 2 };
    const after = { tags: new Set(["batch-7"]), size: 4 };
    for (const c of cases) {
      const dir = tempDir("memp-tag-kill-");
      cpSync(base, dir, { recursive: true });
      const result = await runChild([dir, batchFile, c.mode, c.at, "batch-7"]);
      expect(result.signal, `${c.mode}: ${result.stderr}`).toBe(c.mode === "none" ? null : "SIGKILL");
      const state = await tagsAt(dir);
      if (c.expected) expect(state, `${c.mode}: ${result.stderr}`).toEqual(c.expected);
      else expect([before, after], `${c.mode} ${c.at}: ${result.stderr}`).toContainEqual(state);
    }
  }, 60_000);
});
