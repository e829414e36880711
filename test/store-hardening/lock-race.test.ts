import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../../memory/store/files.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { removeScratch, runStoreChild, sandbox, scratchDir } from "./child.js";

afterAll(removeScratch);

const embedder = { id: "race", dimension: 8 };

/** A memory whose lock was left by a process that no longer exists. */
async function memoryWithStaleLock() {
  const box = sandbox();
  await (await LocalMemoryStore.open(box.dir, { embedder })).close();
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  writeFileSync(join(box.dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), createdAt: "2026-01-01T00:00:00.000Z" }));
  return box;
}

async function race(heldMs: [number, number], markedMs: number) {
  const box = await memoryWithStaleLock();
  const barrier = scratchDir("barrier-");
  const results = await Promise.all(
    (["A", "B"] as const).map((name, i) => runStoreChild(["race", box.dir, name, barrier, String(heldMs[i]), String(markedMs)])),
  );
  const reader = await LocalMemoryStore.open(box.dir, { embedder, readOnly: true });
  const tasks = (await reader.list()).map((e) => e.task.split(" ")[0]);
  await reader.close();
  box.untouched();
  return { results, tasks, left: readdirSync(box.dir).filter((n) => n.startsWith(LOCK_FILE)) };
}

describe("two writers racing to take over a stale lock", () => {
  it("both read the stale lock, one takes it over while the other waits: exactly one writes, the other is refused, nothing is lost", async () => {
    // B acts 150 ms after A: the old takeover (read, unlink, create) let B unlink A's fresh lock.
    const { results, tasks, left } = await race([0, 150], 0);
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won, results.map((r) => r.stderr).join("\n")).toHaveLength(1);
    expect(lost[0]!.code, lost[0]!.stderr).toBe(3);
    expect(lost[0]!.stderr).toMatch(/locked by process \d+/);
    // Every commit that reported success is in the memory.
    expect(tasks).toHaveLength(100);
    expect(left).toEqual([]);
  }, 30_000);

  it("a racer that finds the other holding the takeover marker waits for it instead of taking over too", async () => {
    const { results, tasks, left } = await race([0, 0], 300);
    const won = results.filter((r) => r.code === 0).length;
    for (const r of results) if (r.code !== 0) expect(r.code, r.stderr).toBe(3);
    expect(won).toBeGreaterThanOrEqual(1);
    expect(tasks).toHaveLength(100 * won);
    expect(left).toEqual([]);
  }, 30_000);
});
