import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isStoreTemp, JOURNAL_FILE, LOCK_FILE } from "../../memory/store/files.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { InputError } from "../../core/errors.js";
import { pool, removeScratch, runStoreChild, sandbox } from "./child.js";
import { entryA, entryB, FIRST_EMBEDDER, unit } from "./fixtures/states.js";

afterAll(removeScratch);

/**
 * What a memory holds, as a reader sees it (`readOnly`, through the journal of a commit cut
 * short) or as a writer does (after recovery): its entries, history log and embedder, with every
 * index verified (no stale index) and searchable.
 */
async function observe(dir: string, readOnly: boolean, where: string): Promise<string> {
  const peek = LocalMemoryStore.peek(dir);
  if (!peek) {
    if (readOnly) {
      await expect(LocalMemoryStore.open(dir, { readOnly: true, embedder: FIRST_EMBEDDER })).rejects.toThrow(InputError);
      return "none";
    }
    const fresh = await LocalMemoryStore.open(dir, { embedder: FIRST_EMBEDDER });
    expect(await fresh.size()).toBe(0);
    await fresh.close();
    return "none";
  }
  const s = await LocalMemoryStore.open(dir, { readOnly, embedder: { id: peek.embedder.id, dimension: peek.embedder.dimension } });
  try {
    expect(s.staleReason, `${where} (${readOnly ? "reader" : "writer"})`).toBeUndefined();
    const ids = (await s.list()).map((e) => e.id);
    if (ids.includes(entryA.id)) {
      expect((await s.search("task", unit(0), 1))[0]!.id).toBe(entryA.id);
      expect((await s.search("facts", unit(5), 1))[0]!.id).toBe(entryA.id);
      expect((await s.search("factValues", unit(3), 1))[0]!.id).toBe(entryA.facts!.object);
    }
    if (ids.includes(entryB.id)) expect((await s.search("task", unit(1), 1))[0]!.id).toBe(entryB.id);
    return JSON.stringify({ ids, history: await s.readLog("history"), embedder: s.embedder.id, state: s.embedder.state !== undefined });
  } finally {
    await s.close();
  }
}

const STATES = [
  "none",
  JSON.stringify({ ids: [], history: [], embedder: "test-embedder", state: true }),
  JSON.stringify({ ids: [entryA.id, entryB.id], history: [{ note: "logged" }], embedder: "test-embedder", state: true }),
  JSON.stringify({ ids: [entryB.id], history: [{ note: "logged" }], embedder: "test-embedder-2", state: false }),
];

describe("SIGKILL at every fsync, rename and unlink of a memory's first commit and of later ones", () => {
  it("always leaves the memory as before or as after the commit, readable without recovery, and touches nothing outside", async () => {
    const listing = await runStoreChild(["commits", sandbox().dir, "0"]);
    expect(listing.code, listing.stderr).toBe(0);
    const points = listing.stdout.trim().split("\n").map((l) => {
      const [phase, label] = l.split("\t");
      return { phase: Number(phase), label: label! };
    });
    // The first commit, a later one, and one that deletes a file: each has its own fault points.
    expect(new Set(points.map((p) => p.phase))).toEqual(new Set([1, 2, 3]));
    expect(points.filter((p) => p.phase === 1).map((p) => p.label)).toContain("rename journal.json");
    expect(points.map((p) => p.label)).toContain("commit delete embedder-state.json");

    const seen = new Set<string>();
    await pool(
      points.map((point, i) => async () => {
        const box = sandbox();
        const run = await runStoreChild(["commits", box.dir, String(i + 1)]);
        const where = `killed at #${i + 1} (commit ${point.phase}: ${point.label})`;
        expect(run.signal, `${where}: ${run.stderr}`).toBe("SIGKILL");
        const allowed = [STATES[point.phase - 1], STATES[point.phase]];
        const read = await observe(box.dir, true, where);
        expect(allowed, `${where}, as a reader sees it`).toContain(read);
        const written = await observe(box.dir, false, where);
        expect(written, `${where}: the writer recovers what the reader saw`).toBe(read);
        seen.add(`${point.phase}:${STATES.indexOf(read)}`);
        const left = readdirSync(box.dir).filter((n) => n === JOURNAL_FILE || isStoreTemp(n) || n.startsWith(LOCK_FILE));
        expect(left, `${where}: leftovers after recovery`).toEqual([]);
        expect(existsSync(join(box.dir, "quarantine")), where).toBe(false);
        box.untouched();
      }),
      2,
    );
    // Every commit was cut both before and after its commit point.
    expect([...seen].sort()).toEqual(["1:0", "1:1", "2:1", "2:2", "3:2", "3:3"]);
  }, 120_000);
});
