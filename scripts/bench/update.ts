/**
 * Update benchmark (issue: "Memory that learns"): one update of a 1,000-task batch against a
 * 10,000-entry memory, excluding LLM calls: the `validation` policy building `trajectory` entries
 * (no model), with deprecation, a merge threshold and a cap on, embedded by the local embedder.
 * Run: npm run bench:update
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { updateMemory, type FinishedTask } from "../../memory/update/index.js";
import { ENTRY_SCHEMA_VERSION, entryId, type MemoryEntry } from "../../memory/types.js";

const OBJECTS = ["mug", "apple", "egg", "pan", "book", "knife", "potato", "tomato", "cup", "plate", "lettuce", "bread", "spoon", "kettle", "vase"];
const PLACES = ["drawer", "fridge", "countertop", "cabinet", "sinkbasin", "shelf", "desk", "sofa", "microwave", "garbagecan"];
const VERBS = ["put a clean", "heat some", "cool some", "put a hot", "find two", "examine the"];
const taskText = (i: number) => `${VERBS[i % VERBS.length]} ${OBJECTS[(i >> 2) % OBJECTS.length]} ${i} and put it in ${PLACES[(i >> 4) % PLACES.length]} ${i % 7}`;
const steps = (t: string) => [
  { thought: `I need to find what the task names: ${t}`, action: "go to countertop 1", observation: "On the countertop 1, you see a mug 1, and a knife 2." },
  { action: "take mug 1 from countertop 1", observation: "You pick up the mug 1 from the countertop 1." },
  { action: "go to sinkbasin 1", observation: "On the sinkbasin 1, you see nothing." },
];

function entry(i: number): MemoryEntry {
  const task = taskText(i);
  return {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: entryId("trajectory", task),
    task,
    kind: "trajectory",
    script: null,
    trajectory: steps(task),
    facts: null,
    stats: { hits: i % 5, successes: i % 5 === 4 ? 1 : i % 5 },
    provenance: { source: "bench", model: null, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" },
  };
}

const root = join(tmpdir(), `memp-bench-update-${process.pid}`);
const e = new LocalHashEmbeddings();
const bank = await MemoryBank.open(root, { embeddings: { embeddings: e, id: e.id } });
await bank.add(Array.from({ length: 10_000 }, (_, i) => entry(i)));
const ids = (await bank.store.list()).map((x) => x.id);
const batch: FinishedTask[] = Array.from({ length: 1000 }, (_, i) => {
  const task = taskText(20_000 + i);
  return { trajectory: { task, success: i % 3 !== 0, steps: steps(task) }, retrieved: [ids[(i * 7) % ids.length]!, ids[(i * 13) % ids.length]!, ids[(i * 7) % ids.length]!] };
});

const t = performance.now();
const report = await updateMemory(bank, batch, { policy: "validation", mergeThreshold: 0.98, maxEntries: 10_400 });
const ms = performance.now() - t;
console.log(
  `${ms <= 1000 ? "PASS" : "MISS"}  update of a 1,000-task batch against 10,000 entries   ${ms.toFixed(0)} ms   target <= 1000 ms\n` +
    `      booked ${report.stats.length} entries, added ${report.added.length}, merged ${report.merged.length}, retired ${report.retired.length}; ` +
    `memory now ${await bank.store.size()} entries`,
);
await bank.close();
rmSync(root, { recursive: true, force: true });
