import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Hook for crash-safety tests: called after the temp file is durable and before the rename. */
let beforeRename: ((tmpPath: string, finalPath: string) => void) | undefined;

export function setBeforeRenameHookForTesting(hook: typeof beforeRename): void {
  beforeRename = hook;
}

/**
 * Writes `data` to `path` so that a reader (or a crash) sees either the old file or the whole new
 * one: the bytes go to a temp file in the same directory, are fsynced, then renamed over `path`.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = tempPath(path);
  const fd = openSync(tmp, "w", 0o644);
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let offset = 0;
    while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  beforeRename?.(tmp, path);
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** Makes a rename durable; a no-op where directories cannot be opened (Windows). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let tempCounter = 0;

function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.${(tempCounter++).toString(36)}.tmp`);
}

/**
 * `writeFileAtomic` without blocking the event loop: the fsyncs run on libuv's pool, so a runner
 * with dozens of episodes in flight keeps serving them while one episode's file is made durable.
 */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = tempPath(path);
  const file = await open(tmp, "w", 0o644);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (err) {
    await file.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  beforeRename?.(tmp, path);
  await rename(tmp, path);
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // best effort, as in fsyncDir
  } finally {
    await handle?.close();
  }
}
