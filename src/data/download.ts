import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import yauzl from "yauzl";
import { InputError, MempError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { createProgress } from "../util/progress.js";

export class DownloadError extends MempError {
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
 * contents), and entries that would land outside the target (`../`, absolute paths) are refused.
 */
export async function extractZip(zipPath: string, targetDir: string, options: { progress?: boolean } = {}): Promise<number> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(new InputError(`not a readable zip archive: ${err.message}`, { file: zipPath })) : resolve(z))),
  );
  const progress = createProgress(zip.entryCount, "unzip", options.progress);
  let files = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(err);
    };
    zip.on("error", fail);
    zip.on("end", () => resolve());
    zip.on("entry", (entry: yauzl.Entry) => {
      const name = entry.fileName;
      const out = normalize(join(targetDir, name));
      if (isAbsolute(name) || !(out === targetDir || out.startsWith(targetDir + sep))) {
        return fail(new InputError(`archive entry "${name}" would be written outside the target folder`, { file: zipPath }));
      }
      progress.increment(1);
      if (name.endsWith("/")) {
        mkdirSync(out, { recursive: true });
        return zip.readEntry();
      }
      mkdirSync(dirname(out), { recursive: true });
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(err);
        let crc = 0;
        const check = new Transform({
          transform(chunk: Buffer, _enc, done) {
            crc = zlib.crc32(chunk, crc);
            done(null, chunk);
          },
        });
        pipeline(stream, check, createWriteStream(out))
          .then(() => {
            if (crc >>> 0 !== entry.crc32 >>> 0) throw new InputError(`archive entry "${name}" is corrupt (CRC-32 mismatch)`, { file: zipPath });
            files++;
            zip.readEntry();
          })
          .catch(fail);
      });
    });
    zip.readEntry();
  });
  progress.stop();
  return files;
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
 * where the loaders look. A marker file records what was installed.
 */
export async function installDataset(spec: DatasetSpec, dir: string, options: InstallOptions = {}): Promise<InstallResult> {
  const marker = join(dir, `.memp-${spec.name}.json`);
  if (!options.force && existsSync(marker) && spec.verify(dir) === undefined) return { dir, alreadyInstalled: true, files: 0 };
  mkdirSync(dir, { recursive: true });
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
      files += await extractZip(archive, staging, { progress: options.progress });
      record.push({ url: a.url, ...got });
    }
    const problem = spec.verify(staging);
    if (problem) throw new DownloadError(`the ${spec.name} archives do not hold a complete dataset: ${problem}`);
    for (const name of readdirSync(staging)) {
      const to = join(dir, name);
      rmSync(to, { recursive: true, force: true });
      renameSync(join(staging, name), to);
    }
    writeFileAtomic(marker, JSON.stringify({ dataset: spec.name, installedAt: new Date().toISOString(), archives: record }, null, 2) + "\n");
    if (!options.keepArchives) rmSync(downloads, { recursive: true, force: true });
    return { dir, alreadyInstalled: false, files };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
