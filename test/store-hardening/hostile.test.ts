import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { archivedEntries, restoreEntry } from "../../memory/update/archive.js";
import { ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE } from "../../memory/update/records.js";
import type { MemoryStore } from "../../memory/store/types.js";
import type { MemoryEntry } from "../../memory/types.js";
import { CorruptFileError, InputError, LockError } from "../../core/errors.js";
import { setBeforeRenameHookForTesting } from "../../core/util/atomic.js";
import { axis, makeEntry, vectorsOf } from "../memory/helpers.js";
import { runCli } from "../helpers/cli.js";
import { removeScratch, sandbox } from "./child.js";
import { filesOf, openBank, searchable, seededMemory } from "./memories.js";

afterAll(removeScratch);

afterEach(() => setBeforeRenameHookForTesting(undefined));

/** Every way of opening the memory, each of which must refuse the same way. */
async function refusals(dir: string): Promise<unknown[]> {
  const peek = (() => {
    try {
      return LocalMemoryStore.peek(dir)?.embedder;
    } catch {
      return undefined;
    }
  })();
  const embedder = peek ? { id: peek.id, dimension: peek.dimension } : { id: "x", dimension: 64 };
  return Promise.all([
    LocalMemoryStore.open(dir, { embedder }).then(() => "opened for writing", (e: unknown) => e),
    LocalMemoryStore.open(dir, { embedder, readOnly: true }).then(() => "opened for reading", (e: unknown) => e),
    openBank(dir).then(() => "bank opened for writing", (e: unknown) => e),
    openBank(dir, true).then(() => "bank opened for reading", (e: unknown) => e),
  ]);
}

describe("1. a journal naming anything but the store's own files is refused, and nothing is touched", () => {
  const cases: Array<{ name: string; journal: string; plant?: (base: string, dir: string) => string[]; names: string }> = [
    { name: "a rename to ../x", journal: JSON.stringify({ files: ["../x"] }), plant: (base) => (writeFileSync(join(base, "x.pending"), "evil\n"), ["x.pending"]), names: '"../x"' },
    { name: "a delete of ../x", journal: JSON.stringify({ files: [], deletes: ["../x"] }), names: '"../x"' },
    { name: "a delete of ../../x", journal: JSON.stringify({ files: [], deletes: ["../../x"] }), names: '"../../x"' },
    { name: "an absolute path", journal: JSON.stringify({ files: [], deletes: ["/etc/hostname"] }), names: '"/etc/hostname"' },
    { name: "a file of the user's", journal: JSON.stringify({ files: ["notes.txt"] }), plant: (_b, dir) => (writeFileSync(join(dir, "notes.txt.pending"), "evil\n"), []), names: '"notes.txt"' },
    { name: "deleting the entries", journal: JSON.stringify({ files: [], deletes: ["entries.jsonl"] }), names: '"entries.jsonl"' },
    { name: "a pending file that is a symlink out", journal: JSON.stringify({ files: ["entries.jsonl"] }), plant: (base, dir) => (symlinkSync(join(base, "x"), join(dir, "entries.jsonl.pending")), []), names: "entries.jsonl.pending is a symbolic link" },
    { name: "not JSON", journal: "{ nope", names: "unreadable commit journal" },
    { name: "the wrong shape", journal: JSON.stringify({ files: "entries.jsonl" }), names: "unreadable commit journal" },
  ];
  for (const c of cases) {
    it(`${c.name}`, async () => {
      const box = sandbox();
      const s = await LocalMemoryStore.open(box.dir, { embedder: { id: "e", dimension: 8 } });
      await s.add([makeEntry("a")], [vectorsOf(axis(8, 0))]);
      await s.close();
      const planted = c.plant?.(box.base, box.dir) ?? [];
      writeFileSync(join(box.dir, "journal.json"), c.journal);
      const before = filesOf(box.dir);
      for (const err of await refusals(box.dir)) {
        expect(CorruptFileError.isInstance(err), String(err)).toBe(true);
        expect((err as Error).message).toContain(join(box.dir, "journal.json"));
        expect((err as Error).message).toContain(c.names);
        expect((err as Error).message).toContain("nothing was changed");
      }
      expect(filesOf(box.dir)).toEqual(before);
      box.untouched(planted);
      for (const p of planted) expect(readFileSync(join(box.base, p), "utf8")).toBe("evil\n");
    });
  }
});

describe("3. entries without a manifest are never overwritten by a new memory", () => {
  it("refuses every open, says how to recover, and leaves entries.jsonl as it was", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    rmSync(join(box.dir, "manifest.json"));
    const before = filesOf(box.dir);
    for (const err of await refusals(box.dir)) {
      expect(CorruptFileError.isInstance(err), String(err)).toBe(true);
      expect((err as Error).message).toMatch(/manifest\.json: missing, but the directory holds entries\.jsonl.*\(4 entries\).*memp memory doctor --memory-dir .* --repair/);
    }
    expect(filesOf(box.dir)).toEqual(before);
    box.untouched();
  });
});

describe("4. entries.jsonl disagreeing with the manifest is refused for writers and readers alike", () => {
  const damage: Array<[string, (path: string) => void, RegExp]> = [
    ["shortened", (p) => writeFileSync(p, readFileSync(p, "utf8").split("\n").slice(0, 2).join("\n") + "\n"), /holds 2 entries, but manifest\.json records 4/],
    ["emptied", (p) => writeFileSync(p, ""), /holds 0 entries, but manifest\.json records 4/],
    ["deleted", (p) => rmSync(p), /is missing, but manifest\.json records 4/],
    ["grown by hand", (p) => writeFileSync(p, readFileSync(p, "utf8") + JSON.stringify(makeEntry("a new one")) + "\n"), /holds 5 entries, but manifest\.json records 4/],
  ];
  for (const [what, harm, message] of damage) {
    it(`${what}: every open refuses, naming the problem and the repair, and nothing is written`, async () => {
      const box = sandbox();
      await seededMemory(box.dir);
      harm(join(box.dir, "entries.jsonl"));
      const before = filesOf(box.dir);
      for (const err of await refusals(box.dir)) {
        expect(CorruptFileError.isInstance(err), String(err)).toBe(true);
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).toContain(`memp memory doctor --memory-dir ${box.dir} --repair`);
      }
      expect(filesOf(box.dir)).toEqual(before);
      box.untouched();
    });
  }

  it("a torn last line of entries.jsonl is refused too, never glued to", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const path = join(box.dir, "entries.jsonl");
    writeFileSync(path, readFileSync(path, "utf8").slice(0, -40));
    const before = filesOf(box.dir);
    for (const err of await refusals(box.dir)) {
      expect((err as Error).message).toMatch(/entries\.jsonl:4: invalid JSON \(the file looks truncated\).*memp memory doctor/);
    }
    expect(filesOf(box.dir)).toEqual(before);
  });
});

describe("5. a torn last line of the archive, history or update log is quarantined, never glued to", () => {
  /** Adds one record to the file, as an update would: a retirement for the archive, a log record for the logs. */
  const appendTo: Record<string, (store: MemoryStore, live: MemoryEntry[], note: string) => Promise<unknown>> = {
    [ARCHIVE_FILE]: (store, live, note) => store.retire([{ id: live[0]!.id, reason: note }]),
    [HISTORY_FILE]: (store, _live, note) => store.appendLog("history", [{ at: "later", note }]),
    [UPDATE_LOG_FILE]: (store, _live, note) => store.appendLog("updates", [{ at: "later", note }]),
  };
  for (const file of [ARCHIVE_FILE, HISTORY_FILE, UPDATE_LOG_FILE]) {
    it(`${file}: readers leave it out and say so; the next writer moves it to quarantine and says so`, async () => {
      const box = sandbox();
      const { live } = await seededMemory(box.dir);
      const path = join(box.dir, file);
      const whole = readFileSync(path, "utf8");
      const cut = whole.slice(0, -25);
      writeFileSync(path, cut);
      const torn = cut.slice(cut.lastIndexOf("\n") + 1);

      const readerWarnings: string[] = [];
      const reader = await LocalMemoryStore.open(box.dir, { readOnly: true, embedder: LocalMemoryStore.peek(box.dir)!.embedder, onWarning: (m) => readerWarnings.push(m) });
      expect(reader.readAux(file)).toBe(cut.slice(0, cut.length - torn.length));
      reader.readAux(file);
      expect(readerWarnings).toHaveLength(1);
      expect(readerWarnings[0]).toMatch(/ignoring a torn last line/);
      await reader.close();
      expect(readFileSync(path, "utf8")).toBe(cut);

      const warnings: string[] = [];
      const w = await LocalMemoryStore.open(box.dir, { embedder: LocalMemoryStore.peek(box.dir)!.embedder, onWarning: (m) => warnings.push(m) });
      await appendTo[file]!(w, live, "appended after the repair");
      await w.close();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`${file}: its last line was torn .* moved it to .*quarantine`));
      const saved = warnings[0]!.split("moved it to ")[1]!;
      expect(readFileSync(saved, "utf8")).toBe(torn);
      const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
      expect(lines.at(-1)).toContain("appended after the repair");
      box.untouched();
    });
  }

  it("a tail torn while a writer has the memory open is quarantined before the writer appends", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const warnings: string[] = [];
    const w = await LocalMemoryStore.open(box.dir, { embedder: LocalMemoryStore.peek(box.dir)!.embedder, onWarning: (m) => warnings.push(m) });
    const path = join(box.dir, HISTORY_FILE);
    writeFileSync(path, readFileSync(path, "utf8").slice(0, -7));
    await w.appendLog("history", [{ note: "after" }]);
    await w.close();
    expect(warnings).toHaveLength(1);
    expect(existsSync(warnings[0]!.split("moved it to ")[1]!)).toBe(true);
    for (const l of readFileSync(path, "utf8").split("\n").filter(Boolean)) expect(() => JSON.parse(l)).not.toThrow();
  });

  it("the reported case: after a torn archive line, an update's retirement and a restore both work", async () => {
    const box = sandbox();
    const { live, retired } = await seededMemory(box.dir);
    const path = join(box.dir, ARCHIVE_FILE);
    writeFileSync(path, readFileSync(path, "utf8").slice(0, -10));
    const stderr: string[] = [];
    const spy = (await import("vitest")).vi.spyOn(process.stderr, "write").mockImplementation((c) => (stderr.push(String(c)), true));
    try {
      const bank = await openBank(box.dir);
      // Retire one more, as an update would: the new record goes on its own line.
      await bank.store.transaction(async (tx) => {
        await tx.retire([{ id: live[0]!.id, reason: "later" }]);
      });
      expect((await archivedEntries(bank.store)).map((r) => r.entry.id)).toEqual([retired[0]!.id, live[0]!.id]);
      const restored = await restoreEntry(bank, live[0]!.id);
      expect(restored.id).toBe(live[0]!.id);
      expect((await archivedEntries(bank.store)).map((r) => r.entry.id)).toEqual([retired[0]!.id]);
      await bank.close();
    } finally {
      spy.mockRestore();
    }
    expect(stderr.join("")).toMatch(/archive\.jsonl: its last line was torn/);
    expect(readdirSync(join(box.dir, "quarantine"))).toHaveLength(1);
  });
});

describe("8. the first commit of a memory is as atomic as any other", () => {
  it("a crash just before the journal of the first commit leaves a directory the next open starts afresh", async () => {
    const box = sandbox();
    setBeforeRenameHookForTesting((_tmp, final) => {
      if (final.endsWith("journal.json")) throw new Error("killed before the commit point");
    });
    await expect(LocalMemoryStore.open(box.dir, { embedder: { id: "e", dimension: 8 } })).rejects.toThrow("killed before the commit point");
    setBeforeRenameHookForTesting(undefined);
    expect(readdirSync(box.dir).some((n) => n.endsWith(".pending"))).toBe(true);
    await expect(LocalMemoryStore.open(box.dir, { embedder: { id: "e", dimension: 8 }, readOnly: true })).rejects.toThrow(/no memory here/);
    const s = await LocalMemoryStore.open(box.dir, { embedder: { id: "e", dimension: 8 } });
    await s.add([makeEntry("a")], [vectorsOf(axis(8, 0))]);
    await s.close();
    const r = await LocalMemoryStore.open(box.dir, { embedder: { id: "e", dimension: 8 }, readOnly: true });
    expect(await r.size()).toBe(1);
    await r.close();
  });
});

describe("9. a damaged derived file is rebuilt from the entries, never trusted and never locking the memory", () => {
  const flips: Array<[string, string, (b: Buffer) => void]> = [
    ["index.faiss", "a bit in a vector", (b) => (b[45 + 64 * 4 + 7]! ^= 0x10)],
    ["index.faiss", "a bit in the header", (b) => (b[9]! ^= 0x01)],
    ["facts.faiss", "a bit in a vector", (b) => (b[45 + 3]! ^= 0x40)],
    ["fact-values.faiss", "a bit in a vector", (b) => (b[45 + 64 * 4 + 1]! ^= 0x08)],
    ["fact-values.json", "a letter of a value", (b) => (b[b.indexOf('"', 2) - 1]! ^= 0x01)],
    ["embedder-state.json", "a digit of a count", (b) => (b[b.indexOf(":", b.indexOf('"df"') + 6) + 1]! ^= 0x01)],
  ];
  for (const [file, what, flip] of flips) {
    it(`${file}: ${what}`, async () => {
      const box = sandbox();
      await seededMemory(box.dir);
      const path = join(box.dir, file);
      const bytes = readFileSync(path);
      flip(bytes);
      writeFileSync(path, bytes);
      const peek = LocalMemoryStore.peek(box.dir)!;
      const embedder = { id: peek.embedder.id, dimension: peek.embedder.dimension };
      const reader = await LocalMemoryStore.open(box.dir, { readOnly: true, embedder });
      expect(reader.staleReason).toContain(file);
      await reader.close();
      // A reader re-embeds in memory (and finds every entry); the damaged file stays until a writer.
      expect(await searchable(box.dir)).toEqual([]);
      expect(readFileSync(path).equals(bytes)).toBe(true);
      const bank = await openBank(box.dir);
      expect(bank.store.staleReason).toBeUndefined();
      await bank.close();
      // Rebuilt, embedder-state.json included (the local embedder is fitted again on the entries).
      expect(readFileSync(path).equals(bytes)).toBe(false);
      const after = LocalMemoryStore.peek(box.dir)!.embedder;
      const rebuilt = await LocalMemoryStore.open(box.dir, { readOnly: true, embedder: { id: after.id, dimension: after.dimension } });
      expect(rebuilt.staleReason).toBeUndefined();
      await rebuilt.close();
      expect(await searchable(box.dir)).toEqual([]);
      box.untouched();
    });
  }
});

describe("paths that are not memory directories are one-line errors naming them", () => {
  it("a lock path that is a directory", async () => {
    const box = sandbox();
    mkdirSync(join(box.dir, ".memp.lock"), { recursive: true });
    const err = await LocalMemoryStore.open(box.dir, { embedder: { id: "e", dimension: 8 } }).catch((e: unknown) => e);
    expect(LockError.isInstance(err), String(err)).toBe(true);
    expect((err as Error).message).toBe(`${join(box.dir, ".memp.lock")} is a directory; expected memp's lock file (a small JSON file). Remove it if no memp process is using ${box.dir}`);
  });

  it("a dangling symlink, a path through a file, a symlink loop, and an empty path", async () => {
    const box = sandbox();
    mkdirSync(box.dir);
    symlinkSync(join(box.base, "nowhere"), join(box.dir, "dangling"));
    symlinkSync(join(box.dir, "loop-b"), join(box.dir, "loop-a"));
    symlinkSync(join(box.dir, "loop-a"), join(box.dir, "loop-b"));
    const cases: Array<[string, RegExp]> = [
      [join(box.dir, "dangling"), /dangling: is a symbolic link to .*nowhere, which does not exist; expected a (readable )?memory directory/],
      [join(box.base, "x", "mem"), /x\/mem: a parent of this path is a file, not a directory; expected a (readable )?memory directory/],
      [join(box.dir, "loop-a"), /loop-a: too many levels of symbolic links; expected a (readable )?memory directory/],
      [join(box.base, "x"), /x: is a file; expected a (readable )?memory directory/],
      ["", /expected a memory directory, got an empty path/],
      ["  ", /expected a memory directory, got an empty path/],
    ];
    const cwdBefore = readdirSync(process.cwd()).sort();
    for (const [path, message] of cases) {
      for (const readOnly of [false, true]) {
        const err = await LocalMemoryStore.open(path, { embedder: { id: "e", dimension: 8 }, readOnly }).catch((e: unknown) => e);
        expect(InputError.isInstance(err), `${path}: ${String(err)}`).toBe(true);
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).not.toContain("\n");
      }
    }
    expect(() => LocalMemoryStore.peek("")).toThrow(/empty path/);
    expect(readdirSync(process.cwd()).sort()).toEqual(cwdBefore);
    expect(existsSync(join(box.base, "nowhere"))).toBe(false);
    box.untouched();
  });

  it("a directory this user may not write to", async () => {
    const box = sandbox();
    mkdirSync(box.dir, { mode: 0o555 });
    const runs = join(box.base, "runs.jsonl");
    writeFileSync(runs, JSON.stringify({ task: "heat an egg", steps: [{ action: "go to microwave 1", observation: "ok" }] }) + "\n");
    // Root writes anywhere: the check runs as an unprivileged user.
    for (const d of [box.base, dirname(box.base)]) chmodSync(d, 0o755);
    const r = await runCli(["memory", "build", "--from", runs, "--memory-dir", box.dir], {}, { asUnprivileged: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/permission denied; expected a memory directory memp can write to/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
