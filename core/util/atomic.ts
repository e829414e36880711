import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Hook for crash-safety tests: called after the temp file is durable and before the rename. */
let beforeRename: ((tmpPath: string, finalPath: string) => void) | undefined;

export function setBeforeRenameHookForTesting(hook: typeof beforeRename): void {
  beforeRename = hook;
}

/**
 * Hook for fault-injection tests: called before every step whose interruption could leave a
 * different state on disk (each fsync, rename, unlink), with a label naming the step and file, so
 * a test can SIGKILL a child process at each of them in turn.
 */
let faultHook: ((label: string) => void) | undefined;

export function setFaultHookForTesting(hook: typeof faultHook): void {
  faultHook = hook;
}

export function faultPoint(label: string): void {
  faultHook?.(label);
}

/**
 * Writes `data` to `path` so that a reader (or a crash) sees either the old file or the whole new
 * one: the bytes go to a temp file in the same directory, are fsynced, then renamed over `path`.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = tempPath(path);
  // "wx": never write through a file (or planted symlink) that is already there.
  const fd = openSync(tmp, "wx", 0o644);
  try {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let offset = 0;
    while (offset < buf.length) offset += writeSync(fd, buf, offset, buf.length - offset);
    faultPoint(`fsync ${basename(path)}`);
    fsyncSync(fd);
  } catch (err) {
    closeQuietly(fd);
    removeQuietly(tmp);
    throw err;
  }
  try {
    closeSync(fd);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
  beforeRename?.(tmp, path);
  faultPoint(`rename ${basename(path)}`);
  try {
    renameSync(tmp, path);
  } catch (err) {
    // e.g. `path` is a directory: the temp file must not outlive the failed write.
    removeQuietly(tmp);
    throw err;
  }
  fsyncDir(dir);
}

/** Cleanup on an error path must not replace the error being reported. */
function removeQuietly(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // the original error is the one to report
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // as above
  }
}

/** Makes a rename durable; a no-op where directories cannot be opened (Windows). */
export function fsyncDir(dir: string): void {
  faultPoint(`fsync ${basename(dir)}/`);
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
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  try {
    await file.close();
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  beforeRename?.(tmp, path);
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
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
