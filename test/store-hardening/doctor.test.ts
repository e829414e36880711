import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DERIVED_FILES } from "../../memory/store/files.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { registerMemoryDoctor } from "../../src/cli/memory-doctor.js";
import { runCli } from "../helpers/cli.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import { makeEntry } from "../memory/helpers.js";
import { removeScratch, sandbox } from "./child.js";
import { filesOf, searchable, seededMemory } from "./memories.js";

afterAll(removeScratch);

const doctor = (...args: string[]) => runInProcess((p) => registerMemoryDoctor(p.command("memory")), ["memory", "doctor", ...args]);

/**
 * Every file the directory held is still somewhere, in place or in quarantine: all but what is
 * derived from the entries (rebuilt) and a dead process's lock.
 */
function allKept(dir: string, before: Record<string, string>): void {
  const q = join(dir, "quarantine");
  const kept = new Set(Object.values(filesOf(dir)));
  if (existsSync(q)) for (const stamp of readdirSync(q)) for (const b of Object.values(filesOf(join(q, stamp)))) kept.add(b);
  for (const [name, bytes] of Object.entries(before)) {
    if (name !== ".memp.lock" && !DERIVED_FILES.includes(name)) expect(kept.has(bytes), `${name} was lost`).toBe(true);
  }
}

describe("memp memory doctor", () => {
  it("reports a healthy memory and exits 0, as JSON too", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const r = await doctor("--memory-dir", box.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/healthy \(4 entries, embedder local:hash-v1:d64/);
    const j = await doctor("--memory-dir", box.dir, "--json");
    expect(JSON.parse(j.stdout)).toMatchObject({ dir: box.dir, healthy: true, entries: 4, manifestCount: 4, problems: [] });
  });

  it("lists every problem of a damaged memory at once, exits 1 and changes nothing", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const entries = join(box.dir, "entries.jsonl");
    writeFileSync(entries, readFileSync(entries, "utf8").slice(0, -30));
    const archive = join(box.dir, "archive.jsonl");
    writeFileSync(archive, readFileSync(archive, "utf8").slice(0, -5));
    const index = readFileSync(join(box.dir, "index.faiss"));
    index[100]! ^= 0x04;
    writeFileSync(join(box.dir, "index.faiss"), index);
    writeFileSync(join(box.dir, ".memp.lock"), JSON.stringify({ pid: spawnSync(process.execPath, ["-e", ""]).pid, host: hostname(), createdAt: "then" }));
    writeFileSync(join(box.dir, "entries.jsonl.pending"), "half a commit");
    const before = filesOf(box.dir);
    const r = await doctor("--memory-dir", box.dir, "--json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { healthy: boolean; problems: Array<{ kind: string; file?: string; line?: number; repair?: string }> };
    expect(report.healthy).toBe(false);
    expect(report.problems.map((p) => p.kind).sort()).toEqual(["aux-torn", "count-mismatch", "entries-torn", "lock-stale", "temp-leftover"]);
    expect(report.problems.find((p) => p.kind === "entries-torn")).toMatchObject({ file: entries, line: 4 });
    expect(filesOf(box.dir)).toEqual(before);
    const text = await doctor("--memory-dir", box.dir);
    expect(text.stdout).toMatch(/5 problems/);
    expect(text.stdout).toMatch(/run again with --repair/);
  });

  it("--repair: quarantines what cannot be derived, rebuilds the rest, and exits 0 with a memory every command opens", async () => {
    const box = sandbox();
    const { live, retired } = await seededMemory(box.dir);
    const entries = join(box.dir, "entries.jsonl");
    writeFileSync(entries, readFileSync(entries, "utf8").slice(0, -30));
    const archive = join(box.dir, "archive.jsonl");
    writeFileSync(archive, readFileSync(archive, "utf8").slice(0, -5));
    writeFileSync(join(box.dir, ".memp.lock"), JSON.stringify({ pid: spawnSync(process.execPath, ["-e", ""]).pid, host: hostname(), createdAt: "then" }));
    writeFileSync(join(box.dir, "entries.jsonl.pending"), "half a commit");
    const before = filesOf(box.dir);
    const r = await doctor("--memory-dir", box.dir, "--repair");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kept the 3 readable entries of entries\.jsonl; its 1 damaged line\(s\) are in .*quarantine/);
    expect(r.stdout).toMatch(/rebuilt the indexes from the 3 entries/);
    expect(r.stdout).toMatch(/healthy \(3 entries/);
    allKept(box.dir, before);
    expect(await searchable(box.dir)).toEqual([]);
    const s = await LocalMemoryStore.open(box.dir, { embedder: LocalMemoryStore.peek(box.dir)!.embedder });
    expect((await s.list()).map((e) => e.id)).toEqual(live.slice(0, 3).map((e) => e.id));
    expect(s.readAux("archive.jsonl").endsWith("\n")).toBe(true);
    // The archive's torn last record (the second retirement) is in quarantine; the first is still there.
    expect((await s.archived()).map((r) => r.entry.id)).toEqual([retired[0]!.id]);
    await s.close();
    expect((await doctor("--memory-dir", box.dir)).code).toBe(0);
    box.untouched();
  });

  it("--repair rebuilds a lost manifest from the entries, with the embedder they were fitted with", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const manifest = JSON.parse(readFileSync(join(box.dir, "manifest.json"), "utf8")) as { embedder: { id: string } };
    rmSync(join(box.dir, "manifest.json"));
    const r = await doctor("--memory-dir", box.dir, "--repair", "--json");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { healthy: boolean; entries: number; embedder: string; found: Array<{ kind: string }> };
    expect(report).toMatchObject({ healthy: true, entries: 4, embedder: manifest.embedder.id });
    expect(report.found.map((p) => p.kind)).toEqual(["manifest-missing"]);
    expect(await searchable(box.dir)).toEqual([]);
  });

  it("--repair accepts a shortened entries.jsonl only when asked, keeping the old manifest", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const entries = join(box.dir, "entries.jsonl");
    writeFileSync(entries, readFileSync(entries, "utf8").split("\n").slice(0, 1).join("\n") + "\n");
    const oldManifest = readFileSync(join(box.dir, "manifest.json"), "utf8");
    const r = await doctor("--memory-dir", box.dir, "--repair");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/manifest\.json recorded 4 entries; it now records the 1 in entries\.jsonl \(the old manifest is in (.*)\)/);
    const saved = /the old manifest is in (.*)\)/.exec(r.stdout)![1]!;
    expect(readFileSync(saved, "utf8")).toBe(oldManifest);
    expect(await searchable(box.dir)).toEqual([]);
  });

  it("--repair moves a hostile journal to quarantine and touches nothing outside", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    writeFileSync(join(box.dir, "journal.json"), JSON.stringify({ files: ["../x"], deletes: ["../sentinel.txt"] }));
    writeFileSync(join(box.base, "x.pending"), "evil\n");
    const r = await doctor("--memory-dir", box.dir, "--repair");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/moved the corrupt journal\.json to .*quarantine/);
    box.untouched(["x.pending"]);
  });

  it("a bit-flipped index is reported, and rebuilt by --repair", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const path = join(box.dir, "facts.faiss");
    const b = readFileSync(path);
    b[60]! ^= 0x80;
    writeFileSync(path, b);
    const r = await doctor("--memory-dir", box.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/facts\.faiss does not match its checksum in manifest\.json \(damaged\) \[--repair: rebuild the indexes from the entries\]/);
    expect((await doctor("--memory-dir", box.dir, "--repair")).code).toBe(0);
    expect(readFileSync(path).equals(b)).toBe(false);
  });

  it("what it cannot repair (a newer schema) is left alone, with exit 1", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const entries = join(box.dir, "entries.jsonl");
    writeFileSync(entries, readFileSync(entries, "utf8") + JSON.stringify({ ...makeEntry("from the future"), schemaVersion: 99 }) + "\n");
    const before = filesOf(box.dir);
    const r = await doctor("--memory-dir", box.dir, "--repair");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^memp: .*entries\.jsonl:5: .*upgrade memp/);
    expect(filesOf(box.dir)).toEqual(before);
  });

  it("refuses to repair under a live writer, in one line", async () => {
    const box = sandbox();
    await seededMemory(box.dir);
    const holder = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "memory", "fixtures", "hold-lock.ts"), box.dir], { stdio: ["pipe", "pipe", "inherit"] });
    await new Promise<void>((res) => holder.stdout.once("data", () => res()));
    const archive = join(box.dir, "archive.jsonl");
    writeFileSync(archive, readFileSync(archive, "utf8").slice(0, -5));
    try {
      const diag = await doctor("--memory-dir", box.dir);
      expect(diag.stdout).toMatch(new RegExp(`note: process ${holder.pid} .* is writing to this memory`));
      const r = await doctor("--memory-dir", box.dir, "--repair");
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^memp: memory directory ${box.dir} is locked by process ${holder.pid} .*\\n$`));
    } finally {
      holder.stdin.end();
      await new Promise((res) => holder.on("exit", res));
    }
  });

  it("is a `memp memory` command, and a bad directory is a one-line error", async () => {
    const box = sandbox();
    mkdirSync(box.dir);
    const r = await runCli(["memory", "doctor", "--memory-dir", join(box.base, "x", "mem")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^memp: .*x\/mem: .*expected a memory directory\n$/);
    const empty = await doctor("--memory-dir", "");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^memp: expected a memory directory, got an empty path/);
    const none = await doctor("--memory-dir", box.dir);
    expect(none.stderr).toMatch(/no memory here/);
  });
});
