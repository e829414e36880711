import type { Command } from "commander";
import { MemoryBank } from "../../memory/bank.js";
import { buildMemory } from "../../memory/build/runner.js";
import { readFinishedTasks, readTrajectories } from "../../memory/input.js";
import { retrieve, RETRIEVE_POLICIES, type RetrievePolicyName } from "../../memory/retrieve/index.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { BUILD_KINDS, type BuildKind, type MemoryEntry } from "../../memory/types.js";
import { exportMemory, importMemory } from "../../memory/transfer.js";
import { entryHistory, restoreEntry, updateMemory, UPDATE_POLICIES, type UpdatePolicyName } from "../../memory/update/index.js";
import { InputError } from "../errors.js";
import { createChatModel, createEmbeddings, EMBEDDINGS_HELP } from "../models.js";
import { nonNegativeNumber, oneOf, positiveInt, printJson } from "./run.js";

/** The embedder a memory was built with, as an --embeddings value, so search needs no flag. */
function embeddingsSpecOf(dir: string): string | undefined {
  const id = LocalMemoryStore.peek(dir)?.embedder.id;
  if (!id) return undefined;
  const local = /^local:hash-v1:d(\d+):/.exec(id);
  if (local) return `local:${local[1]}`;
  return id.startsWith("openai:") ? id : undefined;
}

/** Opens the memory with its own embedder unless told otherwise, runs `fn`, always closes. */
async function withBank<T>(dir: string, spec: string | undefined, readOnly: boolean, fn: (bank: MemoryBank) => Promise<T>): Promise<T> {
  const resolved = spec ?? embeddingsSpecOf(dir) ?? "local";
  const bank = await MemoryBank.open(dir, { embeddings: await createEmbeddings(resolved), readOnly });
  try {
    return await fn(bank);
  } finally {
    await bank.close();
  }
}

function parseFactsOption(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InputError(`--facts expects a JSON object such as '{"object": "mug"}', got ${raw}`, { field: "--facts" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new InputError("--facts expects a JSON object", { field: "--facts" });
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

export function searchResultJson(r: { entry: MemoryEntry; score: number | null }) {
  const e = r.entry;
  return { id: e.id, task: e.task, score: r.score, kind: e.kind, script: e.script, stats: { hits: e.stats.hits, successes: e.stats.successes } };
}

export function registerMemoryCommands(program: Command): void {
  const memory = program.command("memory").description("build, search and inspect a procedural memory");

  memory
    .command("build")
    .description("build memory entries from trajectories (our JSONL, or MemP's JSON array)")
    .requiredOption("--from <file>", "trajectory file")
    .requiredOption("--memory-dir <dir>", "memory directory (created if missing)")
    .option("--build <kind>", `how entries are built: ${BUILD_KINDS.join("|")}`, oneOf("--build", BUILD_KINDS), "proceduralization" as BuildKind)
    .option("--model <name>", "chat model on the OpenAI-compatible endpoint (needed by script, proceduralization, events)")
    .option("--embeddings <spec>", EMBEDDINGS_HELP)
    .option("--limit <n>", "build at most N trajectories", positiveInt("--limit"))
    .option("--concurrency <n>", "parallel model calls", positiveInt("--concurrency"), 8)
    .option("--json", "print the summary as JSON")
    .action(async (opts: { from: string; memoryDir: string; build: BuildKind; model?: string; embeddings?: string; limit?: number; concurrency: number; json?: boolean }) => {
      const items = readTrajectories(opts.from, { limit: opts.limit });
      const needsModel = opts.build !== "trajectory";
      if (needsModel && !opts.model) throw new InputError(`the ${opts.build} build distils with a chat model: pass --model NAME`, { field: "--model" });
      const model = needsModel ? createChatModel(opts.model!) : undefined;
      await withBank(opts.memoryDir, opts.embeddings, false, async (bank) => {
        const summary = await buildMemory(bank, items, { kind: opts.build, model, modelName: opts.model, concurrency: opts.concurrency });
        if (opts.json) {
          printJson({ built: summary.built, skipped: summary.skipped, failed: summary.failed, count: bank.store.size() });
        } else {
          process.stdout.write(
            `built ${summary.built}, skipped ${summary.skipped} as duplicates, failed ${summary.failed.length}; ` +
              `the memory holds ${bank.store.size()} entries (${bank.store.backend} index)\n`,
          );
          for (const f of summary.failed) process.stderr.write(`failed: ${f.source}: ${f.error}\n`);
        }
      });
    });

  memory
    .command("search")
    .description("retrieve the entries a task would see")
    .argument("<query>", "the task text")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .option("--retrieve <policy>", `retrieval policy: ${RETRIEVE_POLICIES.join("|")}`, oneOf("--retrieve", RETRIEVE_POLICIES), "query" as RetrievePolicyName)
    .option("--top-k <k>", "number of entries", positiveInt("--top-k"), 5)
    .option("--threshold <score>", "drop entries scoring below this", parseFloat)
    .option("--seed <n>", "seed for the random policy", (v) => Number.parseInt(v, 10), 0)
    .option("--facts <json>", "the task's facts as a JSON object (facts/ave_fact; otherwise --model extracts them)")
    .option("--model <name>", "chat model that extracts facts (facts, ave_fact)")
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own)`)
    .option("--json", "print JSON")
    .action(async (query: string, opts: { memoryDir: string; retrieve: RetrievePolicyName; topK: number; threshold?: number; seed: number; facts?: string; model?: string; embeddings?: string; json?: boolean }) => {
      await withBank(opts.memoryDir, opts.embeddings, true, async (bank) => {
        const results = await retrieve(
          bank,
          opts.retrieve,
          { task: query, k: opts.topK, threshold: opts.threshold, seed: opts.seed, facts: parseFactsOption(opts.facts) },
          { model: opts.model ? createChatModel(opts.model) : undefined },
        );
        if (opts.json) {
          printJson(results.map(searchResultJson));
          return;
        }
        if (results.length === 0) process.stdout.write("no entries\n");
        for (const [i, r] of results.entries()) {
          const score = r.score === null ? "random" : r.score.toFixed(3);
          process.stdout.write(`${i + 1}. [${score}] ${r.entry.task}  (${r.entry.kind}, ${r.entry.id}, hits ${r.entry.stats.hits}, successes ${r.entry.stats.successes})\n`);
          if (r.entry.script) process.stdout.write(r.entry.script.replace(/^/gm, "     ") + "\n");
        }
      });
    });

  memory
    .command("show")
    .description("summarise a memory and list its entries")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .option("--json", "print JSON")
    .action(async (opts: { memoryDir: string; json?: boolean }) => {
      const store = await openForReading(opts.memoryDir);
      try {
        const entries = store.list();
        if (opts.json) {
          printJson({ count: entries.length, embedder: store.embedder.id, dimension: store.embedder.dimension, entries });
          return;
        }
        process.stdout.write(`${entries.length} entries, embedder ${store.embedder.id} (${store.embedder.dimension}-d)\n`);
        for (const e of entries) {
          process.stdout.write(`${e.id}  ${e.kind.padEnd(17)} hits ${String(e.stats.hits).padStart(3)} ok ${String(e.stats.successes).padStart(3)}  ${e.task}\n`);
        }
      } finally {
        await store.close();
      }
    });

  memory
    .command("update")
    .description("apply a batch of finished tasks: book-keeping, deprecation, then the update policy")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .requiredOption("--from <file>", "RESULTS.jsonl: one finished task per line (a trajectory plus \"retrieved\": [entry ids])")
    .requiredOption("--policy <policy>", UPDATE_POLICIES.join("|"), oneOf("--policy", UPDATE_POLICIES))
    .option("--model <name>", "chat model (builds script/proceduralization entries; rewrites entries for adjustment)")
    .option("--build <kind>", `how new runs become entries: ${BUILD_KINDS.join("|")} (default: proceduralization with --model, else trajectory)`, oneOf("--build", BUILD_KINDS))
    .option("--min-hits <n>", "deprecation: minimum hits before an entry can be retired", positiveInt("--min-hits"), 3)
    .option("--min-rate <r>", "deprecation: retire below this success rate", nonNegativeNumber("--min-rate"), 0.5)
    .option("--max-entries <n>", "cap the memory; the least useful entries are retired first", positiveInt("--max-entries"))
    .option("--merge-threshold <s>", "merge a new entry into an existing one of its kind at this task similarity or above", nonNegativeNumber("--merge-threshold"))
    .option("--concurrency <n>", "parallel model calls", positiveInt("--concurrency"), 8)
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own)`)
    .option("--json", "print the update report as JSON")
    .action(async (opts: { memoryDir: string; from: string; policy: UpdatePolicyName; model?: string; build?: BuildKind; minHits: number; minRate: number; maxEntries?: number; mergeThreshold?: number; concurrency: number; embeddings?: string; json?: boolean }) => {
      const batch = readFinishedTasks(opts.from);
      if (opts.policy === "adjustment" && !opts.model) throw new InputError("the adjustment policy rewrites entries with a chat model: pass --model NAME", { field: "--model" });
      if (opts.build && opts.build !== "trajectory" && !opts.model) throw new InputError(`the ${opts.build} build distils with a chat model: pass --model NAME`, { field: "--model" });
      await withBank(opts.memoryDir, opts.embeddings, false, async (bank) => {
        const report = await updateMemory(bank, batch, {
          policy: opts.policy,
          model: opts.model ? createChatModel(opts.model) : undefined,
          modelName: opts.model,
          buildKind: opts.build,
          minHits: opts.minHits,
          minRate: opts.minRate,
          maxEntries: opts.maxEntries,
          mergeThreshold: opts.mergeThreshold,
          concurrency: opts.concurrency,
        });
        if (opts.json) {
          printJson({ ...report, count: bank.store.size() });
          return;
        }
        process.stdout.write(
          `${opts.policy}: ${batch.length} tasks; ${report.stats.length} entries booked, ${report.added.length} added, ` +
            `${report.adjusted.length} adjusted, ${report.merged.length} merged, ${report.retired.length} retired; ` +
            `the memory holds ${bank.store.size()} entries\n`,
        );
        for (const r of report.retired) process.stdout.write(`retired ${r.id}: ${r.reason}\n`);
        for (const f of report.failed) process.stderr.write(`failed: ${f.task}: ${f.error}\n`);
      });
    });

  memory
    .command("history")
    .description("show how an entry evolved: adjustments, merges, retirement, restoration")
    .argument("<id>", "entry id")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { memoryDir: string; json?: boolean }) => {
      const store = await openForReading(opts.memoryDir);
      try {
        const h = entryHistory(store, id);
        if (opts.json) {
          printJson(h);
          return;
        }
        const state = h.current ? `live, version ${h.current.version ?? 1}` : h.retired ? `retired on ${h.retired.retiredAt}: ${h.retired.reason}` : "gone";
        const entry = h.current ?? h.retired?.entry;
        process.stdout.write(`${id}  ${entry?.task ?? ""}\n  ${state}\n`);
        for (const e of h.events) {
          const why = e.cause?.task ? ` after failing "${e.cause.task}"` : e.cause?.reason ? ` (${e.cause.reason})` : "";
          process.stdout.write(`  ${e.at}  ${e.event} -> version ${e.version}${why}\n`);
          if (e.cause?.analysis) process.stdout.write(`      analysis: ${e.cause.analysis}\n`);
        }
      } finally {
        await store.close();
      }
    });

  memory
    .command("restore")
    .description("put a retired entry back into retrieval")
    .argument("<id>", "entry id")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own)`)
    .action(async (id: string, opts: { memoryDir: string; embeddings?: string }) => {
      await withBank(opts.memoryDir, opts.embeddings, false, async (bank) => {
        const e = await restoreEntry(bank, id);
        process.stdout.write(`restored ${e.id} (${e.task}) as version ${e.version ?? 1}\n`);
      });
    });

  memory
    .command("export")
    .description("write the live entries, with their provenance, to a JSONL file")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .requiredOption("--out <file>", "output JSONL file")
    .action(async (opts: { memoryDir: string; out: string }) => {
      await withBank(opts.memoryDir, undefined, true, async (bank) => {
        const n = exportMemory(bank, opts.out);
        process.stdout.write(`exported ${n} entries to ${opts.out}\n`);
      });
    });

  memory
    .command("import")
    .description("add the entries of an export to a memory, embedding them with its embedder")
    .argument("<file>", "a file written by memp memory export")
    .requiredOption("--memory-dir <dir>", "memory directory (created if missing)")
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own, else local)`)
    .action(async (file: string, opts: { memoryDir: string; embeddings?: string }) => {
      await withBank(opts.memoryDir, opts.embeddings, false, async (bank) => {
        const r = await importMemory(bank, file);
        process.stdout.write(
          `imported ${r.imported} entries (${r.skipped} already present)${r.reembedded ? `, re-embedded from ${r.from} to ${bank.embedderId}` : ""}; ` +
            `the memory holds ${bank.store.size()} entries\n`,
        );
      });
    });
}

async function openForReading(dir: string): Promise<LocalMemoryStore> {
  const summary = LocalMemoryStore.peek(dir);
  return LocalMemoryStore.open(dir, { readOnly: true, embedder: summary?.embedder ?? { id: "unknown", dimension: 1 } });
}
