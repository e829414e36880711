import { ConfigError, InputError, MempError, StateError } from "../../../core/errors.js";
import { scrub, type PostgresLocation } from "./location.js";

/** How long a connection attempt may take before the location is reported unreachable. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** How long one statement may run (server side) before it is cancelled. */
export const STATEMENT_TIMEOUT_MS = 60_000;
/**
 * The client-side backstop: a server that stopped answering (host gone, network cut) never
 * cancels anything, so the driver gives up a little after the server would have.
 */
export const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 5_000;

/** SQLSTATEs after which running the whole transaction again can succeed. */
const RETRYABLE = new Set(["40001", "40P01"]);

/** The SQLSTATE of an error or of one of its causes. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && RETRYABLE.has(state);
}

/** Errors that mean the connection is unusable, so the pool must not hand it out again. */
export function isConnectionLost(err: unknown): boolean {
  if (MempError.isInstance(err)) return isConnectionLost(err.cause);
  const code = systemCode(err);
  if (code) return true;
  const message = err instanceof Error ? err.message : "";
  return /Connection terminated|Query read timeout|not queryable|timeout exceeded when trying to connect|^timeout expired$/i.test(message) || sqlState(err)?.startsWith("08") === true || sqlState(err) === "57P01";
}

function systemCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  // Node's dual-stack connect reports an AggregateError whose own message is empty.
  const first = Array.isArray(e?.errors) ? (e.errors[0] as { code?: unknown } | undefined) : undefined;
  return typeof first?.code === "string" ? first.code : undefined;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the server reset the connection",
  EPIPE: "the connection was closed",
};

/** The details of a unique-key violation: `Key (tag)=(x) already exists.` */
function duplicateKey(detail: unknown): { column: string; value: string } | undefined {
  const m = typeof detail === "string" ? /^Key \(([^)]+)\)=\((.*)\) already exists\.?$/s.exec(detail) : undefined;
  return m ? { column: m[1]!, value: m[2]! } : undefined;
}

/**
 * One line naming the location (never its password) and what was expected, in the project's
 * error classes. Unknown database errors keep their SQLSTATE in the message and as the cause.
 */
export function translateError(err: unknown, loc: PostgresLocation): unknown {
  if (MempError.isInstance(err) || isRetryable(err)) return err;
  const at = loc.display;
  const raw = err instanceof Error ? err.message : String(err);
  const message = scrub(raw, loc).split("\n")[0]!;
  const state = sqlState(err);
  const net = systemCode(err);
  if (net) {
    const why = NETWORK[net] ?? net;
    return new InputError(`cannot reach the PostgreSQL server (${why}); expected one accepting connections at ${loc.host}`, { file: at, cause: err });
  }
  if (/timeout exceeded when trying to connect/i.test(raw)) {
    return new StateError(`${at}: no connection of the pool became free within ${CONNECT_TIMEOUT_MS / 1000} s; raise poolSize or keep transactions short`, { cause: err });
  }
  if (/connection timeout|^timeout expired$/i.test(raw)) {
    return new InputError(`the PostgreSQL server at ${loc.host} did not accept a connection within ${CONNECT_TIMEOUT_MS / 1000} s`, { file: at, cause: err });
  }
  if (/Query read timeout/i.test(raw)) {
    return new InputError(`the PostgreSQL server at ${loc.host} did not answer within ${QUERY_TIMEOUT_MS / 1000} s`, { file: at, cause: err });
  }
  if (/Connection terminated|not queryable/i.test(raw) || state === "57P01" || state === "57P02" || state === "57P03" || state?.startsWith("08")) {
    return new InputError(`the PostgreSQL server closed the connection (${message}); expected it to stay up`, { file: at, cause: err });
  }
  switch (state) {
    case "28P01":
    case "28000":
      return new ConfigError(`${at}: PostgreSQL refused user "${loc.user}" (${message}); expected credentials it accepts`, { cause: err });
    case "3D000":
      return new InputError(`database "${loc.database}" does not exist; create it (createdb ${loc.database}) or name an existing one`, { file: at, cause: err });
    case "42501":
      return new ConfigError(`${at}: user "${loc.user}" lacks a privilege memp needs (${message})`, { cause: err });
    case "53300":
      return new StateError(`${at}: the PostgreSQL server has no free connection slots (${message}); lower the pool size or raise max_connections`, { cause: err });
    case "57014":
      return new StateError(`${at}: a statement was cancelled after running ${STATEMENT_TIMEOUT_MS / 1000} s or more (${message})`, { cause: err });
    case "23505": {
      const key = duplicateKey((err as { detail?: unknown }).detail);
      if (key?.column === "id") return new InputError(`an entry with id ${key.value} already exists`, { file: at, field: "id", cause: err });
      if (key?.column === "tag") return new InputError(`update batch tag "${key.value}" was already applied`, { file: at, field: "tag", cause: err });
      break;
    }
    case "23514":
      return new InputError(`${message} (hit and success counts cannot go below zero)`, { file: at, field: "stats", cause: err });
    case "22P05":
    case "22021":
      return new InputError(`${message}; PostgreSQL cannot store a NUL character or invalid UTF-8 in text`, { file: at, cause: err });
  }
  return new MempError(`${at}: ${message}${state ? ` (SQLSTATE ${state})` : ""}`, { cause: err });
}
