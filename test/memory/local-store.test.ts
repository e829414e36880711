import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalMemoryStore } from "../../memory/store/local.js";
import type { VectorBackend } from "../../memory/store/search.js";
import { LOCK_FILE } from "../../memory/store/lock.js";
import { setAfterJournalHookForTesting } from "../../memory/store/transaction.js";
import { CorruptFileError, LockError } from "../../core/errors.js";
import { setBeforeRenameHookForTesting } from "../../core/util/atomic.js";
import { validateStore } from "../../testing/store-conformance.js";
import { axis, makeEntry, tempDir, vectorsOf } from "./helpers.js";

const D = 8;
const embedder = { id: "test-embedder", dimension: D };

// The shared conformance suite, once per way a local memory searches. One writer holds a
// directory at a time, so the suite's concurrent-writers checks do not apply.
for (const vectorBackend of ["faiss", "simd", "exact"] as const satisfies readonly VectorBackend[]) {
  validateStore(
    {
      name: `local (${vectorBackend})`,
      create: (e) => LocalMemoryStore.open(tempDir("memp-conformance-"), { embedder: e, vectorBackend }),
      reopen: (store, o) => LocalMemoryStore.open(store.location, { readOnly: o.readOnly, embedder: o.embedder ?? store.embedder, vectorBackend }),
      destroy: async (store) => rmSync(store.location, { recursive: true, force: true }),
      concurrentWriters: false,
    },
    { describe, it },
  );
}

async function seeded(dir: string, tasks: string[]) {
  const s = await LocalMemoryStore.open(dir, { embedder });
  await s.add(tasks.map((t) => makeEntry(t)), tasks.map((_, i) => vectorsOf(axis(D, i))));
  return s;
}

afterEach(() => {
  setBeforeRenameHookForTesting(undefined);
  setAfterJournalHookForTesting(undefined);
});

describe("crash safety", () => {
  it("a write interrupted between temp file and rename leaves the old state", async () => {
    const dir = tempDir();
    const s = await seeded(dir, ["a", "b"]);
    setBeforeRenameHookForTesting(() => {
      throw new Error("simulated crash");
    });
    await expect(s.add([makeEntry("c")], [vectorsOf(axis(D, 2))])).rejects.toThrow("simulated crash");
    setBeforeRenameHookForTesting(undefined);
    await s.close();
    const r = await LocalMemoryStore.open(dir, { embedder });
    expect((await r.list()).map((e) => e.task)).toEqual(["a", "b"]);
    expect(r.staleReason).toBeUndefined();
    await r.close();
  });

  it("a commit whose journal is durable is completed on the next open", async () => {
    const dir = tempDir();
    const s = await seeded(dir, ["a"]);
    setAfterJournalHookForTesting(() => {
      throw new Error("died after the commit point");
    });
    await expect(s.add([makeEntry("b")], [vectorsOf(axis(D, 1))])).rejects.toThrow("died");
    setAfterJournalHookForTesting(undefined);
    // A lock-free reader already sees the committed state through the journal.
    const reader = await LocalMemoryStore.open(dir, { embedder, readOnly: true });
    expect((await reader.list()).map((e) => e.task)).toEqual(["a", "b"]);
    await s.close();
    const w = await LocalMemoryStore.open(dir, { embedder });
    expect((await w.list()).map((e) => e.task)).toEqual(["a", "b"]);
    expect(existsSync(join(dir, "journal.json"))).toBe(false);
    expect((await w.search("task", axis(D, 1), 1))[0]!.id).toBe(makeEntry("b").id);
    await w.close();
  });

  it("survives a SIGKILL in the middle of a commit, and takes over the dead process's lock", async () => {
    const dir = tempDir();
    await (await seeded(dir, ["a"])).close();
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "fixtures", "kill-mid-commit.ts"), dir],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const signal = await new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_code, sig) => res(sig)));
    expect(signal, stderr).toBe("SIGKILL");
    expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
    const r = await LocalMemoryStore.open(dir, { embedder });
    expect((await r.list()).map((e) => e.task)).toEqual(["a"]);
    await r.close();
  });
});

describe("locking", () => {
  it("refuses a second writer in the same process, allows readers", async () => {
    const dir = tempDir();
    const s = await seeded(dir, ["a"]);
    await expect(LocalMemoryStore.open(dir, { embedder })).rejects.toThrow(LockError);
    const r = await LocalMemoryStore.open(dir, { embedder, readOnly: true });
    expect(await r.size()).toBe(1);
    await r.close();
    await s.close();
    await (await LocalMemoryStore.open(dir, { embedder })).close();
  });

  it("names the live process that holds the lock", async () => {
    const dir = tempDir();
    await (await seeded(dir, ["a"])).close();
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "hold-lock.ts"), dir], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((res) => child.stdout.once("data", () => res()));
    try {
      const err = await LocalMemoryStore.open(dir, { embedder }).catch((e: unknown) => e);
      expect(LockError.isInstance(err)).toBe(true);
      expect((err as LockError).holderPid).toBe(child.pid);
      expect((err as Error).message).toContain(`locked by process ${child.pid}`);
    } finally {
      child.stdin.end();
      await new Promise((res) => child.on("exit", res));
    }
    await (await LocalMemoryStore.open(dir, { embedder })).close();
  });
});

describe("corrupt files", () => {
  it("reports a truncated entries file with its path and line", async () => {
    const dir = tempDir();
    await (await seeded(dir, ["a", "b"])).close();
    const path = join(dir, "entries.jsonl");
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.slice(0, text.length - 20));
    const err = await LocalMemoryStore.open(dir, { embedder, readOnly: true }).catch((e: unknown) => e);
    expect(CorruptFileError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2: invalid JSON \\(the file looks truncated\\)`));
  });

  it("names the field of an invalid entry", async () => {
    const dir = tempDir();
    await (await seeded(dir, ["a"])).close();
    const path = join(dir, "entries.jsonl");
    const entry = JSON.parse(readFileSync(path, "utf8"));
    entry.stats.hits = "many";
    writeFileSync(path, JSON.stringify(entry) + "\n");
    await expect(LocalMemoryStore.open(dir, { embedder, readOnly: true })).rejects.toThrow(/entries\.jsonl:1: invalid entry: field "stats\.hits"/);
  });

  it("reports an unreadable manifest", async () => {
    const dir = tempDir();
    await (await seeded(dir, ["a"])).close();
    writeFileSync(join(dir, "manifest.json"), "{ nope");
    await expect(LocalMemoryStore.open(dir, { embedder, readOnly: true })).rejects.toThrow(/manifest\.json: invalid JSON/);
  });
});

describe("stale index", () => {
  it("is detected when the embedder changes, when an index file is missing, and when counts disagree", async () => {
    const dir = tempDir();
    await (await seeded(dir, ["a", "b"])).close();
    const other = await LocalMemoryStore.open(dir, { embedder: { id: "other", dimension: 4 }, readOnly: true });
    expect(other.staleReason).toMatch(/indexed with embedder test-embedder \(8-d\), not other \(4-d\)/);
    await expect(other.search("task", new Float32Array(4), 1)).rejects.toThrow(/stale/);
    rmSync(join(dir, "index.faiss"));
    const missing = await LocalMemoryStore.open(dir, { embedder, readOnly: true });
    expect(missing.staleReason).toBe("an index file is missing");
    const w = await LocalMemoryStore.open(dir, { embedder: { id: "other", dimension: 4 } });
    await w.reindex({ id: "other", dimension: 4 }, [vectorsOf(axis(4, 0)), vectorsOf(axis(4, 1))]);
    await w.close();
    const fresh = await LocalMemoryStore.open(dir, { embedder: { id: "other", dimension: 4 }, readOnly: true });
    expect(fresh.staleReason).toBeUndefined();
    expect((await fresh.search("task", axis(4, 1), 1))[0]!.id).toBe(makeEntry("b").id);
  });
});
