import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { alfworldDataDir, travelPlannerDataDir } from "../config.js";
import { DATASETS } from "../data/datasets.js";
import { installDataset, type DatasetSpec } from "../data/download.js";
import { InputError } from "../errors.js";
import { oneOf } from "./run.js";

const DEFAULT_DIRS: Record<string, () => string> = { alfworld: alfworldDataDir, travelplanner: travelPlannerDataDir };
const ENV_VARS: Record<string, string> = { alfworld: "ALFWORLD_DATA", travelplanner: "TRAVELPLANNER_DATA" };

export function registerDataCommands(program: Command): void {
  const data = program.command("data").description("fetch the benchmark data");
  data
    .command("download")
    .description("download, verify and install a dataset (resumable; an interrupted install leaves nothing half-done)")
    .argument("<dataset>", "alfworld | travelplanner", oneOf("dataset", Object.keys(DATASETS)))
    .option("--dir <dir>", "install folder (default: $ALFWORLD_DATA / $TRAVELPLANNER_DATA, else ~/.cache/memp/<dataset>)")
    .option("--archive <file...>", "install from archives already on disk instead of downloading")
    .option("--url <url...>", "download from these URLs instead of the official ones (one per archive)")
    .option("--sha256 <hex...>", "expected SHA-256 of each archive")
    .option("--force", "reinstall even if the dataset is already there")
    .option("--keep-archives", "keep the downloaded archives")
    .action(async (name: string, opts: { dir?: string; archive?: string[]; url?: string[]; sha256?: string[]; force?: boolean; keepArchives?: boolean }) => {
      const base = DATASETS[name]!;
      const dir = resolve(opts.dir ?? DEFAULT_DIRS[name]!());
      const spec = withOverrides(base, opts, dir);
      const result = await installDataset(spec, dir, {
        force: opts.force || Boolean(opts.archive),
        redownload: opts.force && !opts.archive,
        keepArchives: opts.keepArchives,
      });
      const hint = `set ${ENV_VARS[name]}=${dir}`;
      process.stdout.write(
        result.alreadyInstalled
          ? `${name} is already installed in ${dir} (use --force to reinstall); ${hint}\n`
          : `installed ${name} (${result.files} files) in ${dir}; ${hint}\n`,
      );
    });
}

function withOverrides(spec: DatasetSpec, opts: { archive?: string[]; url?: string[]; sha256?: string[] }, dir: string): DatasetSpec {
  let archives = spec.archives;
  if (opts.archive) {
    // Local archives go where a download would have put them, so the same install path runs.
    const downloads = join(dir, ".downloads");
    mkdirSync(downloads, { recursive: true });
    archives = opts.archive.map((file) => {
      if (!existsSync(file)) throw new InputError("no such archive", { file });
      copyFileSync(file, join(downloads, basename(file)));
      return { url: `file://${resolve(file)}`, file: basename(file) };
    });
  } else if (opts.url) {
    if (opts.url.length !== spec.archives.length) throw new InputError(`--url: ${spec.name} has ${spec.archives.length} archive(s); give one URL for each`, { field: "--url" });
    archives = opts.url.map((url, i) => ({ ...spec.archives[i]!, url }));
  }
  if (opts.sha256) {
    if (opts.sha256.length !== archives.length) throw new InputError(`--sha256: give one checksum per archive (${archives.length})`, { field: "--sha256" });
    archives = archives.map((a, i) => ({ ...a, sha256: opts.sha256![i]!.toLowerCase() }));
  }
  return { ...spec, archives };
}
