/**
 * A run's folder: `run.json` (the options and versions it ran with), one file per episode under
 * `episodes/`, and `summary.json`. Every write is atomic, so a killed run leaves each file either
 * whole or absent, and a rerun picks up exactly the episodes that are not there yet.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../core/errors.js";
import { writeFileAtomic, writeFileAtomicAsync } from "../core/util/atomic.js";
import { processAlive } from "../core/util/process.js";
import { EpisodeRecordSchema, episodeFileName, type EpisodeRecord } from "./record.js";

export class RunFolder {
  readonly episodesDir: string;
  /** Online runs: what each batch's update did. */
  readonly batchesDir: string;

  constructor(readonly dir: string) {
    this.episodesDir = join(dir, "episodes");
    this.batchesDir = join(dir, "batches");
  }

  get runFile(): string {
    return join(this.dir, "run.json");
  }

  get summaryFile(): string {
    return join(this.dir, "summary.json");
  }

  create(): void {
    mkdirSync(this.episodesDir, { recursive: true });
    mkdirSync(this.batchesDir, { recursive: true });
    this.removeDeadTempFiles();
  }

  /** Temp files of writes that a killed run never finished (their writer's pid is gone). */
  private removeDeadTempFiles(): void {
    for (const dir of [this.episodesDir, this.batchesDir, this.dir]) {
      for (const name of readdirSync(dir)) {
        const pid = /^\..+\.(\d+)\.[0-9a-z]+\.[0-9a-z]+\.tmp$/.exec(name)?.[1];
        if (pid !== undefined && !processAlive(Number(pid))) rmSync(join(dir, name), { force: true });
      }
    }
  }

  /** Removes what earlier invocations wrote (`--overwrite`), leaving an empty run folder. */
  clear(): void {
    for (const name of ["episodes", "batches", "run.json", "summary.json", "memory"]) rmSync(join(this.dir, name), { recursive: true, force: true });
  }

  readRun(): Record<string, unknown> | undefined {
    if (!existsSync(this.runFile)) return undefined;
    return readJson(this.runFile) as Record<string, unknown>;
  }

  writeJson(file: string, value: unknown): void {
    writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
  }

  saveEpisode(record: EpisodeRecord): Promise<void> {
    return writeFileAtomicAsync(join(this.episodesDir, episodeFileName(record.name)), JSON.stringify(record, null, 2) + "\n");
  }

  /** Every episode file, validated; a damaged one is reported with its path, never skipped silently. */
  episodes(): EpisodeRecord[] {
    if (!existsSync(this.episodesDir)) return [];
    return readdirSync(this.episodesDir)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => {
        const file = join(this.episodesDir, f);
        const parsed = EpisodeRecordSchema.safeParse(readJson(file));
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new InputError(`not an episode record: ${issue.path.join(".") || "(root)"}: ${issue.message} (delete the file to rerun the episode)`, { file, field: issue.path.join(".") });
        }
        return parsed.data as EpisodeRecord;
      });
  }
}

function readJson(file: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file, cause: err });
  }
}
