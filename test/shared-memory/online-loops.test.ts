/**
 * Many agents, one memory: four processes run online update loops (retrieve, record, commit
 * with the adjustment policy) against one PostgreSQL memory at the same time. Nothing may be lost:
 * every entry added is there, every hit and success is counted, and every rewrite of an entry
 * has a version of its own in the history.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { MemoryBank } from "../../memory/bank.js";
import { ENTRY_SCHEMA_VERSION, type MemoryEntry } from "../../memory/types.js";
import type { UpdateReport } from "../../memory/update/types.js";
import { describePostgres, Schemas } from "../postgres/helpers.js";

const run = promisify(execFile);
const FIXTURE = join(__dirname, "fixtures", "online-loop.ts");
const PROCESSES = 4;
const ROUNDS = 8;
// Without a server these are skipped, and under CI=true test/postgres/server.test.ts fails.
const schemas = new Schemas();
afterAll(() => schemas.dropAll());

function seed(i: number): MemoryEntry {
  const now = new Date().toISOString();
  return {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: `seed-${i}`,
    task: `heat a mug ${i} and put it in the cabinet`,
    kind: "script",
    script: `1. take mug ${i}\n2. heat it`,
    trajectory: null,
    facts: null,
    stats: { hits: 0, successes: 0 },
    provenance: { source: "seed", model: null, createdAt: now, updatedAt: now },
  };
}

describePostgres("shared memory: online update loops in several processes against one PostgreSQL memory", () => {
  it(`${PROCESSES} processes x ${ROUNDS} rounds lose no entry, no count and no version`, { timeout: 240_000 }, async () => {
    const location = schemas.location();
    const embeddings = new LocalHashEmbeddings({ dimension: 64 });
    const bank = await MemoryBank.open(location, { embeddings: { embeddings, id: embeddings.id } });
    await bank.add(Array.from({ length: 12 }, (_, i) => seed(i)));
    await bank.close();

    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, (_, who) => run(process.execPath, ["--import", "tsx", FIXTURE, location, String(who), String(ROUNDS)], { maxBuffer: 1 << 26 })),
    );
    const rounds = outputs.flatMap((o) =>
      o.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { tasks: Array<{ retrieved: string[]; success: boolean }>; report: UpdateReport }),
    );
    expect(rounds).toHaveLength(PROCESSES * ROUNDS);

    const reader = await MemoryBank.open(location, { embeddings: { embeddings, id: embeddings.id }, readOnly: true });
    try {
      const entries = new Map((await reader.store.list()).map((e) => [e.id, e]));
      // Every entry added by any process is there: no add was lost to another's commit.
      const added = rounds.flatMap((r) => r.report.added);
      expect(new Set(added).size).toBe(added.length);
      expect(entries.size).toBe(12 + added.length);
      for (const id of added) expect(entries.has(id)).toBe(true);

      // Every hit and success booked, exactly.
      const expected = new Map<string, { hits: number; successes: number }>();
      for (const r of rounds) {
        for (const t of r.tasks) {
          for (const id of new Set(t.retrieved)) {
            const s = expected.get(id) ?? { hits: 0, successes: 0 };
            s.hits++;
            if (t.success) s.successes++;
            expected.set(id, s);
          }
        }
      }
      expect(expected.size).toBeGreaterThan(5);
      for (const [id, e] of entries) expect({ id, ...e.stats }).toEqual({ id, ...(expected.get(id) ?? { hits: 0, successes: 0 }) });

      // Every rewrite has its own version: each failed task that was shown an entry rewrote one,
      // and an entry's versions 2..v each appear once in the history, each from the one before.
      const history = (await reader.store.readLog("history")) as Array<{ id: string; version: number; event: string; previous: MemoryEntry; cause?: { analysis?: string } }>;
      const adjusted = history.filter((h) => h.event === "adjusted");
      const failedAndShown = rounds.flatMap((r) => r.tasks).filter((t) => !t.success && t.retrieved.length > 0).length;
      expect(adjusted).toHaveLength(failedAndShown);
      const perEntry = new Map<string, number[]>();
      for (const h of adjusted) perEntry.set(h.id, [...(perEntry.get(h.id) ?? []), h.version]);
      // The proof needs contention: entries that processes rewrote one after another.
      const writers = new Map<string, Set<string>>();
      for (const h of adjusted) writers.set(h.id, (writers.get(h.id) ?? new Set()).add(h.cause?.analysis ?? ""));
      expect([...writers.values()].filter((w) => w.size >= 2).length).toBeGreaterThan(0);
      for (const [id, e] of entries) {
        const versions = (perEntry.get(id) ?? []).sort((a, b) => a - b);
        expect(e.version ?? 1).toBe(1 + versions.length);
        expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 2));
      }
      for (const h of adjusted) expect(h.previous.version ?? 1).toBe(h.version - 1);
      for (const r of rounds) for (const id of r.report.adjusted) expect(perEntry.has(id)).toBe(true);
    } finally {
      await reader.close();
    }
  });
});
