/**
 * Errors carry a stable `name`, the data a caller needs, and a static `isInstance` check that
 * works across module copies: each class declares its own `kind`, an instance records the kinds
 * of its class and every ancestor, and `X.isInstance(e)` asks whether `e` has X's kind. So
 * `InputError.isInstance` is true for an InputError and its subclasses only, never for a sibling,
 * whichever copy of this module made the error.
 */
const kinds = Symbol.for("memp.error.kinds");

/** Whether `value` is an error of the class whose kind is given (or of a subclass of it). */
export function hasKind(value: unknown, kind: string): boolean {
  const marks = typeof value === "object" && value !== null ? (value as { [kinds]?: unknown })[kinds] : undefined;
  return Array.isArray(marks) && marks.includes(kind);
}

export class MempError extends Error {
  /** This class's stable marker; every subclass declares its own, and its own `isInstance`. */
  static readonly kind: string = "memp.MempError";
  readonly [kinds]: readonly string[];
  override readonly name: string = "MempError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    const marks: string[] = [];
    for (let c: unknown = new.target; typeof c === "function" && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, "kind")) marks.push((c as unknown as { kind: string }).kind);
    }
    this[kinds] = marks;
  }

  // Each class spells its own check (rather than one inherited check reading `this`), so it also
  // works unbound, as in `errors.filter(InputError.isInstance)`.
  static isInstance(value: unknown): value is MempError {
    return hasKind(value, MempError.kind);
  }
}

/** Bad input from a user: a file, a line or field in it, and what was expected. CLI exit code 1. */
export class InputError extends MempError {
  static override readonly kind: string = "memp.InputError";

  static override isInstance(value: unknown): value is InputError {
    return hasKind(value, InputError.kind);
  }
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
}

/** A file on disk that cannot be read back: truncated JSON, a line that is not an object, ... */
export class CorruptFileError extends MempError {
  static override readonly kind: string = "memp.CorruptFileError";

  static override isInstance(value: unknown): value is CorruptFileError {
    return hasKind(value, CorruptFileError.kind);
  }
  override readonly name = "CorruptFileError";
  readonly file: string;
  readonly line?: number;

  constructor(file: string, detail: string, line?: number, cause?: unknown) {
    super(`${formatWhere({ file, line })}${detail}`, { cause });
    this.file = file;
    this.line = line;
  }
}

/** Another live process holds the write lock of a memory directory. */
export class LockError extends MempError {
  static override readonly kind: string = "memp.LockError";

  static override isInstance(value: unknown): value is LockError {
    return hasKind(value, LockError.kind);
  }
  override readonly name = "LockError";
  readonly lockFile: string;
  readonly holderPid?: number;

  constructor(lockFile: string, holderPid: number | undefined, detail: string) {
    super(detail);
    this.lockFile = lockFile;
    this.holderPid = holderPid;
  }
}

/** A model answered with something that could not be used, after the allowed retries. */
export class ModelOutputError extends MempError {
  static override readonly kind: string = "memp.ModelOutputError";

  static override isInstance(value: unknown): value is ModelOutputError {
    return hasKind(value, ModelOutputError.kind);
  }
  override readonly name = "ModelOutputError";
  readonly output: string;

  constructor(message: string, output: string, cause?: unknown) {
    super(message, { cause });
    this.output = output;
  }
}

/**
 * A model or embedding endpoint that kept failing (HTTP status, network error or no answer) until
 * the allowed attempts ran out. Names the endpoint by its base URL only: never a key or header.
 */
export class ModelEndpointError extends MempError {
  static override readonly kind: string = "memp.ModelEndpointError";

  static override isInstance(value: unknown): value is ModelEndpointError {
    return hasKind(value, ModelEndpointError.kind);
  }
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
}

/**
 * An operation the object cannot do in its current state: not bad input, and not a bug. The
 * memory was opened read-only, or closed; an episode is over, or was not started.
 */
export class StateError extends MempError {
  static override readonly kind: string = "memp.StateError";

  static override isInstance(value: unknown): value is StateError {
    return hasKind(value, StateError.kind);
  }
  override readonly name: string = "StateError";
}

/** A write to a memory opened read-only. */
export class ReadOnlyError extends StateError {
  static override readonly kind: string = "memp.ReadOnlyError";

  static override isInstance(value: unknown): value is ReadOnlyError {
    return hasKind(value, ReadOnlyError.kind);
  }
  override readonly name = "ReadOnlyError";
  constructor(
    readonly path: string,
    detail = "this memory was opened read-only",
  ) {
    super(`${path}: ${detail}`);
  }
}

/** Any use of a memory after `close()`. */
export class ClosedError extends StateError {
  static override readonly kind: string = "memp.ClosedError";

  static override isInstance(value: unknown): value is ClosedError {
    return hasKind(value, ClosedError.kind);
  }
  override readonly name = "ClosedError";
  constructor(
    readonly path: string,
    detail = "this memory has been closed",
  ) {
    super(`${path}: ${detail}`);
  }
}

/** A configuration value (environment variable, option) that cannot be honoured. */
export class ConfigError extends MempError {
  static override readonly kind: string = "memp.ConfigError";

  static override isInstance(value: unknown): value is ConfigError {
    return hasKind(value, ConfigError.kind);
  }
  override readonly name = "ConfigError";
}

function formatWhere(where: { file?: string; line?: number; field?: string }): string {
  let prefix = "";
  if (where.file) prefix += where.file;
  if (where.line !== undefined) prefix += `${prefix ? ":" : "line "}${where.line}`;
  if (where.field) prefix += `${prefix ? " " : ""}field "${where.field}"`;
  return prefix ? `${prefix}: ` : "";
}
