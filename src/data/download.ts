import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { Transform } from "node:stream";
import { fileURLToPath } from "node:url";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import yauzl from "yauzl";
import { InputError, MempError, hasKind } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/util/atomic.js";
import { processAlive } from "../../core/util/process.js";
import { createProgress } from "../../core/util/progress.js";
import { isUserFsError, userPathError } from "../../core/util/user-files.js";

export class DownloadError extends MempError {
  static override readonly kind: string = "memp.DownloadError";

  static override isInstance(value: unknown): value is DownloadError {
    return hasKind(value, DownloadError.kind);
  }

  override readonly name = "DownloadError";
}

export interface DownloadOptions {
  /** Known size in bytes; the download must end at exactly this size. */
  expectedBytes?: number;
  /** Known SHA-256 (hex) of the whole file. */
  sha256?: string;
  progress?: boolean;
  fetchImpl?: typeof fetch;
}

/**
 * Downloads `url` to `dest` through `dest.part`, resuming a previous partial download with an
 * HTTP Range request. The file only takes its final name once its size (Content-Length or the
 * expected size) and, when given, its SHA-256 check out.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<{ bytes: number; sha256: string }> {
  const part = `${dest}.part`;
  mkdirSync(dirname(dest), { recursive: true });
  const have = existsSync(part) ? statSync(part).size : 0;
  const doFetch = options.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, redirect: "follow" });
  } catch (err) {
    throw new DownloadError(`cannot reach ${url}: ${(err as Error).message}`, { cause: err });
  }
  const resumed = res.status === 206;
  if (!res.ok || !res.body) throw new DownloadError(`GET ${url} answered ${res.status} ${res.statusText}`);
  const length = Number(res.headers.get("content-length") ?? NaN);
  const total = (resumed ? have : 0) + (Number.isFinite(length) ? length : 0);
  const progress = createProgress(total > 0 ? total : 0, `download ${url.split("/").pop()}`, options.progress);
  if (resumed && have > 0) progress.increment(have);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      progress.increment(chunk.length);
      done(null, chunk);
    },
  });
  await pipeline(res.body as unknown as NodeJS.ReadableStream, counter, createWriteStream(part, { flags: resumed ? "a" : "w" }));
  progress.stop();
  const bytes = statSync(part).size;
  const expected = options.expectedBytes ?? (Number.isFinite(length) ? total : undefined);
  if (expected !== undefined && bytes !== expected) {
    throw new DownloadError(`${url}: got ${bytes} bytes, expected ${expected}; run the command again to resume`);
  }
  const sha256 = await fileSha256(part);
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) {
    rmSync(part, { force: true });
    throw new DownloadError(`${url}: SHA-256 ${sha256} does not match the expected ${options.sha256}; the partial file was removed`);
  }
  renameSync(part, dest);
  return { bytes, sha256 };
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/**
 * Extracts a zip into `targetDir`. Each entry's CRC-32 is checked (yauzl checks sizes, not
 * contents), and entries that would land outside the target (`../`, absolute paths) are refused,
 * as is an archive that holds one path both as a file and as a folder. Every refusal is an
 * InputError naming the archive.
 */
export async function extractZip(zipPath: string, targetDir: string, options: { progress?: boolean; source?: string } = {}): Promise<number> {
  const target = resolve(targetDir);
  // Errors name the archive the user gave (`source`), not the copy being read.
  const shown = options.source ?? zipPath;
  const zip = await new Promise<yauzl.ZipFile>((resolveZip, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(archiveError(err, shown)) : resolveZip(z))),
  );
  const progress = createProgress(zip.entryCount, "unzip", options.progress);
  const kinds = new Map<string, "file" | "folder">();
  let files = 0;
  try {
    await new Promise<void>((resolveAll, reject) => {
      let failed = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(err);
      };
      zip.on("error", (err: Error) => fail(archiveError(err, shown)));
      zip.on("end", () => resolveAll());
      zip.on("entry", (entry: yauzl.Entry) => {
        // An exception thrown from this listener would escape yauzl's event loop and kill the
        // process (leaving the staging folder behind), so every failure goes through `fail`.
        const name = entry.fileName;
        const out = normalize(join(target, name));
        try {
          if (isAbsolute(name) || !out.startsWith(target + sep)) {
            throw new InputError(`archive entry "${name}" would be written outside the target folder`, { file: shown });
          }
          const isFolder = name.endsWith("/");
          claimPath(kinds, relative(target, out), isFolder ? "folder" : "file", shown);
          progress.increment(1);
          if (isFolder) {
            mkdirSync(out, { recursive: true });
            return zip.readEntry();
          }
          mkdirSync(dirname(out), { recursive: true });
        } catch (err) {
          return fail(userPathError(err, out, "write"));
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) return fail(new InputError(`archive entry "${name}" is corrupt: ${err.message}`, { file: shown, cause: err }));
          let crc = 0;
          const check = new Transform({
            transform(chunk: Buffer, _enc, done) {
              crc = zlib.crc32(chunk, crc);
              done(null, chunk);
            },
          });
          pipeline(stream, check, createWriteStream(out))
            .then(() => {
              if (crc >>> 0 !== entry.crc32 >>> 0) throw new InputError(`archive entry "${name}" is corrupt (CRC-32 mismatch)`, { file: shown });
              files++;
              zip.readEntry();
            })
            .catch((e: unknown) => {
              if (MempError.isInstance(e)) return fail(e);
              if (isUserFsError(e)) return fail(userPathError(e, out, "write"));
              // Anything else comes from reading or inflating the entry's bytes.
              fail(new InputError(`archive entry "${name}" is corrupt: ${(e as Error).message}`, { file: shown, cause: e }));
            });
        });
      });
      zip.readEntry();
    });
  } finally {
    progress.stop();
  }
  return files;
}

/** A yauzl error as the user's problem with the archive (yauzl also refuses unsafe names). */
function archiveError(err: Error, zipPath: string): InputError {
  if (/^(invalid relative path|absolute path|invalid characters in fileName)/.test(err.message)) {
    return new InputError(`archive entry refused, it would be written outside the target folder: ${err.message}`, { file: zipPath, cause: err });
  }
  return new InputError(`not a readable zip archive: ${err.message}`, { file: zipPath, cause: err });
}

/**
 * Records `rel` as a file or a folder, refusing an archive that needs one path to be both
 * (`a` as a file and `a/b` under it): which one won would depend on the entry order.
 */
function claimPath(kinds: Map<string, "file" | "folder">, rel: string, kind: "file" | "folder", zipPath: string): void {
  const parts = rel.split(sep);
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join("/");
    if (kinds.get(prefix) === "file") throw new InputError(`the archive holds "${prefix}" both as a file and as a folder`, { file: zipPath });
    kinds.set(prefix, "folder");
  }
  const path = parts.join("/");
  const seen = kinds.get(path);
  if (seen !== undefined && seen !== kind) throw new InputError(`the archive holds "${path}" both as a file and as a folder`, { file: zipPath });
  kinds.set(path, kind);
}

export interface ArchiveSpec {
  url: string;
  /** File name under the download cache. */
  file: string;
  expectedBytes?: number;
  sha256?: string;
}

export interface DatasetSpec {
  name: string;
  archives: ArchiveSpec[];
  /** Checks the extracted tree; returns what is wrong, or undefined when it is complete. */
  verify(dir: string): string | undefined;
  /** Top-level names the archives contribute under the data folder. */
  installs: string[];
}

export interface InstallOptions {
  /** Reinstall even when the dataset is already in place. */
  force?: boolean;
  /** Download again even when a complete archive is already in the download cache. */
  redownload?: boolean;
  progress?: boolean;
  fetchImpl?: typeof fetch;
  /** Keep the downloaded archives (default: deleted after a successful install). */
  keepArchives?: boolean;
}

export interface InstallResult {
  dir: string;
  alreadyInstalled: boolean;
  files: number;
}

/**
 * Downloads (resumably), extracts into a staging folder beside the target, verifies the tree,
 * then moves it into place, so an interrupted install never leaves a half-extracted dataset
 * where the loaders look. A marker file records what was installed, and only what it records
 * is ever replaced: a folder of the user's that an archive also holds is refused, not deleted.
 */
export async function installDataset(spec: DatasetSpec, dir: string, options: InstallOptions = {}): Promise<InstallResult> {
  const marker = join(dir, `.memp-${spec.name}.json`);
  const previous = readMarker(marker, spec);
  if (!options.force && previous?.complete && spec.verify(dir) === undefined) return { dir, alreadyInstalled: true, files: 0 };
  mkdirSync(dir, { recursive: true });
  removeDeadStaging(dir);
  const downloads = join(dir, ".downloads");
  const staging = join(dir, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  let files = 0;
  const record: Array<{ url: string; bytes: number; sha256: string }> = [];
  try {
    for (const a of spec.archives) {
      const archive = join(downloads, a.file);
      const got = existsSync(archive) && !options.redownload
        ? { bytes: statSync(archive).size, sha256: await fileSha256(archive) }
        : await downloadFile(a.url, archive, { expectedBytes: a.expectedBytes, sha256: a.sha256, progress: options.progress, fetchImpl: options.fetchImpl });
      if (a.sha256 && got.sha256 !== a.sha256) throw new DownloadError(`${archive}: SHA-256 ${got.sha256} does not match ${a.sha256}`);
      const source = a.url.startsWith("file://") ? fileURLToPath(a.url) : undefined;
      files += await extractZip(archive, staging, { progress: options.progress, source });
      record.push({ url: a.url, ...got });
    }
    const problem = spec.verify(staging);
    if (problem) throw new DownloadError(`the ${spec.name} archives do not hold a complete dataset: ${problem}`);
    const names = readdirSync(staging).sort();
    const owned = new Set(previous?.installed ?? []);
    // Every name is checked before anything moves, so a refusal leaves the folder as it was.
    for (const name of names) {
      if (RESERVED.test(name)) throw new InputError(`the archives hold a top-level "${name}", a name memp keeps for its own files`, { file: dir });
      const to = join(dir, name);
      if (lexists(to) && !owned.has(name)) {
        throw new InputError("already exists and was not installed by memp (the archives hold one of that name): move it away, or install into another --dir", { file: to });
      }
    }
    const installed = [...new Set([...[...owned].filter((n) => lexists(join(dir, n))), ...names])].sort();
    // Claimed before the moves, so that an install killed half-way can be rerun over its own files.
    writeMarker(marker, { dataset: spec.name, complete: false, installed });
    for (const name of names) replaceWith(join(staging, name), join(dir, name), join(dir, `.replaced-${process.pid}-${name}`));
    writeMarker(marker, { dataset: spec.name, complete: true, installed, installedAt: new Date().toISOString(), archives: record });
    if (!options.keepArchives) rmSync(downloads, { recursive: true, force: true });
    return { dir, alreadyInstalled: false, files };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Names memp uses for its own files beside the data. */
const RESERVED = /^\.(downloads|staging-|replaced-|memp-)/;

interface Marker {
  complete: boolean;
  /** Top-level names this dataset's installs created, the only ones a reinstall may replace. */
  installed: string[];
}

function readMarker(path: string, spec: DatasetSpec): Marker | undefined {
  if (!existsSync(path)) return undefined;
  let raw: { complete?: unknown; installed?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as typeof raw;
  } catch {
    // Unreadable: nothing is known to be ours, so nothing will be replaced.
    return { complete: false, installed: [] };
  }
  const installed = Array.isArray(raw.installed) ? raw.installed.filter((n): n is string => typeof n === "string" && !n.includes("/") && !RESERVED.test(n)) : spec.installs; // markers before `installed` was recorded
  return { complete: raw.complete !== false, installed };
}

function writeMarker(path: string, value: Record<string, unknown>): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Moves `from` to `to`; an existing `to` is set aside first and put back if the move fails. */
function replaceWith(from: string, to: string, aside: string): void {
  const had = lexists(to);
  if (had) renameSync(to, aside);
  try {
    renameSync(from, to);
  } catch (err) {
    if (had) renameSync(aside, to);
    throw err;
  }
  if (had) rmSync(aside, { recursive: true, force: true });
}

/** Staging folders of installs that were killed (their process is gone) are only copies: removed. */
function removeDeadStaging(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = /^\.staging-(\d+)$/.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
