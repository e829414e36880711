import { InvalidArgumentError, type Command } from "commander";
import { MemoryBank } from "../../memory/bank.js";
import { registerMemoryDoctor } from "./memory-doctor.js";
import { buildMemory } from "../../memory/build/runner.js";
import { readFinishedTasks, readTrajectories, warnUnknownRetrieved } from "../../memory/input.js";
import { DEFAULT_K, formatGuidelines, getRetrievePolicy, retrieveMemory, retrievePolicyNames, type RetrievePolicyName } from "../../memory/retrieve/index.js";
import { buildPolicyNames, getBuildPolicy } from "../../memory/build/policies.js";
import { LocalMemoryStore } from "../../memory/store/local.js";
import { openStore, peekStore } from "../../memory/store/open.js";
import type { MemoryStore } from "../../memory/store/types.js";
import type { BuildKind, MemoryEntry } from "../../memory/types.js";
import { exportMemory, importMemory, readExport } from "../../memory/transfer.js";
import { entryHistory, getUpdatePolicy, restoreEntry, updateMemory, updatePolicyNames, UpdateAbandonedError, type UpdatePolicyName, type UpdateReportWithFallbacks } from "../../memory/update/index.js";
import { InputError } from "../../core/errors.js";
import { createChatModel, createEmbeddings, EMBEDDINGS_HELP, type ModelTransportOptions } from "../models.js";
import { STRUCTURED_OUTPUT_MODES, type StructuredOutputMode } from "../../core/util/model-json.js";
import { modelEventText, type Progress } from "../../core/util/progress.js";
import type { ModelEndpointEvent } from "../../core/util/resilient-fetch.js";
import { checkOutputFile } from "../../core/util/user-files.js";
import { abortOnInterrupt, EXIT_BAD_INPUT, EXIT_INTERRUPTED, ExitStatus, memoryDirOption, memoryLocation, memoryOption, nonEmptyPath, nonNegativeNumber, oneOf, policyName, positiveInt, printJson, type MemoryLocationOptions } from "./run.js";

/** The embedder a memory was built with, as an --embeddings value, so search needs no flag. */
async function embeddingsSpecOf(location: string): Promise<string | undefined> {
  const id = (await peekStore(location))?.id;
  if (!id) return undefined;
  const local = /^local:hash-v1:d(\d+):/.exec(id);
  if (local) return `local:${local[1]}`;
  return id.startsWith("openai:") ? id : undefined;
}

/** Opens the memory with its own embedder unless told otherwise, runs `fn`, always closes. */
async function withBank<T>(location: string, spec: string | undefined, readOnly: boolean, fn: (bank: MemoryBank) => Promise<T>): Promise<T> {
  const resolved = spec ?? (await embeddingsSpecOf(location)) ?? "local";
  const bank = await MemoryBank.open(location, { embeddings: await createEmbeddings(resolved), readOnly });
  try {
    return await fn(bank);
  } finally {
    await bank.close();
  }
}

/**
 * `withBank` for the commands that call the model endpoint: the embedder gets the transport
 * options (--timeout, retry notices), and its failures name the endpoint whatever they are.
 */
async function withModelBank<T>(location: string, spec: string | undefined, readOnly: boolean, transport: ModelTransportOptions, fn: (bank: MemoryBank) => Promise<T>): Promise<T> {
  const resolved = spec ?? (await embeddingsSpecOf(location)) ?? "local";
  const bank = await MemoryBank.open(location, { embeddings: await createEmbeddings(resolved, transport), readOnly });
  try {
    return await fn(bank);
  } finally {
    await bank.close();
  }
}

/** Seconds as a positive number; fractions allowed (tests and fast local servers use them). */
function positiveSeconds(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} expects a positive number of seconds, got "${raw}"`);
    return n;
  };
}

type FailureLimit = { count?: number; rate?: number };

/** "N" failures, or "P%" of the items to attempt. */
function failureLimit(name: string) {
  return (raw: string): FailureLimit => {
    const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw);
    if (percent) {
      const p = Number(percent[1]);
      if (p > 0 && p <= 100) return { rate: p / 100 };
    } else {
      const n = Number(raw);
      if (Number.isInteger(n) && n > 0) return { count: n };
    }
    throw new InvalidArgumentError(`${name} expects a positive integer or a percentage such as 20%, got "${raw}"`);
  };
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
  if (Object.hasOwn(value, "__proto__")) throw new InputError('"__proto__" cannot be a fact name', { field: "--facts" });
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

export function searchResultJson(r: { entry: MemoryEntry; score: number | null }) {
  const e = r.entry;
  return { id: e.id, task: e.task, score: r.score, kind: e.kind, script: e.script, stats: { hits: e.stats.hits, successes: e.stats.successes } };
}

export function registerMemoryCommands(program: Command): void {
  const memory = program.command("memory").description("build, search and inspect a procedural memory");
  registerMemoryDoctor(memory);

  memory
    .command("build")
    .description("build memory entries from trajectories (our JSONL, or MemP's JSON array)")
    .requiredOption("--from <file>", "trajectory file")
    .addOption(memoryOption("the memory (created if missing)"))
    .addOption(memoryDirOption())
    .option("--build <kind>", `how entries are built: ${buildPolicyNames().join("|")} (default: proceduralization with --model, else trajectory)`, policyName("--build", getBuildPolicy))
    .option("--model <name>", "chat model on the OpenAI-compatible endpoint (needed by script, proceduralization, events)")
    .option("--embeddings <spec>", EMBEDDINGS_HELP)
    .option("--limit <n>", "build at most N trajectories", positiveInt("--limit"))
    .option("--concurrency <n>", "parallel model calls", positiveInt("--concurrency"), 8)
    .option("--timeout <seconds>", "limit of one model request attempt (default $MEMP_MODEL_TIMEOUT, else 120)", positiveSeconds("--timeout"))
    .option("--max-failures <n|p%>", "give up (exit 1) once N items, or p% of them, have failed", failureLimit("--max-failures"))
    .option("--structured-output <mode>", `how JSON is asked of the model: ${STRUCTURED_OUTPUT_MODES.join("|")}`, oneOf("--structured-output", STRUCTURED_OUTPUT_MODES), "auto" as StructuredOutputMode)
    .option("--json", "print the summary as JSON")
    .action(async (opts: MemoryLocationOptions & { from: string; build?: BuildKind; model?: string; embeddings?: string; limit?: number; concurrency: number; timeout?: number; maxFailures?: FailureLimit; structuredOutput: StructuredOutputMode; json?: boolean }) => {
      const items = readTrajectories(opts.from, { limit: opts.limit });
      // As for update: distil with a model when there is one, keep the runs as they are otherwise.
      const build = opts.build ?? (opts.model ? "proceduralization" : "trajectory");
      const needsModel = getBuildPolicy(build).needsModel;
      if (needsModel && !opts.model) throw new InputError(`the ${build} build distils with a chat model: pass --model NAME`, { field: "--model" });
      let progress: Progress | undefined;
      const transport = { timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000, onEvent: (e: ModelEndpointEvent) => progress?.status(modelEventText(e)) };
      const model = needsModel ? createChatModel(opts.model!, transport) : undefined;
      const controller = new AbortController();
      const stopListening = abortOnInterrupt(controller);
      try {
        await withModelBank(memoryLocation(opts), opts.embeddings, false, transport, async (bank) => {
          const before = await bank.store.size();
          const summary = await buildMemory(bank, items, {
            signal: controller.signal,
            kind: build,
            model,
            modelName: opts.model,
            concurrency: opts.concurrency,
            structuredOutput: opts.structuredOutput,
            maxFailures: opts.maxFailures?.count,
            maxFailureRate: opts.maxFailures?.rate,
            onProgress: (p) => (progress = p),
          }).catch(async (err: unknown) => {
            if (!controller.signal.aborted) throw err;
            // Finished entries were committed before the abort surfaced; a rerun skips them.
            const size = await bank.store.size();
            process.stderr.write(`\ninterrupted: the memory holds ${size} entries (${size - before} built by this run); run the same command again to build the rest\n`);
            throw new ExitStatus(EXIT_INTERRUPTED);
          });
          const count = await bank.store.size();
          // Nothing built although there was something to build: a run that did no work must not pass for one that did.
          const nothing = summary.built === 0 && summary.failed.length > 0;
          const verdict = summary.stopped
            ? `${nothing ? "nothing was built: " : ""}${summary.stopped.reason}${summary.stopped.notAttempted > 0 ? `; ${summary.stopped.notAttempted} not tried` : ""}`
            : nothing
              ? `nothing was built: all ${summary.failed.length} item${summary.failed.length === 1 ? "" : "s"} failed`
              : undefined;
          if (opts.json) {
            printJson({
              ok: verdict === undefined,
              built: summary.built,
              skipped: summary.skipped,
              failed: summary.failed,
              fallbacks: summary.fallbacks,
              ...(summary.stopped && { stopped: summary.stopped }),
              count,
            });
          } else {
            const fellBack = summary.fallbacks.length > 0 ? ` (${summary.fallbacks.length} by a fallback)` : "";
            process.stdout.write(
              `built ${summary.built}${fellBack}, skipped ${summary.skipped} as duplicates, failed ${summary.failed.length}; ` +
                `the memory holds ${count} entries (${indexLabel(bank.store)})\n`,
            );
            for (const f of summary.fallbacks) process.stderr.write(`fell back (${f.kind}): ${f.source}: ${f.detail}\n`);
            for (const f of summary.failed) process.stderr.write(`failed: ${f.source}: ${f.error}\n`);
          }
          if (verdict !== undefined) {
            process.stderr.write(`memp: ${verdict}\n`);
            throw new ExitStatus(EXIT_BAD_INPUT);
          }
        });
      } finally {
        stopListening();
      }
    });

  memory
    .command("search")
    .description("retrieve the entries a task would see")
    .argument("<query>", "the task text")
    .addOption(memoryOption("the memory"))
    .addOption(memoryDirOption())
    .option("--retrieve <policy>", `retrieval policy: ${retrievePolicyNames().join("|")}`, policyName("--retrieve", getRetrievePolicy), "query" as RetrievePolicyName)
    .option("--top-k <k>", "number of entries", positiveInt("--top-k"), DEFAULT_K)
    .option("--threshold <score>", "drop entries scoring below this", parseFloat)
    .option("--seed <n>", "seed for the random policy", (v) => Number.parseInt(v, 10), 0)
    .option("--facts <json>", "the task's facts as a JSON object (facts/ave_fact; otherwise --model extracts them)")
    .option("--model <name>", "chat model that extracts facts (facts, ave_fact)")
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own)`)
    .option("--timeout <seconds>", "limit of one model request attempt (default $MEMP_MODEL_TIMEOUT, else 120)", positiveSeconds("--timeout"))
    .option("--guidelines", "print the guidance a prompt would get, exactly as an agent sees it (MemP's form)")
    .option("--json", "print JSON")
    .action(async (query: string, opts: MemoryLocationOptions & { retrieve: RetrievePolicyName; topK: number; threshold?: number; seed: number; facts?: string; model?: string; embeddings?: string; timeout?: number; guidelines?: boolean; json?: boolean }) => {
      const transport = { timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000 };
      await withModelBank(memoryLocation(opts), opts.embeddings, true, transport, async (bank) => {
        const results = await retrieveMemory(
          bank,
          opts.retrieve,
          { task: query, k: opts.topK, threshold: opts.threshold, seed: opts.seed, facts: parseFactsOption(opts.facts) },
          { model: opts.model ? createChatModel(opts.model, transport) : undefined },
        );
        if (opts.guidelines) {
          const text = formatGuidelines(results);
          if (opts.json) printJson({ guidelines: text, ids: results.map((r) => r.entry.id) });
          else process.stdout.write(text ? `${text}\n` : "no entries\n");
          return;
        }
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
    .addOption(memoryOption("the memory"))
    .addOption(memoryDirOption())
    .option("--json", "print JSON")
    .action(async (opts: MemoryLocationOptions & { json?: boolean }) => {
      const store = await openForReading(memoryLocation(opts));
      try {
        const entries = await store.list();
        if (opts.json) {
          printJson({ count: entries.length, embedder: store.embedder.id, dimension: store.embedder.dimension, entries });
          return;
        }
        process.stdout.write(`${entries.length} entries in ${store.location}, embedder ${store.embedder.id} (${store.embedder.dimension}-d)\n`);
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
    .addOption(memoryOption("the memory"))
    .addOption(memoryDirOption())
    .requiredOption("--from <file>", "RESULTS.jsonl: one finished task per line (a trajectory plus \"retrieved\": [entry ids])")
    .requiredOption("--policy <policy>", updatePolicyNames().join("|"), policyName("--policy", getUpdatePolicy))
    .option("--model <name>", "chat model (builds script/proceduralization entries; rewrites entries for adjustment)")
    .option("--build <kind>", `how new runs become entries: ${buildPolicyNames().join("|")} (default: proceduralization with --model, else trajectory)`, policyName("--build", getBuildPolicy))
    .option("--min-hits <n>", "deprecation: minimum hits before an entry can be retired", positiveInt("--min-hits"), 3)
    .option("--min-rate <r>", "deprecation: retire below this success rate", nonNegativeNumber("--min-rate"), 0.5)
    .option("--max-entries <n>", "cap the memory; the least useful entries are retired first", positiveInt("--max-entries"))
    .option("--merge-threshold <s>", "merge a new entry into an existing one of its kind at this task similarity or above", nonNegativeNumber("--merge-threshold"))
    .option("--concurrency <n>", "parallel model calls", positiveInt("--concurrency"), 8)
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own)`)
    .option("--timeout <seconds>", "limit of one model request attempt (default $MEMP_MODEL_TIMEOUT, else 120)", positiveSeconds("--timeout"))
    .option("--max-failures <n|p%>", "give up once N rewrites and builds, or p% of them, have failed: the update is rolled back (exit 1)", failureLimit("--max-failures"))
    .option("--structured-output <mode>", `how JSON is asked of the model: ${STRUCTURED_OUTPUT_MODES.join("|")}`, oneOf("--structured-output", STRUCTURED_OUTPUT_MODES), "auto" as StructuredOutputMode)
    .option("--json", "print the update report as JSON")
    .action(async (opts: MemoryLocationOptions & { from: string; policy: UpdatePolicyName; model?: string; build?: BuildKind; minHits: number; minRate: number; maxEntries?: number; mergeThreshold?: number; concurrency: number; embeddings?: string; timeout?: number; maxFailures?: FailureLimit; structuredOutput: StructuredOutputMode; json?: boolean }) => {
      const batch = readFinishedTasks(opts.from);
      if (getUpdatePolicy(opts.policy).needsModel && !opts.model) throw new InputError(`the ${opts.policy} policy rewrites entries with a chat model: pass --model NAME`, { field: "--model" });
      if (opts.build && getBuildPolicy(opts.build).needsModel && !opts.model) throw new InputError(`the ${opts.build} build distils with a chat model: pass --model NAME`, { field: "--model" });
      const transport = { timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000 };
      await withModelBank(memoryLocation(opts), opts.embeddings, false, transport, async (bank) => {
        // Ids that are not in this memory cannot be booked; say so rather than drop them silently.
        const known = new Set((await bank.store.getMany(batch.flatMap((t) => t.retrieved))).map((e) => e.id));
        warnUnknownRetrieved(batch, (id) => known.has(id));
        let report: UpdateReportWithFallbacks;
        let abandoned: UpdateAbandonedError | undefined;
        try {
          report = await updateMemory(bank, batch, {
            policy: opts.policy,
            model: opts.model ? createChatModel(opts.model, transport) : undefined,
            modelName: opts.model,
            buildKind: opts.build,
            minHits: opts.minHits,
            minRate: opts.minRate,
            maxEntries: opts.maxEntries,
            mergeThreshold: opts.mergeThreshold,
            concurrency: opts.concurrency,
            structuredOutput: opts.structuredOutput,
            maxFailures: opts.maxFailures?.count,
            maxFailureRate: opts.maxFailures?.rate,
            // Rolled back rather than half applied: running the same batch again must not count its hits twice.
            abandonWhenAllFail: true,
          });
        } catch (err) {
          if (!UpdateAbandonedError.isInstance(err)) throw err;
          abandoned = err;
          report = err.report;
        }
        const count = await bank.store.size();
        if (opts.json) {
          printJson({ ...report, applied: abandoned === undefined, ...(abandoned && { error: abandoned.message }), count });
        } else if (abandoned === undefined) {
          process.stdout.write(
            `${opts.policy}: ${batch.length} tasks; ${report.stats.length} entries booked, ${report.added.length} added, ` +
              `${report.adjusted.length} adjusted, ${report.merged.length} merged, ${report.retired.length} retired; ` +
              `the memory holds ${count} entries\n`,
          );
          for (const r of report.retired) process.stdout.write(`retired ${r.id}: ${r.reason}\n`);
        }
        if (!opts.json) {
          for (const f of report.fallbacks) process.stderr.write(`fell back (${f.kind}): ${f.task}: ${f.detail}\n`);
          for (const f of report.failed) process.stderr.write(`failed: ${f.task}: ${f.error}\n`);
        }
        if (abandoned) {
          process.stderr.write(`memp: ${abandoned.message}\n`);
          throw new ExitStatus(EXIT_BAD_INPUT);
        }
      });
    });

  memory
    .command("history")
    .description("show how an entry evolved: adjustments, merges, retirement, restoration")
    .argument("<id>", "entry id")
    .addOption(memoryOption("the memory"))
    .addOption(memoryDirOption())
    .option("--json", "print JSON")
    .action(async (id: string, opts: MemoryLocationOptions & { json?: boolean }) => {
      const store = await openForReading(memoryLocation(opts));
      try {
        const h = await entryHistory(store, id);
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
    .addOption(memoryOption("the memory"))
    .addOption(memoryDirOption())
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own)`)
    .action(async (id: string, opts: MemoryLocationOptions & { embeddings?: string }) => {
      await withBank(memoryLocation(opts), opts.embeddings, false, async (bank) => {
        const e = await restoreEntry(bank, id);
        process.stdout.write(`restored ${e.id} (${e.task}) as version ${e.version ?? 1}\n`);
      });
    });

  memory
    .command("export")
    .description("write the live entries, with their provenance, to a JSONL file")
    .addOption(memoryOption("the memory"))
    .addOption(memoryDirOption())
    .requiredOption("--out <file>", "output JSONL file (not inside a memory directory)", nonEmptyPath("--out"))
    .action(async (opts: MemoryLocationOptions & { out: string }) => {
      checkOutputFile(opts.out);
      await withBank(memoryLocation(opts), undefined, true, async (bank) => {
        const n = await exportMemory(bank, opts.out);
        process.stdout.write(`exported ${n} entries to ${opts.out}\n`);
      });
    });

  memory
    .command("import")
    .description("add the entries of an export to a memory, embedding them with its embedder")
    .argument("<file>", "a file written by memp memory export", nonEmptyPath("<file>"))
    .addOption(memoryOption("the memory (created if missing)"))
    .addOption(memoryDirOption())
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (default: the memory's own, else local)`)
    .action(async (file: string, opts: MemoryLocationOptions & { embeddings?: string }) => {
      // Read and checked before the memory is opened, so a bad file creates no memory directory.
      const exported = readExport(file);
      await withBank(memoryLocation(opts), opts.embeddings, false, async (bank) => {
        const r = await importMemory(bank, exported);
        process.stdout.write(
          `imported ${r.imported} entries (${r.skipped} already present)${r.reembedded ? `, re-embedded from ${r.from} to ${bank.embedderId}` : ""}; ` +
            `the memory holds ${await bank.store.size()} entries\n`,
        );
      });
    });
}

/** Opens a memory to read entries and logs, whatever embedder it was indexed with. */
async function openForReading(location: string): Promise<MemoryStore> {
  const embedder = await peekStore(location);
  return openStore(location, { readOnly: true, create: false, embedder: embedder ?? { id: "unknown", dimension: 1 } });
}

/** How a memory searches, for the build summary. */
function indexLabel(store: MemoryStore): string {
  return store instanceof LocalMemoryStore ? `${store.backend} index` : `${store.kind} store`;
}
