/**
 * PostgreSQL + pgvector backend benchmark: bulk load, top-10 search latency and HNSW recall at
 * 100,000 entries of realistic task texts, embedded with the local embedder (384 dims).
 * Run: npx tsx scripts/bench/postgres.ts [--quick]   (--quick: 10,000 entries)
 *      npx tsx scripts/bench/postgres.ts --sweep [--index=task,facts] [--ef=40,100,...]   recall and latency per hnsw.ef_search value
 *      npx tsx scripts/bench/postgres.ts --crossover [--sizes=250,500,...]   exact against HNSW latency per memory size
 * Server: MEMP_BENCH_POSTGRES_URL, else MEMP_TEST_POSTGRES_URL, else the .ci/postgres default.
 *
 * The texts are variants of the real task texts in /work/shared/data (ALFWorld goal sentences and
 * their human paraphrases, TravelPlanner queries) with other objects, receptacles, cities and
 * budgets put in; the queries are variants of the same templates that are not stored.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { Database, findVectorExtension, withSingleConnection } from "../../memory/store/postgres/db.js";
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { parseLocation } from "../../memory/store/postgres/location.js";
import { tablesOf, type Tables } from "../../memory/store/postgres/schema.js";
import { approximateSearch, exactSearch, HNSW_EF_SEARCH, searchTarget } from "../../memory/store/postgres/search.js";
import { vectorParam } from "../../memory/store/postgres/vectors.js";
import type { EmbedderInfo, EntryVectors, ScoredId } from "../../memory/store/types.js";
import { ENTRY_SCHEMA_VERSION, entryId, factsToText, type MemoryEntry } from "../../memory/types.js";

const DATA = process.env.MEMP_SHARED_DATA ?? "/work/shared/data";

/** A deterministic generator, so every run measures the same texts. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;

function walk(dir: string, name: string, out: string[] = []): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) walk(p, name, out);
    else if (d.name === name) out.push(p);
  }
  return out;
}

interface Template {
  text: string;
  /** Which slots the text has. */
  slots: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Puts `{slot}` where a whole word (or phrase) occurs, or leaves the text unchanged. */
function slot(text: string, phrase: string, name: string): string {
  if (!phrase) return text;
  return text.replace(new RegExp(`\\b${escape(phrase)}\\b`, "gi"), `{${name}}`);
}

interface AlfworldVocabulary {
  templates: Template[];
  objects: string[];
  receptacles: string[];
  lamps: string[];
}

/** ALFWorld: the goal sentence of every game and the human task descriptions, with their object and receptacle made slots. */
function alfworldVocabulary(): AlfworldVocabulary {
  const objects = new Set<string>();
  const receptacles = new Set<string>();
  const lamps = new Set<string>();
  const templates = new Map<string, Template>();
  const add = (text: string) => {
    const slots = ["o", "r", "l"].filter((s) => text.includes(`{${s}}`));
    if (slots.includes("o")) templates.set(text, { text, slots });
  };
  for (const file of walk(join(DATA, "alfworld/json_2.1.1"), "traj_data.json")) {
    const traj = JSON.parse(readFileSync(file, "utf8")) as {
      pddl_params: { object_target: string; parent_target: string; toggle_target: string };
      turk_annotations: { anns: Array<{ task_desc: string }> };
    };
    const o = traj.pddl_params.object_target.toLowerCase();
    const r = traj.pddl_params.parent_target.toLowerCase();
    const l = traj.pddl_params.toggle_target.toLowerCase();
    objects.add(o);
    if (r) receptacles.add(r);
    if (l) lamps.add(l);
    // Trials the official filter drops have no game file; their human descriptions still count.
    const gameFile = join(file, "../game.tw-pddl");
    const grammar = existsSync(gameFile) ? (JSON.parse(readFileSync(gameFile, "utf8")) as { grammar: string }).grammar : "";
    const goal = /Your task is to: (.*?)\./.exec(grammar)?.[1];
    const sentences = [...(goal ? [goal] : []), ...traj.turk_annotations.anns.map((a) => a.task_desc.trim().replace(/\.$/, ""))];
    for (const s of sentences) add(slot(slot(slot(s, o, "o"), r, "r"), l, "l"));
  }
  return { templates: [...templates.values()], objects: [...objects], receptacles: [...receptacles], lamps: [...lamps] };
}

interface TravelTemplate extends Template {
  multiCity: boolean;
}

interface TravelVocabulary {
  templates: TravelTemplate[];
  cities: string[];
  states: string[];
}

/** TravelPlanner: every train and validation query, with its origin, destination and budget made slots. */
function travelVocabulary(): TravelVocabulary {
  const dir = join(DATA, "travelplanner");
  const cities = readFileSync(join(dir, "database/background/citySet.txt"), "utf8").split("\n").map((s) => s.trim()).filter(Boolean);
  const states = readFileSync(join(dir, "database/background/stateSet.txt"), "utf8").split("\n").map((s) => s.trim()).filter(Boolean);
  const templates: TravelTemplate[] = [];
  for (const name of ["train.jsonl", "validation.jsonl"]) {
    for (const line of readFileSync(join(dir, "queries", name), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const q = JSON.parse(line) as { org: string; dest: string; budget: number; query: string; visiting_city_number: number };
      let text = slot(slot(q.query, q.org, "org"), q.dest, "dest");
      text = text.replace(`$${q.budget.toLocaleString("en-US")}`, "{budget}");
      const slots = ["org", "dest", "budget"].filter((s) => text.includes(`{${s}}`));
      if (slots.length === 3) templates.push({ text, slots, multiCity: q.visiting_city_number > 1 });
    }
  }
  return { templates, cities, states };
}

export interface BenchItem {
  task: string;
  facts: Record<string, string> | null;
}

/**
 * `stored + queries` distinct task texts, shuffled: the first `stored` to store, the rest to
 * query with. About 40% ALFWorld tasks (no facts) and 60% TravelPlanner queries (facts: origin,
 * destination, budget), as a memory that serves both benchmarks would hold.
 */
export function benchTexts(stored: number, queries: number): { stored: BenchItem[]; queries: BenchItem[] } {
  const alf = alfworldVocabulary();
  const travel = travelVocabulary();
  const r = rng(20260101);
  const seen = new Map<string, BenchItem>();
  const total = stored + queries;
  while (seen.size < total) {
    let item: BenchItem;
    if (r() < 0.4) {
      const t = pick(alf.templates, r);
      const task = t.text.replace(/\{o\}/g, pick(alf.objects, r)).replace(/\{r\}/g, pick(alf.receptacles, r)).replace(/\{l\}/g, pick(alf.lamps, r));
      item = { task, facts: null };
    } else {
      const t = pick(travel.templates, r);
      const org = pick(travel.cities, r);
      const dest = t.multiCity ? pick(travel.states, r) : pick(travel.cities, r);
      const budget = `$${(Math.floor(r() * 96) * 100 + 500).toLocaleString("en-US")}`;
      const task = t.text.replace(/\{org\}/g, org).replace(/\{dest\}/g, dest).replace(/\{budget\}/g, budget);
      item = { task, facts: { origin: org, destination: dest, budget } };
    }
    if (!seen.has(item.task)) seen.set(item.task, item);
  }
  const all = [...seen.values()];
  // The queries come from the same stream, so they are variants of the stored templates.
  return { stored: all.slice(0, stored), queries: all.slice(stored) };
}

export function benchEntry(item: BenchItem): MemoryEntry {
  const kind = item.facts ? "script" : "trajectory";
  return {
    schemaVersion: ENTRY_SCHEMA_VERSION,
    id: entryId(kind, item.task),
    task: item.task,
    kind,
    script: kind === "script" ? `1. search flights and accommodation for: ${item.task}\n2. keep the plan within the budget` : null,
    trajectory: kind === "trajectory" ? [{ action: "look", observation: "You are in the middle of a room." }] : null,
    facts: item.facts,
    stats: { hits: 0, successes: 0 },
    provenance: { source: "bench", model: null, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z" },
  };
}

export function benchVectors(e: LocalHashEmbeddings, item: BenchItem, values: Map<string, Float32Array>): EntryVectors {
  const task = e.embedSync(item.task);
  const factValues = new Map<string, Float32Array>();
  for (const v of Object.values(item.facts ?? {})) {
    let vec = values.get(v);
    if (!vec) values.set(v, (vec = e.embedSync(v)));
    factValues.set(v, vec);
  }
  return { task, facts: item.facts ? e.embedSync(factsToText(item.facts)) : task, factValues };
}

// ---- measurements ------------------------------------------------------------------------------

const QUERIES = 300;
const K = 10;
const LOAD_TARGET_MS = 60_000;
const RECALL_TARGET = 0.95;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

interface Corpus {
  embedder: LocalHashEmbeddings;
  info: EmbedderInfo;
  entries: MemoryEntry[];
  vectors: EntryVectors[];
  /** Per query: the task text's vector (for the task index) and the facts text's (for the facts index), as the retrieval policies embed them. */
  queries: Float32Array[];
  factQueries: Float32Array[];
}

/** The stored entries and held-out queries, embedded as a memory's bank would (IDF fitted on the memory's texts). */
function corpus(n: number): Corpus {
  const { stored, queries } = benchTexts(n, QUERIES);
  const sample = stored.slice(0, 10_000).flatMap((s) => [s.task, ...(s.facts ? [factsToText(s.facts), ...Object.values(s.facts)] : [])]);
  const embedder = new LocalHashEmbeddings().fit(sample);
  const values = new Map<string, Float32Array>();
  return {
    embedder,
    info: { id: embedder.id, dimension: embedder.dimension, state: { idf: embedder.idf } },
    entries: stored.map(benchEntry),
    vectors: stored.map((s) => benchVectors(embedder, s, values)),
    queries: queries.map((q) => embedder.embedSync(q.task)),
    factQueries: queries.map((q) => embedder.embedSync(q.facts ? factsToText(q.facts) : q.task)),
  };
}

/** A connection pool on the bench's schema, for timing the exact and HNSW searches directly. */
async function directDatabase(location: string): Promise<{ db: Database; t: Tables }> {
  const loc = parseLocation(location);
  const vector = await withSingleConnection(loc, (sql) => findVectorExtension(sql, loc, false));
  const db = await Database.connect(loc, vector!, { poolSize: 2, onWarning: (m) => console.error(m) });
  return { db, t: tablesOf(loc.schema) };
}

async function dropBenchSchema(location: string): Promise<void> {
  const loc = parseLocation(location);
  await withSingleConnection(loc, (sql) => sql.query(`DROP SCHEMA IF EXISTS "${loc.schema}" CASCADE`));
}

async function timeSearches(queries: Float32Array[], search: (q: Buffer) => Promise<ScoredId[]>): Promise<{ ms: number[]; hits: ScoredId[][] }> {
  const ms: number[] = [];
  const hits: ScoredId[][] = [];
  for (const q of queries) {
    const param = vectorParam(q);
    const t0 = performance.now();
    hits.push(await search(param));
    ms.push(performance.now() - t0);
  }
  return { ms, hits };
}

/**
 * recall@k counting a hit as found when it scores at least the exact k-th score: templated texts
 * have many equally near neighbours, and which of a tie the exact ranking keeps (add order) is not
 * a miss of the index.
 */
function recall(approx: ScoredId[][], exact: ScoredId[][]): number {
  let found = 0;
  let wanted = 0;
  approx.forEach((hits, i) => {
    const truth = exact[i]!;
    const kth = truth[truth.length - 1]?.score ?? Infinity;
    wanted += truth.length;
    found += Math.min(truth.length, hits.filter((h) => h.score >= kth - 1e-6).length);
  });
  return wanted === 0 ? 1 : found / wanted;
}

/** recall@k by ids: the share of the exact top k's ids the search returned. */
function idRecall(approx: ScoredId[][], exact: ScoredId[][]): number {
  let found = 0;
  let wanted = 0;
  approx.forEach((hits, i) => {
    const truth = new Set(exact[i]!.map((h) => h.id));
    wanted += truth.size;
    found += hits.filter((h) => truth.has(h.id)).length;
  });
  return wanted === 0 ? 1 : found / wanted;
}

/** The main run: bulk load, search latency through the store, recall of HNSW against the exact ranking. */
async function benchmark(base: string, n: number): Promise<void> {
  const location = withSchemaParam(base, `memp_bench_${process.pid}`);
  let t0 = performance.now();
  const c = corpus(n);
  console.log(`      ${n.toLocaleString("en-US")} entries (${c.entries.filter((e) => e.facts).length.toLocaleString("en-US")} with facts), ${QUERIES} held-out queries, embedded in ${seconds(performance.now() - t0)} (${c.info.id})`);
  await dropBenchSchema(location);
  const store = await PostgresMemoryStore.open(location, { embedder: c.info });
  const direct = await directDatabase(location);
  try {
    t0 = performance.now();
    await store.add(c.entries, c.vectors);
    const loadMs = performance.now() - t0;
    console.log(`${verdict(loadMs <= LOAD_TARGET_MS)}  bulk load of ${n.toLocaleString("en-US")} entries (rows, fact values, HNSW indexes)   ${seconds(loadMs)}   target <= ${seconds(LOAD_TARGET_MS)}`);
    for (const index of ["task", "facts"] as const) {
      const viaStore: { ms: number[]; hits: ScoredId[][] } = { ms: [], hits: [] };
      const queries = index === "task" ? c.queries : c.factQueries;
      for (const q of queries) {
        const s = performance.now();
        viaStore.hits.push(await store.search(index, q, K));
        viaStore.ms.push(performance.now() - s);
      }
      const target = searchTarget(direct.t, index);
      const exact = await timeSearches(queries, (q) => exactSearch(direct.db, target, q, K));
      const r = recall(viaStore.hits, exact.hits);
      console.log(`      top-${K} ${index} search through the store (HNSW, ef_search ${HNSW_EF_SEARCH[index]}), ${QUERIES} queries   p50 ${percentile(viaStore.ms, 50).toFixed(2)} ms   p99 ${percentile(viaStore.ms, 99).toFixed(2)} ms`);
      console.log(`      top-${K} ${index} search, exact scan, for comparison   p50 ${percentile(exact.ms, 50).toFixed(2)} ms   p99 ${percentile(exact.ms, 99).toFixed(2)} ms`);
      console.log(
        `${verdict(r >= RECALL_TARGET)}  recall@${K} of the ${index} search against the exact ranking   ${r.toFixed(4)} (ties counted; by ids ${idRecall(viaStore.hits, exact.hits).toFixed(4)})   target >= ${RECALL_TARGET}`,
      );
    }
  } finally {
    await store.close();
    await direct.db.end();
    await dropBenchSchema(location);
  }
}

/** `--sweep`: recall and latency of the HNSW searches at several ef_search values, to choose HNSW_EF_SEARCH. */
async function sweep(base: string, n: number): Promise<void> {
  const location = withSchemaParam(base, `memp_bench_${process.pid}`);
  const c = corpus(n);
  await dropBenchSchema(location);
  const store = await PostgresMemoryStore.open(location, { embedder: c.info });
  const direct = await directDatabase(location);
  try {
    await store.add(c.entries, c.vectors);
    const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const indexes = (option("index")?.split(",") ?? ["task", "facts"]) as Array<"task" | "facts">;
    const efs = option("ef")?.split(",").map(Number) ?? [40, 64, 100, 150, 200, 300, 400];
    for (const index of indexes) {
      const queries = index === "task" ? c.queries : c.factQueries;
      const target = searchTarget(direct.t, index);
      const exact = await timeSearches(queries, (q) => exactSearch(direct.db, target, q, K));
      for (const ef of efs) {
        const approx = await timeSearches(queries, (q) => direct.db.transaction((sql) => approximateSearch(sql, target, q, K, { iterativeScan: true, efSearch: ef })));
        console.log(`      ${index.padEnd(5)} ef_search ${String(ef).padStart(3)}   recall@${K} ${recall(approx.hits, exact.hits).toFixed(4)}   p50 ${percentile(approx.ms, 50).toFixed(2)} ms   p99 ${percentile(approx.ms, 99).toFixed(2)} ms`);
      }
    }
  } finally {
    await store.close();
    await direct.db.end();
    await dropBenchSchema(location);
  }
}

/** `--crossover`: exact against HNSW top-10 latency at growing sizes, to choose EXACT_SEARCH_MAX_ROWS. */
async function crossover(base: string): Promise<void> {
  const given = process.argv.find((a) => a.startsWith("--sizes="));
  const sizes = given ? given.slice("--sizes=".length).split(",").map(Number) : [250, 500, 1000, 2000, 3000, 4000, 6000, 8000];
  const c = corpus(sizes[sizes.length - 1]!);
  const queries = c.queries.slice(0, 200);
  for (const size of sizes) {
    const location = withSchemaParam(base, `memp_bench_${process.pid}_${size}`);
    await dropBenchSchema(location);
    const store = await PostgresMemoryStore.open(location, { embedder: c.info });
    const direct = await directDatabase(location);
    try {
      await store.add(c.entries.slice(0, size), c.vectors.slice(0, size));
      // VACUUM ANALYZE as a memory that has been in use would be: visibility map set, statistics current.
      await direct.db.query(`VACUUM ANALYZE ${direct.t.entries}`);
      const target = searchTarget(direct.t, "task");
      // Query by query, one of each in turn, so that whatever else the machine is doing weighs on both alike.
      const exact: { ms: number[]; hits: ScoredId[][] } = { ms: [], hits: [] };
      const approx: { ms: number[]; hits: ScoredId[][] } = { ms: [], hits: [] };
      for (const q of queries) {
        const param = vectorParam(q);
        let t0 = performance.now();
        exact.hits.push(await exactSearch(direct.db, target, param, K));
        exact.ms.push(performance.now() - t0);
        t0 = performance.now();
        approx.hits.push(await direct.db.transaction((sql) => approximateSearch(sql, target, param, K, { iterativeScan: true })));
        approx.ms.push(performance.now() - t0);
      }
      console.log(
        `      ${String(size).padStart(6)} rows   exact p50 ${percentile(exact.ms, 50).toFixed(2)} ms p99 ${percentile(exact.ms, 99).toFixed(2)} ms` +
          `   HNSW p50 ${percentile(approx.ms, 50).toFixed(2)} ms p99 ${percentile(approx.ms, 99).toFixed(2)} ms   recall@${K} ${recall(approx.hits, exact.hits).toFixed(3)}`,
      );
    } finally {
      await store.close();
      await direct.db.end();
      await dropBenchSchema(location);
    }
  }
}

function withSchemaParam(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set("schema", schema);
  return url.href;
}

async function main(): Promise<void> {
  const base = process.env.MEMP_BENCH_POSTGRES_URL || process.env.MEMP_TEST_POSTGRES_URL || "postgres://memp@127.0.0.1:55432/memp";
  const n = process.argv.includes("--quick") ? 10_000 : 100_000;
  if (process.argv.includes("--crossover")) await crossover(base);
  else if (process.argv.includes("--sweep")) await sweep(base, n);
  else await benchmark(base, n);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
