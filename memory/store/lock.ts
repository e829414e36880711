import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { LockError } from "../../src/errors.js";

export const LOCK_FILE = ".memp.lock";

interface LockRecord {
  pid: number;
  host: string;
  createdAt: string;
}

const held = new Set<string>();
let exitHookInstalled = false;

/**
 * An exclusive write lock on a memory directory: a lock file created with O_EXCL holding the
 * owner's pid and host. A lock whose owner is gone (same host, no such process) is stale and is
 * taken over; a live owner gets a LockError naming it.
 */
export class DirectoryLock {
  private released = false;

  private constructor(readonly path: string) {}

  static acquire(dir: string): DirectoryLock {
    const path = join(dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx", 0o644);
        const record: LockRecord = { pid: process.pid, host: hostname(), createdAt: new Date().toISOString() };
        writeSync(fd, JSON.stringify(record));
        closeSync(fd);
        held.add(path);
        installExitHook();
        return new DirectoryLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const holder = readHolder(path);
      if (holder && holder.pid === process.pid && holder.host === hostname()) {
        throw new LockError(path, holder.pid, `memory directory ${dir} is already open for writing in this process`);
      }
      if (holder && !isStale(holder, path)) {
        throw new LockError(
          path,
          holder.pid,
          `memory directory ${dir} is locked by process ${holder.pid} on ${holder.host} (since ${holder.createdAt}); ` +
            `wait for it to finish, or delete ${path} if that process is gone`,
        );
      }
      // Stale: its owner died without cleaning up. Remove and retry once.
      rmSync(path, { force: true });
    }
    throw new LockError(path, undefined, `could not acquire the lock ${path}: another process keeps taking it`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.path);
    const holder = readHolder(this.path);
    if (holder && holder.pid === process.pid) rmSync(this.path, { force: true });
  }
}

function readHolder(path: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockRecord>;
    if (typeof parsed.pid === "number" && typeof parsed.host === "string") {
      return { pid: parsed.pid, host: parsed.host, createdAt: String(parsed.createdAt ?? "unknown time") };
    }
  } catch {
    // unreadable: handled below as "no holder"
  }
  return undefined;
}

function isStale(holder: LockRecord, path: string): boolean {
  if (holder.host !== hostname()) {
    // Another machine (shared filesystem): we cannot probe its processes; trust the lock for a day.
    return Date.now() - statSync(path).mtimeMs > 24 * 3600 * 1000;
  }
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const path of held) {
      const holder = readHolder(path);
      if (holder && holder.pid === process.pid) rmSync(path, { force: true });
    }
  });
}
