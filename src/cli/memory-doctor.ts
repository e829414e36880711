import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { MemoryBank } from "../../memory/bank.js";
import type { IdentifiedEmbeddings } from "../../memory/embeddings/identified.js";
import { LocalHashEmbeddings, type IdfTable } from "../../memory/embeddings/local.js";
import { diagnoseMemory, repairMemoryFiles, type Diagnosis, type Problem } from "../../memory/store/doctor.js";
import { FILES } from "../../memory/store/files.js";
import { memoryDirPath, readEmbedderState, readManifest } from "../../memory/store/local.js";
import type { EmbedderInfo } from "../../memory/store/types.js";
import { createEmbeddings, EMBEDDINGS_HELP } from "../models.js";
import { ExitStatus, printJson } from "./run.js";

/**
 * `memp memory doctor`: reports every problem of a memory directory; with --repair, rebuilds what
 * can be derived from the entries (manifest, indexes) and quarantines what cannot. Exit 0 when
 * the memory is healthy (or was repaired), 1 when problems remain.
 */
export function registerMemoryDoctor(memory: Command): void {
  memory
    .command("doctor")
    .description("check a memory directory for damage; --repair rebuilds what can be derived and quarantines the rest")
    .requiredOption("--memory-dir <dir>", "memory directory")
    .option("--repair", "rebuild the manifest and indexes from the entries; move damaged files and lines to DIR/quarantine/<timestamp>/")
    .option("--embeddings <spec>", `${EMBEDDINGS_HELP} (to rebuild the indexes; default: the memory's own)`)
    .option("--json", "print JSON")
    .action(async (opts: { memoryDir: string; repair?: boolean; embeddings?: string; json?: boolean }) => {
      const dir = memoryDirPath(opts.memoryDir);
      const found = diagnoseMemory(dir);
      if (!opts.repair || found.problems.length === 0) {
        if (opts.json) printJson({ dir, healthy: found.problems.length === 0, ...summary(found), problems: found.problems });
        else printDiagnosis(found, !opts.repair);
        if (found.problems.length > 0) throw new ExitStatus(1);
        return;
      }

      const embeddings = await doctorEmbeddings(dir, opts.embeddings);
      const rebuildsManifest = found.problems.some((p) => p.kind === "manifest-missing" || p.kind === "manifest-corrupt");
      const repaired = repairMemoryFiles(dir, { embedder: rebuildsManifest ? guessEmbedder(dir, embeddings) : undefined });
      const actions = [...repaired.actions];
      const mid = diagnoseMemory(dir);
      if (mid.problems.some((p) => p.kind === "index-stale") || (rebuildsManifest && mid.embedder)) {
        // Opening as a writer rebuilds stale indexes from the entries (and records the embedder).
        const bank = await MemoryBank.open(dir, { embeddings });
        const n = await bank.store.size();
        await bank.close();
        actions.push(`rebuilt the indexes from the ${n} entries with embedder ${bank.embedderId}`);
      }
      const after = diagnoseMemory(dir);
      const healthy = after.problems.length === 0;
      if (opts.json) {
        printJson({ dir, healthy, ...summary(after), found: found.problems, repaired: actions, quarantine: repaired.quarantine, problems: after.problems });
      } else {
        process.stdout.write(`${dir}: found ${count(found.problems.length, "problem")}; repaired:\n`);
        for (const a of actions) process.stdout.write(`  - ${a}\n`);
        if (repaired.quarantine) process.stdout.write(`  damaged data kept in ${repaired.quarantine}\n`);
        printDiagnosis(after, false);
      }
      if (!healthy) throw new ExitStatus(1);
    });
}

function summary(d: Diagnosis) {
  return { entries: d.entries, manifestCount: d.manifestCount, embedder: d.embedder?.id, writer: d.writer };
}

function printDiagnosis(d: Diagnosis, suggestRepair: boolean): void {
  if (d.writer) process.stdout.write(`note: process ${d.writer.pid} on ${d.writer.host} is writing to this memory (since ${d.writer.since}); what it has not committed is not checked\n`);
  if (d.problems.length === 0) {
    process.stdout.write(`${d.dir}: healthy (${count(d.entries, "entry", "entries")}${d.embedder ? `, embedder ${d.embedder.id}` : ""})\n`);
    return;
  }
  process.stdout.write(`${d.dir}: ${count(d.problems.length, "problem")}\n`);
  for (const p of d.problems) process.stdout.write(`  - ${describe(p)}\n`);
  if (suggestRepair && d.problems.some((p) => p.repair)) process.stdout.write(`run again with --repair to fix what can be fixed (nothing is deleted: damaged data goes to ${join(d.dir, "quarantine")}/)\n`);
}

function describe(p: Problem): string {
  const where = p.file ? `${p.file}${p.line === undefined ? "" : `:${p.line}`}: ` : "";
  return `${where}${p.message}${p.repair ? ` [--repair: ${p.repair}]` : " [cannot be repaired here]"}`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The embedder to rebuild indexes with: --embeddings, else the memory's own, else a local one. */
async function doctorEmbeddings(dir: string, spec: string | undefined): Promise<IdentifiedEmbeddings> {
  if (spec) return createEmbeddings(spec);
  let id: string | undefined;
  try {
    if (existsSync(join(dir, FILES.manifest))) id = readManifest(join(dir, FILES.manifest)).embedder.id;
  } catch {
    // a damaged manifest is rebuilt; fall through to the guess
  }
  const local = id && /^local:hash-v1:d(\d+):/.exec(id);
  if (local) return createEmbeddings(`local:${local[1]}`);
  if (id?.startsWith("openai:")) return createEmbeddings(id);
  return createEmbeddings(`local:${indexDimension(dir) ?? 384}`);
}

/**
 * The embedder a rebuilt manifest records. A local embedder's fitted IDF table survives in
 * embedder-state.json, and recording its id lets the rebuild embed exactly as before.
 */
function guessEmbedder(dir: string, e: IdentifiedEmbeddings): EmbedderInfo {
  const local = e.embeddings;
  if (local instanceof LocalHashEmbeddings) {
    const state = readEmbedderState(dir, undefined).state as { idf?: IdfTable } | undefined;
    if (state?.idf) {
      try {
        const fitted = new LocalHashEmbeddings({ dimension: local.dimension, charNgrams: local.charNgrams, idf: state.idf });
        return { id: fitted.id, dimension: fitted.dimension, state };
      } catch {
        // an unusable table: embed without it
      }
    }
    return { id: local.id, dimension: local.dimension };
  }
  return { id: e.id, dimension: indexDimension(dir) ?? 1 };
}

function indexDimension(dir: string): number | undefined {
  try {
    const buf = readFileSync(join(dir, FILES.taskIndex));
    const d = buf.length >= 8 && buf.toString("latin1", 0, 4) === "IxFI" ? buf.readInt32LE(4) : 0;
    return d >= 8 && d <= 65536 ? d : undefined;
  } catch {
    return undefined;
  }
}
