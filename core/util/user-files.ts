/**
 * Reading and writing the paths a user names (input files, `--out`, data folders). Node's fs
 * errors become one-line InputErrors naming the user's path, because a missing folder or a
 * read-only disk is the user's to fix, not a bug to report with a stack.
 */
import { isUtf8 } from "node:buffer";
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";
import { writeFileAtomic } from "./atomic.js";

/** The fs error codes a user can cause and fix; any other code stays an internal error. */
const USER_CODES = new Set(["ENOENT", "EACCES", "EPERM", "ENOTDIR", "EISDIR", "ELOOP", "ENOSPC", "EDQUOT", "EROFS", "ENAMETOOLONG", "ENOTEMPTY", "EEXIST"]);

export function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

/** True for an fs error a user can fix (a missing folder, permissions, a full disk...). */
export function isUserFsError(err: unknown): err is NodeJS.ErrnoException {
  return isFsError(err) && USER_CODES.has(err.code!);
}

function reason(code: string, path: string, doing: "read" | "write"): string {
  switch (code) {
    case "ENOENT":
      if (isDanglingLink(path)) return `is a symbolic link to ${readlinkSync(path)}, which does not exist`;
      if (doing === "read") return "no such file";
      return existsSync(dirname(path)) ? "the file cannot be created there" : `the folder ${dirname(path)} does not exist`;
    case "EACCES":
    case "EPERM":
      return `permission denied (cannot ${doing} it)`;
    case "ENOTDIR":
      return "a part of the path is not a folder";
    case "EISDIR":
    case "ENOTEMPTY":
    case "EEXIST":
      return doing === "read" ? "expected a file, got a directory" : "expected a file path, got a directory";
    case "ELOOP":
      return "too many levels of symbolic links (a link loop?)";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EROFS":
      return "the file system is read-only";
    case "ENAMETOOLONG":
      return "the path is too long";
    default:
      return code;
  }
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink() && !existsSync(path);
  } catch {
    return false;
  }
}

/**
 * The InputError for an fs error met on a user's `path` (`read` or `write`); any other error is
 * returned unchanged so that the caller rethrows it as the bug it is.
 */
export function userPathError(err: unknown, path: string, doing: "read" | "write", what?: string): unknown {
  if (!isUserFsError(err)) return err;
  const why = reason(err.code!, path, doing);
  return new InputError(what ? `cannot ${doing} the ${what}: ${why}` : why, { file: path, cause: err });
}

/** Runs `fn`, turning user-fixable fs errors into InputErrors naming `path`. */
export function withUserPath<T>(path: string, doing: "read" | "write", fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw userPathError(err, path, doing);
  }
}

/** The bytes of a user's file; `what` ("plans file") names it in the error. */
export function readUserFile(path: string, what?: string): Buffer {
  if (path === "") throw new InputError(`expected a path to the ${what ?? "file"}, got an empty string`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw userPathError(err, path, "read", what);
  }
}

/**
 * A user's text file, which must be UTF-8: a file in another encoding would otherwise be read
 * with U+FFFD in place of its accents and built into the memory that way without a word.
 */
export function readUserText(path: string, what?: string): string {
  const bytes = readUserFile(path, what);
  assertUtf8(bytes, path);
  const text = bytes.toString("utf8");
  // A byte-order mark (Windows editors write one) is part of the encoding, not of the first line.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Refuses bytes that are not valid UTF-8, naming the first line that is not. */
export function assertUtf8(bytes: Uint8Array, file: string): void {
  if (isUtf8(bytes)) return;
  let start = 0;
  for (let line = 1; ; line++) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    if (!isUtf8(bytes.subarray(start, end))) {
      throw new InputError("not valid UTF-8 text (save the file as UTF-8)", { file, line });
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  throw new InputError("not valid UTF-8 text (save the file as UTF-8)", { file });
}

const MEMORY_FORMAT = "memp-memory"; // the store's manifest format (memory/store/local.ts)

/** True when `dir` holds a memory: a store manifest or an entries file. */
export function isMemoryDir(dir: string): boolean {
  if (existsSync(join(dir, "entries.jsonl"))) return true;
  try {
    return (JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { format?: unknown }).format === MEMORY_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Checks an output file path before any work is done, and returns the path to write: a link's
 * target, so that writing keeps the link. Refuses an empty path, a directory, a missing or
 * non-folder parent, a dangling link, and a file inside a memory directory (the write would
 * replace, or sit among, the files the store owns).
 */
export function checkOutputFile(path: string, option = "--out"): string {
  if (path === "") throw new InputError(`${option} expects a file path, got an empty string`, { field: option });
  let target = path;
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw userPathError(err, path, "write");
  }
  if (stat?.isSymbolicLink()) {
    if (isDanglingLink(path)) throw new InputError(`is a symbolic link to ${readlinkSync(path)}, which does not exist`, { file: path });
    target = withUserPath(path, "write", () => realpathSync(path));
    stat = statSync(target);
  }
  if (stat?.isDirectory()) throw new InputError("expected a file path, got a directory", { file: path });
  const parent = dirname(resolve(target));
  let parentStat;
  try {
    parentStat = statSync(parent);
  } catch (err) {
    throw userPathError(err, path, "write");
  }
  if (!parentStat.isDirectory()) throw new InputError(`${parent} is not a folder`, { file: path });
  if (isMemoryDir(parent)) {
    throw new InputError(`${parent} is a memory directory: writing ${basename(target)} there would damage the memory; choose a path outside it`, { file: path });
  }
  return target;
}

/** Writes a user's output file atomically, after `checkOutputFile`; errors name the user's path. */
export function writeUserFile(path: string, data: string | Uint8Array, option = "--out"): void {
  const target = checkOutputFile(path, option);
  try {
    writeFileAtomic(target, data);
  } catch (err) {
    throw userPathError(err, path, "write");
  }
}
