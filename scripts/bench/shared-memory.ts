/**
 * Many agents, one memory: the throughput of processes that each loop retrieve -> record ->
 * commit against one memory of 100,000 entries (10,000 with --quick), in PostgreSQL (8 processes
 * at once, then 1) and, beside it, in a folder (1 process: a folder has one writer at a time).
 * Run: npx tsx scripts/bench/shared-memory.ts [--quick] [--seconds=20]
 * Server: MEMP_BENCH_POSTGRES_URL, else MEMP_TEST_POSTGRES_URL, else the .ci/postgres default.
 *
 * A round is what one agent does per batch: 4 retrievals (query policy, k = 3), then one update
 * (vanilla: the 4 runs become entries; the entries they were shown get their hits counted). The
 * stored vectors are random unit vectors: throughput does not depend on what they mean.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { MemorySession } from "../../memory/session.js";
import type { EntryVectors } from "../../memory/store/types.js";
import { ENTRY_SCHEMA_VERSION, type MemoryEntry } from "../../memory/types.js";

const D = 384;
const embeddings = new LocalHashEmbeddings({ dimension: D });
const identified = { embeddings, id: embeddings.id };
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];

/** One agent: rounds until `seconds` have passed; prints {rounds, retrieveMs[], commitMs[]}. */
async function worker(location: string, who: string, seconds: number): Promise<void> {
  const bank = await MemoryBank.open(location, { embeddings: identified });
  const session = new MemorySession({ bank, retrieval: { policy: "query", k: 3 }, update: { policy: "vanilla", buildKind: "trajectory", minHits: 1_000_000 } });
  const retrieveMs: number[] = [];
  const commitMs: number[] = [];
  const until = performance.now() + seconds * 1000;
  let rounds = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 4; i++) {
      const task = `put a clean mug ${rounds} ${i} in coffeemachine ${who}`;
      const t0 = performance.now();
      const ticket = await session.retrieve(task);
      retrieveMs.push(performance.now() - t0);
      session.record(ticket, { trajectory: { task, steps: [{ action: "go to countertop 1", observation: "You arrive at countertop 1." }] }, success: i % 2 === 0, source: `${who}/${rounds}/${i}` });
    }
    const t0 = performance.now();
    await session.commit();
    commitMs.push(performance.now() - t0);
    rounds++;
  }
  await bank.close();
  process.stdout.write(JSON.stringify({ rounds, retrieveMs, commitMs }));
}

function unit(r: () => number): Float32Array {
  const v = Float32Array.from({ length: D }, () => r() - 0.5);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

async function seed(location: string, n: number): Promise<number> {
  let s = 7;
  const r = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const bank = await MemoryBank.open(location, { embeddings: identified });
  const t0 = performance.now();
  const now = new Date().toISOString();
  // One call: a server store loads a batch as large as the memory with its indexes rebuilt once.
  const entries: MemoryEntry[] = [];
  const vectors: EntryVectors[] = [];
  for (let i = 0; i < n; i++) {
    entries.push({ schemaVersion: ENTRY_SCHEMA_VERSION, id: `seed-${i}`, task: `seed task ${i}`, kind: "trajectory", script: null, trajectory: [{ action: "look", observation: "ok" }], facts: null, stats: { hits: 0, successes: 0 }, provenance: { source: "bench", model: null, createdAt: now, updatedAt: now } });
    const v = unit(r);
    vectors.push({ task: v, facts: v, factValues: new Map() });
  }
  await bank.store.add(entries, vectors);
  await bank.close();
  return performance.now() - t0;
}

const run = promisify(execFile);

async function measure(label: string, location: string, processes: number, seconds: number): Promise<void> {
  const t0 = performance.now();
  const outs = await Promise.all(
    Array.from({ length: processes }, (_, i) => run(process.execPath, ["--import", "tsx", import.meta.filename, "--worker", location, `p${i}`, String(seconds)], { maxBuffer: 1 << 28 })),
  );
  const wall = (performance.now() - t0) / 1000;
  const results = outs.map((o) => JSON.parse(o.stdout) as { rounds: number; retrieveMs: number[]; commitMs: number[] });
  const rounds = results.reduce((a, r) => a + r.rounds, 0);
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
  };
  const retrieve = results.flatMap((r) => r.retrieveMs);
  const commit = results.flatMap((r) => r.commitMs);
  console.log(
    `      ${label.padEnd(34)} ${processes} process${processes === 1 ? "  " : "es"}  ${(rounds / seconds).toFixed(1).padStart(6)} rounds/s ` +
      `(${((rounds * 4) / seconds).toFixed(0).padStart(4)} retrievals/s, ${(rounds / seconds).toFixed(1)} updates/s)   ` +
      `retrieve p50 ${pct(retrieve, 50).toFixed(1)} ms p99 ${pct(retrieve, 99).toFixed(1)} ms   update p50 ${pct(commit, 50).toFixed(1)} ms p99 ${pct(commit, 99).toFixed(1)} ms   (wall ${wall.toFixed(1)} s)`,
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === "--worker") return worker(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  const n = process.argv.includes("--quick") ? 10_000 : 100_000;
  const seconds = Number(arg("seconds") ?? 20);
  const base = process.env.MEMP_BENCH_POSTGRES_URL ?? process.env.MEMP_TEST_POSTGRES_URL ?? "postgres://memp@127.0.0.1:55432/memp";
  const schema = `memp_bench_shared_${randomBytes(4).toString("hex")}`;
  const url = new URL(base);
  url.searchParams.set("schema", schema);
  const dir = mkdtempSync(join(tmpdir(), "memp-bench-shared-"));
  console.log(`shared memory: rounds of 4 retrievals + 1 update against ${n.toLocaleString("en-US")} entries, ${seconds} s per figure`);
  try {
    console.log(`      seeded postgres in ${(await seed(url.href, n) / 1000).toFixed(1)} s, the folder in ${(await seed(join(dir, "mem"), n) / 1000).toFixed(1)} s`);
    await measure("postgres + pgvector", url.href, 8, seconds);
    await measure("postgres + pgvector", url.href, 1, seconds);
    await measure("folder (one writer at a time)", join(dir, "mem"), 1, seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client(base);
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

await main();
