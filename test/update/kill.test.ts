import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { updateMemory, type FinishedTask } from "../../memory/update/index.js";
import { mulberry32 } from "../../core/util/random.js";
import { tempDir } from "../memory/helpers.js";
import { runChild } from "./child.js";

const OBJECTS = ["mug", "apple", "egg", "pan", "book", "knife", "potato", "tomato", "cup", "plate", "lettuce", "bread"];
const task = (t: string, success: boolean, retrieved: string[] = []): FinishedTask => ({ trajectory: { task: t, success, steps: [{ action: `take ${t}`, observation: "ok" }] }, retrieved });

/** What a person would compare: entries without timestamps, the archive and the logs' lengths, and that search still finds every entry. */
async function snapshot(dir: string): Promise<string> {
  const e = new LocalHashEmbeddings();
  const bank = await MemoryBank.open(dir, { embeddings: { embeddings: e, id: e.id } });
  const live = await bank.store.list();
  const entries = live.map((x) => ({ ...x, provenance: { ...x.provenance, createdAt: "", updatedAt: "" } }));
  const findsItself = await Promise.all(live.map(async (x) => (await bank.store.search("task", await bank.embedText(x.task), 1))[0]?.id === x.id));
  const archive = (await bank.store.archived()).map((r) => [r.entry.id, r.reason]);
  const state = JSON.stringify({ entries, findsItself, archive, history: (await bank.store.readLog("history")).length, log: (await bank.store.readLog("updates")).length });
  await bank.close();
  return state;
}

describe("an update killed with SIGKILL at random points", () => {
  it("always leaves a memory that opens cleanly and equals the state before or after (24 trials)", async () => {
    const base = tempDir("memp-kill-");
    const before = join(base, "before");
    const e = new LocalHashEmbeddings();
    const bank = await MemoryBank.open(before, { embeddings: { embeddings: e, id: e.id } });
    await updateMemory(bank, OBJECTS.map((o, i) => task(`put a ${o} in the drawer`, i % 3 !== 0)), { policy: "vanilla" });
    const ids = (await bank.store.list()).map((x) => x.id);
    await bank.close();
    // The batch books stats (with a deprecation), adds new runs, merges a near-duplicate and hits the cap.
    const batch = [
      ...[0, 1, 2].map(() => task("clean a mug", false, [ids[0]!])),
      task("put a mug in the drawer.", true, [ids[1]!]),
      ...OBJECTS.slice(0, 6).map((o) => task(`heat some ${o} and put it in the sink`, true, [ids[2]!])),
    ];
    const batchFile = join(base, "batch.json");
    writeFileSync(batchFile, JSON.stringify(batch));

    const afterDir = join(base, "after");
    cpSync(before, afterDir, { recursive: true });
    const t0 = performance.now();
    const full = await runChild([afterDir, batchFile, "none", "0"]);
    const fullMs = performance.now() - t0;
    expect(full.code, full.stderr).toBe(0);
    const [beforeState, afterState] = [await snapshot(before), await snapshot(afterDir)];
    expect(afterState).not.toBe(beforeState);

    const rand = mulberry32(20261126);
    const outcomes = { before: 0, after: 0 };
    for (let trial = 0; trial < 24; trial++) {
      const dir = join(base, `trial-${trial}`);
      cpSync(before, dir, { recursive: true });
      const mode = trial % 3;
      const result =
        mode === 0
          ? await runChild([dir, batchFile, "write", String(1 + Math.floor(rand() * 12))])
          : mode === 1
            ? await runChild([dir, batchFile, "journal", "0"])
            : await runChild([dir, batchFile, "none", "0"], Math.floor(rand() * fullMs));
      expect(result.stderr.includes("Error") ? result.stderr : "").toBe("");
      const state = await snapshot(dir);
      expect([beforeState, afterState], `trial ${trial} (mode ${mode}, ${result.signal ?? `exit ${result.code}`})`).toContain(state);
      outcomes[state === beforeState ? "before" : "after"]++;
    }
    // Both outcomes occur, so the trials really do cut the update at different points.
    expect(outcomes.before).toBeGreaterThan(0);
    expect(outcomes.after).toBeGreaterThan(0);
  }, 240_000);
});
