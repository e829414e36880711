import { createHash, randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, linkSync, openSync, readdirSync, readSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { LockError } from "../../core/errors.js";
import { LOCK_FILE } from "./files.js";
import { processAlive } from "../../core/util/process.js";

export { LOCK_FILE } from "./files.js";

interface LockRecord {
  pid: number;
  host: string;
  createdAt: string;
  /** Unique per acquisition: a new process that happens to get the same pid is not the owner. */
  token?: string;
}

/** A lock file as read through one file descriptor: its bytes and which inode they came from. */
interface Seen {
  raw: string;
  dev: number;
  ino: number;
  mtimeMs: number;
  record?: LockRecord;
}

/** How long a writer waits for another process that is busy taking over a stale lock. */
const TAKEOVER_WAIT_MS = 5000;
/** An unreadable lock younger than this may be one an older memp is still writing. */
const UNREADABLE_GRACE_MS = 10_000;
const BREAK_PREFIX = `${LOCK_FILE}.break-`;

export type LockStep = "holder-read" | "marker-created";
let stepHook: ((step: LockStep, path: string) => void) | undefined;

/** Test hook: called between the steps of a stale-lock takeover (to widen race windows). */
export function setLockStepHookForTesting(hook: typeof stepHook): void {
  stepHook = hook;
}

const held = new Map<string, string>();
let exitHookInstalled = false;

/**
 * An exclusive write lock on a memory directory: a lock file holding the owner's pid, host and a
 * token, created whole (written aside, then hard-linked into place, which fails if a lock exists).
 * A lock whose owner is gone is stale and is taken over; a live owner gets a LockError naming it.
 *
 * Taking over is atomic: removing the stale lock needs the marker file `.memp.lock.break-<digest>`
 * (created exclusively), where the digest names the exact lock file that was judged stale (its
 * inode and bytes). Of two processes racing for the same stale lock only one gets the marker; the
 * other finds the lock replaced and backs off, so a live lock is never removed. A marker left by a
 * process that died holding it is broken the same way.
 */
export class DirectoryLock {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  static acquire(dir: string): DirectoryLock {
    const path = join(dir, LOCK_FILE);
    const deadline = Date.now() + TAKEOVER_WAIT_MS;
    let busyWith: string | undefined;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const record = newRecord();
      if (createExclusive(path, record)) {
        held.set(path, record.token!);
        installExitHook();
        return new DirectoryLock(path, record.token!);
      }
      const seen = readLockFile(path);
      if (!seen) continue;
      stepHook?.("holder-read", path);
      const holder = seen.record;
      if (holder && held.has(path) && holder.token === held.get(path)) {
        throw new LockError(path, holder.pid, `memory directory ${dir} is already open for writing in this process`);
      }
      if (holder && !isStale(holder, seen, path)) {
        throw new LockError(
          path,
          holder.pid,
          `memory directory ${dir} is locked by process ${holder.pid} on ${holder.host} (since ${holder.createdAt}); ` +
            `wait for it to finish, or delete ${path} if that process is gone`,
        );
      }
      const outcome = holder || Date.now() - seen.mtimeMs > UNREADABLE_GRACE_MS ? breakStale(path, seen, 0) : "busy";
      if (outcome === "busy") {
        busyWith = holder ? "another process is taking over the stale lock" : "the lock file is unreadable and recent (another memp may be starting)";
        if (Date.now() > deadline) break;
        sleepSync(20);
      }
    }
    throw new LockError(path, undefined, `could not acquire the lock ${path}: ${busyWith ?? "another process keeps taking it"}; try again`);
  }

  /** Throws unless the lock file on disk is still this lock (e.g. someone deleted it by hand). */
  assertHeld(): void {
    const seen = readLockFile(this.path, true);
    if (this.released || seen?.record?.token !== this.token) {
      throw new LockError(this.path, seen?.record?.pid, `lost the write lock ${this.path} (it was removed or replaced by another process); nothing was written`);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (held.get(this.path) === this.token) held.delete(this.path);
    removeIfOurs(this.path, this.token);
  }
}

/** What a doctor reports about a directory's lock. */
export interface LockStatus {
  /** none: no lock; live: a running writer holds it; stale: its owner is gone; invalid: not a lock file. */
  state: "none" | "live" | "stale" | "invalid";
  pid?: number;
  host?: string;
  since?: string;
  detail?: string;
  /** Markers and temp files of takeovers or acquisitions whose process died. */
  leftovers: string[];
}

export function inspectLock(dir: string): LockStatus {
  const path = join(dir, LOCK_FILE);
  const leftovers = lockLeftovers(dir);
  let seen: Seen | undefined;
  try {
    seen = readLockFile(path);
  } catch (err) {
    return { state: "invalid", detail: (err as Error).message, leftovers };
  }
  if (!seen) return { state: "none", leftovers };
  const h = seen.record;
  if (!h) return { state: Date.now() - seen.mtimeMs > UNREADABLE_GRACE_MS ? "stale" : "live", detail: "unreadable lock file", leftovers };
  return { state: isStale(h, seen, path) ? "stale" : "live", pid: h.pid, host: h.host, since: h.createdAt, leftovers };
}

/** Leftover takeover markers and lock temp files whose owners are dead. */
function lockLeftovers(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => {
    if (!n.startsWith(BREAK_PREFIX) && !(n.startsWith(`${LOCK_FILE}.`) && n.endsWith(".tmp"))) return false;
    try {
      const seen = readLockFile(join(dir, n));
      return !!seen && (seen.record ? isStale(seen.record, seen, join(dir, n)) : Date.now() - seen.mtimeMs > UNREADABLE_GRACE_MS);
    } catch {
      return false;
    }
  });
}

/** Removes dead leftovers (call while holding the lock); returns their names. */
export function removeLockLeftovers(dir: string): string[] {
  const removed: string[] = [];
  for (const name of lockLeftovers(dir)) {
    const path = join(dir, name);
    const seen = readLockFile(path);
    if (!seen) continue;
    // A marker goes through the takeover protocol too: another process may be breaking it.
    if (name.startsWith(BREAK_PREFIX)) breakStale(path, seen, 1);
    else rmSync(path, { force: true });
    removed.push(name);
  }
  return removed;
}

function newRecord(): LockRecord {
  return { pid: process.pid, host: hostname(), createdAt: new Date().toISOString(), token: randomBytes(12).toString("hex") };
}

/**
 * Creates `path` holding `record` unless it exists. The bytes are written to a private temp file
 * first and then hard-linked into place, so no one ever reads a half-written lock.
 */
function createExclusive(path: string, record: LockRecord): boolean {
  const data = JSON.stringify(record);
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeNew(tmp, data);
  } catch (err) {
    throw lockIoError(path, "create the lock file", err);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw lockIoError(path, "create the lock file", err);
    // A filesystem without hard links: O_EXCL creation (a reader may see it briefly empty).
    try {
      writeNew(path, data);
      return true;
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw lockIoError(path, "create the lock file", err2);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

function writeNew(path: string, data: string): void {
  const fd = openSync(path, "wx", 0o644);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the stale lock file `path`, exactly as `seen`, if no other process is doing so. Returns
 * "busy" when a live process holds the takeover marker, "retry" otherwise (the caller tries again).
 */
function breakStale(path: string, seen: Seen, depth: number): "busy" | "retry" {
  const digest = createHash("sha256").update(`${basename(path)}\0${seen.dev}:${seen.ino}\0${seen.raw}`).digest("hex").slice(0, 20);
  const marker = join(dirname(path), BREAK_PREFIX + digest);
  if (!createExclusive(marker, newRecord())) {
    const m = readLockFile(marker);
    if (!m) return "retry";
    const dead = m.record ? isStale(m.record, m, marker) : Date.now() - m.mtimeMs > UNREADABLE_GRACE_MS;
    if (!dead || depth >= 2) return "busy";
    breakStale(marker, m, depth + 1);
    return "retry";
  }
  try {
    stepHook?.("marker-created", path);
    // Only the marker's holder may remove this exact file, and its owner is dead, so what we see
    // now cannot change before the unlink below.
    const now = readLockFile(path);
    if (now && now.dev === seen.dev && now.ino === seen.ino && now.raw === seen.raw) rmSync(path, { force: true });
  } finally {
    rmSync(marker, { force: true });
  }
  return "retry";
}

/** Reads a lock file through one descriptor (so bytes and inode agree); undefined if absent. */
function readLockFile(path: string, quiet = false): Seen | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (quiet) return undefined;
    if (code === "ELOOP") throw new LockError(path, undefined, `${path} is a symbolic link; expected memp's lock file (a small JSON file). Remove it if no memp process is using ${dirname(path)}`);
    throw lockIoError(path, "read the lock file", err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      if (quiet) return undefined;
      const what = st.isDirectory() ? "a directory" : "not a regular file";
      throw new LockError(path, undefined, `${path} is ${what}; expected memp's lock file (a small JSON file). Remove it if no memp process is using ${dirname(path)}`);
    }
    const buf = Buffer.alloc(Math.min(st.size, 64 * 1024));
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, n);
      if (r === 0) break;
      n += r;
    }
    const raw = buf.toString("utf8", 0, n);
    return { raw, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, record: parseRecord(raw) };
  } finally {
    closeSync(fd);
  }
}

function parseRecord(raw: string): LockRecord | undefined {
  try {
    const p = JSON.parse(raw) as Partial<LockRecord>;
    if (typeof p.pid === "number" && typeof p.host === "string") {
      return { pid: p.pid, host: p.host, createdAt: String(p.createdAt ?? "unknown time"), token: typeof p.token === "string" ? p.token : undefined };
    }
  } catch {
    // unreadable: the caller decides
  }
  return undefined;
}

function isStale(holder: LockRecord, seen: Seen, path: string): boolean {
  if (holder.host !== hostname()) {
    // Another machine (shared filesystem): we cannot probe its processes; trust the lock for a day.
    return Date.now() - seen.mtimeMs > 24 * 3600 * 1000;
  }
  // Our own pid but not our token: a previous process that had the same pid (common in containers).
  if (holder.pid === process.pid) return held.get(path) !== holder.token || holder.token === undefined;
  return !processAlive(holder.pid);
}

function removeIfOurs(path: string, token: string): void {
  try {
    if (readLockFile(path, true)?.record?.token === token) rmSync(path, { force: true });
  } catch {
    // best effort: a lock we cannot read is not ours to remove
  }
}

function lockIoError(path: string, what: string, err: unknown): LockError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === "EACCES" || e.code === "EPERM"
      ? "permission denied (the memory directory must be writable)"
      : e.code === "EROFS"
        ? "the filesystem is read-only"
        : e.code === "ENOENT" || e.code === "ENOTDIR"
          ? "the memory directory does not exist"
          : (e.message ?? String(err));
  return new LockError(path, undefined, `cannot ${what} ${path}: ${why}`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const [path, token] of held) removeIfOurs(path, token);
  });
}
