import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { env } from "../../core/config.js";
import { InputError, MempError, hasKind } from "../../core/errors.js";

/** Exit codes of the `memp` contract. */
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C, with what finished kept (the shell's 128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Thrown by command actions for a usage mistake that commander cannot see (e.g. a bad choice). */
export class UsageError extends MempError {
  static override readonly kind: string = "memp.UsageError";

  static override isInstance(value: unknown): value is UsageError {
    return hasKind(value, UsageError.kind);
  }

  override readonly name = "UsageError";
}

/**
 * Ends a command with a given exit code after it has said what happened (e.g. 130 after Ctrl-C,
 * 1 when nothing succeeded); nothing more is printed.
 */
export class ExitStatus extends Error {
  override readonly name = "ExitStatus";
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * Ctrl-C once aborts `controller` (the command keeps what finished and says how to resume);
 * twice exits at once. Returns the function that stops listening.
 */
export function abortOnInterrupt(controller: AbortController, notice?: string): () => void {
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    if (notice) process.stderr.write(notice);
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  return () => process.off("SIGINT", onSigint);
}

/**
 * Parses and runs a commander program, mapping failures to the CLI's exit codes: commander's own
 * parse errors and UsageError exit 2; MempErrors (bad input, corrupt files, locks) exit 1 with one
 * line on stderr; anything else is a bug and prints its stack.
 */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  program.exitOverride();
  for (const cmd of allCommands(program)) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof ExitStatus) return err.code;
    if (err instanceof UsageError) {
      process.stderr.write(`memp: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (MempError.isInstance(err)) {
      process.stderr.write(`memp: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    // Anything that reaches here is a bug in memp, not a mistake of the user's: ask for a report.
    process.stderr.write(
      `memp: internal error (please report it with the command you ran): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT_BAD_INPUT;
  }
}

function* allCommands(cmd: Command): Generator<Command> {
  for (const sub of cmd.commands) {
    yield sub;
    yield* allCommands(sub);
  }
}

/** Option parsers: commander reports an InvalidArgumentError as a usage error (exit 2). */
export function positiveInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} expects a positive integer, got "${raw}"`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} expects a non-negative integer, got "${raw}"`);
    return n;
  };
}

export function nonNegativeNumber(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} expects a non-negative number, got "${raw}"`);
    return n;
  };
}

/**
 * A path option that must not be empty: `--memory-dir ""` (an unset shell variable) would
 * otherwise mean the current directory, and a memory would be built or read there by accident.
 */
export function nonEmptyPath(name: string) {
  return (raw: string): string => {
    if (raw.trim() === "") throw new InvalidArgumentError(`${name} expects a path, got an empty string`);
    return raw;
  };
}

/** The memory a command works on: `--memory`, its older spelling `--memory-dir`, or MEMP_MEMORY_URL. */
export interface MemoryLocationOptions {
  memory?: string;
  memoryDir?: string;
}

export function memoryOption(what: string): Option {
  return new Option("--memory <location>", `${what}: a folder, or postgres://USER@HOST/DB[?schema=NAME] (default: $MEMP_MEMORY_URL)`).argParser(nonEmptyPath("--memory"));
}

export function memoryDirOption(): Option {
  return new Option("--memory-dir <dir>", "the same as --memory (a folder)").argParser(nonEmptyPath("--memory-dir"));
}

export function memoryLocation(opts: MemoryLocationOptions): string;
export function memoryLocation(opts: MemoryLocationOptions, required: false): string | undefined;
export function memoryLocation(opts: MemoryLocationOptions, required = true): string | undefined {
  if (opts.memory !== undefined && opts.memoryDir !== undefined && opts.memory !== opts.memoryDir) {
    throw new InputError("--memory and --memory-dir name two memories; pass one", { field: "--memory" });
  }
  const location = opts.memory ?? opts.memoryDir ?? (env("MEMP_MEMORY_URL") || undefined);
  if (location === undefined && required) {
    throw new InputError("no memory given: pass --memory (a folder or a postgres:// URL) or set MEMP_MEMORY_URL", { field: "--memory" });
  }
  return location;
}

/** A policy name, checked by the policy registry (the one place names are validated). */
export function policyName<T extends string>(flag: string, lookup: (name: string) => { name: string }) {
  return (raw: string): T => {
    try {
      return lookup(raw).name as T;
    } catch (err) {
      throw new InvalidArgumentError(`${flag}: ${(err as Error).message}`);
    }
  };
}

export function oneOf<T extends string>(name: string, choices: readonly T[]) {
  return (raw: string): T => {
    if (!(choices as readonly string[]).includes(raw)) throw new InvalidArgumentError(`${name} must be one of ${choices.join(", ")}; got "${raw}"`);
    return raw as T;
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
