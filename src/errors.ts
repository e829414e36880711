/**
 * Errors carry a stable `name`, the data a caller needs, and a static `isInstance` check that
 * works across module copies (it looks at a brand symbol, not at the prototype chain).
 */
const brand = Symbol.for("memp.error");

export class MempError extends Error {
  readonly [brand] = true;
  override readonly name: string = "MempError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  static isInstance(value: unknown): value is MempError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

/** Bad input from a user: a file, a line or field in it, and what was expected. CLI exit code 1. */
export class InputError extends MempError {
  override readonly name = "InputError";
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(message: string, where: { file?: string; line?: number; field?: string; cause?: unknown } = {}) {
    super(formatWhere(where) + message, { cause: where.cause });
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }

  static override isInstance(value: unknown): value is InputError {
    return MempError.isInstance(value) && value.name === "InputError";
  }
}

/** A file on disk that cannot be read back: truncated JSON, a line that is not an object, ... */
export class CorruptFileError extends MempError {
  override readonly name = "CorruptFileError";
  readonly file: string;
  readonly line?: number;

  constructor(file: string, detail: string, line?: number, cause?: unknown) {
    super(`${formatWhere({ file, line })}${detail}`, { cause });
    this.file = file;
    this.line = line;
  }

  static override isInstance(value: unknown): value is CorruptFileError {
    return MempError.isInstance(value) && value.name === "CorruptFileError";
  }
}

/** Another live process holds the write lock of a memory directory. */
export class LockError extends MempError {
  override readonly name = "LockError";
  readonly lockFile: string;
  readonly holderPid?: number;

  constructor(lockFile: string, holderPid: number | undefined, detail: string) {
    super(detail);
    this.lockFile = lockFile;
    this.holderPid = holderPid;
  }

  static override isInstance(value: unknown): value is LockError {
    return MempError.isInstance(value) && value.name === "LockError";
  }
}

/** A model answered with something that could not be used, after the allowed retries. */
export class ModelOutputError extends MempError {
  override readonly name = "ModelOutputError";
  readonly output: string;

  constructor(message: string, output: string, cause?: unknown) {
    super(message, { cause });
    this.output = output;
  }

  static override isInstance(value: unknown): value is ModelOutputError {
    return MempError.isInstance(value) && value.name === "ModelOutputError";
  }
}

/**
 * A model or embedding endpoint that kept failing (HTTP status, network error or no answer) until
 * the allowed attempts ran out. Names the endpoint by its base URL only: never a key or header.
 */
export class ModelEndpointError extends MempError {
  override readonly name = "ModelEndpointError";
  readonly baseURL: string;
  /** The last HTTP status, when the last attempt got one. */
  readonly status?: number;
  readonly attempts: number;

  constructor(baseURL: string, detail: string, where: { status?: number; attempts: number; cause?: unknown }) {
    super(`model endpoint ${baseURL} failed after ${where.attempts} attempt${where.attempts === 1 ? "" : "s"}: ${detail}`, { cause: where.cause });
    this.baseURL = baseURL;
    this.status = where.status;
    this.attempts = where.attempts;
  }

  static override isInstance(value: unknown): value is ModelEndpointError {
    return MempError.isInstance(value) && value.name === "ModelEndpointError";
  }
}

/** A configuration value (environment variable, option) that cannot be honoured. */
export class ConfigError extends MempError {
  override readonly name = "ConfigError";

  static override isInstance(value: unknown): value is ConfigError {
    return MempError.isInstance(value) && value.name === "ConfigError";
  }
}

function formatWhere(where: { file?: string; line?: number; field?: string }): string {
  let prefix = "";
  if (where.file) prefix += where.file;
  if (where.line !== undefined) prefix += `${prefix ? ":" : "line "}${where.line}`;
  if (where.field) prefix += `${prefix ? " " : ""}field "${where.field}"`;
  return prefix ? `${prefix}: ` : "";
}
