import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { alfworldDataDir, travelPlannerDataDir } from "../../core/config.js";
import { DATASETS } from "../data/datasets.js";
import { installDataset, type DatasetSpec } from "../data/download.js";
import { InputError } from "../../core/errors.js";
import { isUserFsError, userPathError } from "../../core/util/user-files.js";
import { nonEmptyPath, oneOf } from "./run.js";

const DEFAULT_DIRS: Record<string, () => string> = { alfworld: alfworldDataDir, travelplanner: travelPlannerDataDir };
const ENV_VARS: Record<string, string> = { alfworld: "ALFWORLD_DATA", travelplanner: "TRAVELPLANNER_DATA" };

export function registerDataCommands(program: Command): void {
  const data = program.command("data").description("fetch the benchmark data");
  data
    .command("download")
    .description("download, verify and install a dataset (resumable; an interrupted install leaves nothing half-done)")
    .argument("<dataset>", "alfworld | travelplanner", oneOf("dataset", Object.keys(DATASETS)))
    .option("--dir <dir>", "install folder (default: $ALFWORLD_DATA / $TRAVELPLANNER_DATA, else ~/.cache/memp/<dataset>)", nonEmptyPath("--dir"))
    .option("--archive <file...>", "install from archives already on disk instead of downloading")
    .option("--url <url...>", "download from these URLs instead of the official ones (one per archive)")
    .option("--sha256 <hex...>", "expected SHA-256 of each archive")
    .option("--force", "reinstall even if the dataset is already there")
    .option("--keep-archives", "keep the downloaded archives")
    .action(async (name: string, opts: { dir?: string; archive?: string[]; url?: string[]; sha256?: string[]; force?: boolean; keepArchives?: boolean }) => {
      const base = DATASETS[name]!;
      const dir = resolve(opts.dir ?? DEFAULT_DIRS[name]!());
      // Checked before anything is created under --dir.
      for (const file of opts.archive ?? []) checkArchive(file);
      const created = { dir: !existsSync(dir), downloads: !existsSync(join(dir, ".downloads")) };
      let result;
      try {
        const spec = withOverrides(base, opts, dir);
        result = await installDataset(spec, dir, {
          force: opts.force || Boolean(opts.archive),
          redownload: opts.force && !opts.archive,
          keepArchives: opts.keepArchives,
        });
      } catch (err) {
        // Copies of the user's archives are not a resumable download: a refused install takes
        // them back, with the folders it made for them (never anything it did not create).
        if (opts.archive) {
          for (const file of opts.archive) bestEffort(() => rmSync(join(dir, ".downloads", basename(file)), { force: true }));
          bestEffort(() => removeIfEmpty(join(dir, ".downloads"), created.downloads));
          bestEffort(() => removeIfEmpty(dir, created.dir));
        }
        // A folder that cannot be created or written (permissions, a file in the way, a full
        // disk) is the user's to fix: named in one line, the path the system reported first.
        throw isUserFsError(err) ? userPathError(err, err.path ?? dir, "write") : err;
      }
      const hint = `set ${ENV_VARS[name]}=${dir}`;
      process.stdout.write(
        result.alreadyInstalled
          ? `${name} is already installed in ${dir} (use --force to reinstall); ${hint}\n`
          : `installed ${name} (${result.files} files) in ${dir}; ${hint}\n`,
      );
    });
}

function withOverrides(spec: DatasetSpec, opts: { archive?: string[]; url?: string[]; sha256?: string[] }, dir: string): DatasetSpec {
  // Every count is checked before the first copy, so a refused command writes nothing.
  const count = opts.archive?.length ?? spec.archives.length;
  if (!opts.archive && opts.url && opts.url.length !== spec.archives.length) {
    throw new InputError(`--url: ${spec.name} has ${spec.archives.length} archive(s); give one URL for each`, { field: "--url" });
  }
  if (opts.sha256 && opts.sha256.length !== count) throw new InputError(`--sha256: give one checksum per archive (${count})`, { field: "--sha256" });
  let archives = spec.archives;
  if (opts.archive) {
    // Local archives go where a download would have put them, so the same install path runs.
    const downloads = join(dir, ".downloads");
    mkdirSync(downloads, { recursive: true });
    archives = opts.archive.map((file) => {
      const copy = join(downloads, basename(file));
      try {
        copyFileSync(file, copy);
      } catch (err) {
        const full = ["ENOSPC", "EDQUOT", "EROFS"].includes((err as NodeJS.ErrnoException).code ?? "");
        throw full ? userPathError(err, copy, "write") : userPathError(err, file, "read", "archive");
      }
      return { url: `file://${resolve(file)}`, file: basename(file) };
    });
  } else if (opts.url) {
    archives = opts.url.map((url, i) => ({ ...spec.archives[i]!, url }));
  }
  if (opts.sha256) archives = archives.map((a, i) => ({ ...a, sha256: opts.sha256![i]!.toLowerCase() }));
  return { ...spec, archives };
}

function checkArchive(file: string): void {
  if (file === "") throw new InputError("--archive expects a file path, got an empty string", { field: "--archive" });
  let isFile;
  try {
    isFile = statSync(file).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new InputError("no such archive", { file });
    throw userPathError(err, file, "read", "archive");
  }
  if (!isFile) throw new InputError("expected a zip archive, got a directory", { file });
}

function removeIfEmpty(dir: string, weCreatedIt: boolean): void {
  if (weCreatedIt && readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Cleanup after a failure must not replace the failure being reported. */
function bestEffort(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone, or never created
  }
}
