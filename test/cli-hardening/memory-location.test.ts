import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerExperimentCommands } from "../../src/cli/experiment.js";
import { runCli } from "../helpers/cli.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import type { MemoryEntry } from "../../memory/types.js";
import { exportFile, makeEntry, memp, oneLine, tempDir } from "./helpers.js";

afterEach(() => vi.unstubAllEnvs());

const TASKS = ["heat an egg", "cool a mug", "clean a knife"];

/** `memp memory show --json` of a memory named by `args`. */
async function shown(args: string[]): Promise<{ count: number; entries: MemoryEntry[] }> {
  const r = await memp(["memory", "show", ...args, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { count: number; entries: MemoryEntry[] };
}

describe("which memory a command works on: --memory, --memory-dir, MEMP_MEMORY_URL", () => {
  it("--memory names a folder: import creates it, show, search and export read it", async () => {
    const dir = tempDir("memp-location-");
    const mem = join(dir, "mem");
    const seed = exportFile(dir, TASKS.map((t) => makeEntry(t)), "seed.jsonl");
    const imported = await memp(["memory", "import", seed, "--memory", mem]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^imported 3 entries \(0 already present\).*; the memory holds 3 entries\n$/);
    expect(existsSync(join(mem, "entries.jsonl"))).toBe(true);

    const show = await memp(["memory", "show", "--memory", mem]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout.split("\n")[0]).toMatch(new RegExp(`^3 entries in ${mem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, embedder `));
    const search = await memp(["memory", "search", "cool a mug", "--memory", mem, "--top-k", "1", "--json"]);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain("cool a mug");
    // --memory-dir is the same option under its older name.
    expect((await shown(["--memory-dir", mem])).count).toBe(3);
    // Both, naming the same memory, are accepted.
    expect((await shown(["--memory", mem, "--memory-dir", mem])).count).toBe(3);
  });

  it("MEMP_MEMORY_URL is used when no flag names a memory; a flag wins over it", async () => {
    const dir = tempDir("memp-location-");
    const [a, b] = [join(dir, "a"), join(dir, "b")];
    expect((await memp(["memory", "import", exportFile(dir, TASKS.map((t) => makeEntry(t)), "a.jsonl"), "--memory", a])).code).toBe(0);
    expect((await memp(["memory", "import", exportFile(dir, [makeEntry("wash a plate")], "b.jsonl"), "--memory", b])).code).toBe(0);

    vi.stubEnv("MEMP_MEMORY_URL", a);
    expect((await shown([])).count).toBe(3);
    expect((await shown(["--memory", b])).count).toBe(1);
    expect((await shown(["--memory-dir", b])).count).toBe(1);
    // A write through the variable lands in its memory.
    expect((await memp(["memory", "import", exportFile(dir, [makeEntry("slice a bread")], "c.jsonl")])).code).toBe(0);
    expect((await shown(["--memory", a])).entries.map((e) => e.task)).toEqual([...TASKS, "slice a bread"]);
    expect((await shown(["--memory", b])).entries.map((e) => e.task)).toEqual(["wash a plate"]);

    // The real executable reads it from its environment too.
    const real = await runCli(["memory", "show"], { MEMP_MEMORY_URL: b });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/^1 entries in /);
    expect(real.stdout).toContain("wash a plate");
  });

  it("--memory and --memory-dir naming two memories, or no memory at all: exit 1 with one line, nothing created", async () => {
    const dir = tempDir("memp-location-");
    const [a, b] = [join(dir, "a"), join(dir, "b")];
    const seed = exportFile(dir, [makeEntry("heat an egg")], "seed.jsonl");
    for (const args of [
      ["memory", "import", seed, "--memory", a, "--memory-dir", b],
      ["memory", "show", "--memory", a, "--memory-dir", b],
      ["memory", "export", "--memory", a, "--memory-dir", b, "--out", join(dir, "out.jsonl")],
    ]) {
      const r = await memp(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(oneLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toBe("memp: field \"--memory\": --memory and --memory-dir name two memories; pass one\n");
    }
    expect(existsSync(a) || existsSync(b)).toBe(false);
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);

    // The experiment commands check the same, before any work.
    const offline = await runInProcess(registerExperimentCommands, ["offline", "--env", "alfworld", "--agent", "replay", "--use-memory", "--memory", a, "--memory-dir", b, "--results-dir", join(dir, "results")]);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toBe("memp: field \"--memory\": --memory and --memory-dir name two memories; pass one\n");
    expect(existsSync(join(dir, "results"))).toBe(false);

    // Neither a flag nor the variable.
    vi.stubEnv("MEMP_MEMORY_URL", "");
    const none = await memp(["memory", "show"]);
    expect(none.code).toBe(1);
    expect(oneLine(none.stderr), none.stderr).toBe(true);
    expect(none.stderr).toMatch(/no memory given: pass --memory \(a folder or a postgres:\/\/ URL\) or set MEMP_MEMORY_URL/);
  });

  it("export from one folder and import into another through --memory carries every entry over, with its stats and provenance", async () => {
    const dir = tempDir("memp-location-");
    const [from, to] = [join(dir, "from"), join(dir, "to")];
    const entries = TASKS.map((t, i) =>
      makeEntry(t, { stats: { hits: i + 1, successes: i }, facts: { object: t.split(" ").at(-1)! }, provenance: { source: `run-${i}`, model: "gpt-x", env: "alfworld", createdAt: "2026-01-02T00:00:00.000Z", updatedAt: "2026-01-03T00:00:00.000Z" } }),
    );
    expect((await memp(["memory", "import", exportFile(dir, entries, "seed.jsonl"), "--memory", from])).code).toBe(0);

    const out = join(dir, "export.jsonl");
    const exported = await memp(["memory", "export", "--memory", from, "--out", out]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(`exported 3 entries to ${out}\n`);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(4);

    const imported = await memp(["memory", "import", out, "--memory", to]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^imported 3 entries \(0 already present\).*; the memory holds 3 entries\n$/);
    const [source, target] = [await shown(["--memory", from]), await shown(["--memory", to])];
    expect(target.entries).toEqual(source.entries);
    expect(target.entries.map((e) => [e.task, e.stats, e.provenance.source])).toEqual(TASKS.map((t, i) => [t, { hits: i + 1, successes: i }, `run-${i}`]));

    // Importing again adds nothing; the target is searchable with its own index.
    const again = await memp(["memory", "import", out, "--memory", to]);
    expect(again.stdout).toMatch(/^imported 0 entries \(3 already present\)/);
    const search = await memp(["memory", "search", "clean a knife", "--memory", to, "--top-k", "1", "--json"]);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain("clean a knife");
  });
});
