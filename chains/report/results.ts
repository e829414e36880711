/**
 * Finds experiment run folders and reads them without trusting them: every file is parsed and
 * validated, and a bad one is a one-line InputError naming the file and the field.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { InputError } from "../../core/errors.js";
import { issueError } from "../../core/util/validate.js";
import { EpisodeRecordSchema, type EpisodeRecord } from "../record.js";
import { runFileSchema, summaryFileSchema, type RunFile, type RunSummary } from "./schema.js";
import { summarizeEpisodes } from "./summarize.js";

export const RUN_FILE = "run.json";
export const SUMMARY_FILE = "summary.json";
export const EPISODES_DIR = "episodes";

/** One run as the report sees it. */
export interface LoadedRun {
  /** The run folder (absolute). */
  dir: string;
  run: RunFile;
  summary: RunSummary;
  /** "recomputed" when summary.json was missing and the figures come from the episode files. */
  summarySource: "file" | "recomputed";
  /** Episodes the run meant to play, when known. */
  planned: number | null;
  /**
   * Fewer episodes finished than planned (errored episodes are rerun on resume, so they do not
   * count as finished), or no summary and no plan: the run is still going, or was stopped.
   */
  partial: boolean;
}

function readJson<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    // JSON.parse messages are one line; the position helps find a truncated write.
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw issueError(parsed.error.issues[0]!, { file });
  return parsed.data;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Run folders at or below `root`, in path order; a run folder's own subfolders are not searched. */
function runDirsUnder(root: string): string[] {
  if (existsSync(join(root, RUN_FILE))) return [root];
  const found: string[] = [];
  const names = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith(".") && d.name !== "node_modules")
    .map((d) => d.name)
    .sort();
  for (const name of names) found.push(...runDirsUnder(join(root, name)));
  return found;
}

/**
 * The run folders named by `paths` (each a run folder or any ancestor of run folders), in the
 * order given, each once even if two paths reach it.
 */
export function findRunDirs(paths: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const path of paths) {
    const abs = resolve(path);
    if (!existsSync(abs)) throw new InputError("no such file or directory", { file: path });
    if (!isDir(abs)) throw new InputError(`expected a run folder (holding ${RUN_FILE}) or a folder above run folders`, { file: path });
    const dirs = runDirsUnder(abs);
    if (dirs.length === 0) throw new InputError(`no ${RUN_FILE} in this folder or below it`, { file: path });
    for (const dir of dirs) {
      const key = realpathSync(dir);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(dir);
    }
  }
  return out;
}

/** The validated episode files of a run folder, in file-name order. */
export function readEpisodes(dir: string): EpisodeRecord[] {
  const episodesDir = join(dir, EPISODES_DIR);
  if (!isDir(episodesDir)) return [];
  return readdirSync(episodesDir)
    .filter((name) => name.endsWith(".json") && !name.startsWith("."))
    .sort()
    .map((name) => readJson(join(episodesDir, name), EpisodeRecordSchema) as EpisodeRecord);
}

export function loadRun(dir: string): LoadedRun {
  const run = readJson(join(dir, RUN_FILE), runFileSchema);
  const summaryFile = join(dir, SUMMARY_FILE);
  const fromFile = existsSync(summaryFile);
  const summary = fromFile ? readJson(summaryFile, summaryFileSchema) : summarizeEpisodes(readEpisodes(dir), run.episodes ?? null);
  const planned = fromFile ? summary.episodes : (run.episodes ?? null);
  // Without a summary the runner has not finished writing; without a plan we cannot tell how far it got.
  const partial = planned === null ? !fromFile : summary.finished < planned;
  return { dir, run, summary, summarySource: fromFile ? "file" : "recomputed", planned, partial };
}

/** Every run under `paths`, validated. */
export function loadRuns(paths: string[]): LoadedRun[] {
  return findRunDirs(paths).map(loadRun);
}
