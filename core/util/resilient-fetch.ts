/**
 * The transport every model and embedding call goes through: a `fetch` that retries what is worth
 * retrying (honouring Retry-After), bounds each attempt in time, caps the request rate, reports
 * what it is waiting for, and fails with an error that names the endpoint.
 *
 * Retries live here, not in LangChain's AsyncCaller or the openai SDK, because both of those
 * either ignore Retry-After or cap it, and neither bounds an attempt that never answers separately
 * from the whole call. The clients are therefore built with `maxRetries: 0`.
 */
import { STATUS_CODES } from "node:http";
import pThrottle from "p-throttle";
import { env } from "../config.js";
import { ConfigError, ModelEndpointError } from "../errors.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Something a progress display can show: "waiting 12 s (429 Too Many Requests)". */
export interface ModelEndpointEvent {
  /**
   * `retry`: an attempt failed and the next one starts after `waitMs`; `throttle`: the request
   * waits about `waitMs` for the rate cap; `stall`: a streamed answer stopped sending data.
   */
  kind: "retry" | "throttle" | "stall";
  /** The endpoint's base URL (no credentials, no query). */
  endpoint: string;
  /** The attempt that failed (`retry`), is about to start (`throttle`) or stalled (`stall`). */
  attempt: number;
  maxAttempts: number;
  waitMs: number;
  /** The HTTP status that caused a retry, if there was one. */
  status?: number;
  /** Why: "429 Too Many Requests", "connection refused (ECONNREFUSED)", "no response within 120 s"... */
  reason: string;
  /** One line for a person. */
  message: string;
}

export interface RateLimiter {
  readonly rpm: number;
  /** Resolves when the request may start; `onDelay` is told roughly how long it will wait. */
  acquire(signal?: AbortSignal, onDelay?: (waitMs: number) => void): Promise<void>;
}

export interface ResilientFetchOptions {
  /** How the endpoint is named in errors and events (default: the request URL without its query). */
  baseURL?: string;
  /** Per-attempt limit in ms: until the whole body for ordinary answers, between chunks for streams
   * (default $MEMP_MODEL_TIMEOUT seconds, else 120 s). */
  timeoutMs?: number;
  /** Attempts in total, the first included (default 4). */
  maxAttempts?: number;
  /** Backoff when the server gives no Retry-After: base * 2^(n-1), equal jitter, capped (1 s, 60 s). */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails at once (default 5 min). */
  maxRetryAfterMs?: number;
  /** Requests per minute, or a limiter shared with other fetches (see `sharedRateLimiter`). */
  rpm?: number | RateLimiter;
  onEvent?: (event: ModelEndpointEvent) => void;
  /** The fetch underneath (default the global one). */
  fetch?: FetchLike;
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 409, 429, 500, 502, 503, 504]);

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_ATTEMPTS = 4;

/** $MEMP_MODEL_TIMEOUT (seconds) in ms, else 120 s. */
export function defaultModelTimeoutMs(): number {
  const raw = env("MEMP_MODEL_TIMEOUT");
  if (raw === undefined) return DEFAULT_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`MEMP_MODEL_TIMEOUT must be a positive number of seconds, got "${raw}"`);
  }
  return seconds * 1000;
}

/** $MEMP_MODEL_RPM, if set: a process-wide request-rate cap for model endpoints. */
export function defaultModelRpm(): number | undefined {
  const raw = env("MEMP_MODEL_RPM");
  if (raw === undefined) return undefined;
  const rpm = Number(raw);
  if (!Number.isFinite(rpm) || rpm <= 0) throw new ConfigError(`MEMP_MODEL_RPM must be a positive number, got "${raw}"`);
  return rpm;
}

/**
 * A request-rate cap. Requests are spaced evenly (60 s / rpm apart) rather than allowed in bursts
 * of `rpm`: providers also enforce short windows, and a burst at the start of a run is exactly
 * what trips them.
 */
export function createRateLimiter(rpm: number): RateLimiter {
  if (!Number.isFinite(rpm) || rpm <= 0) throw new ConfigError(`rpm must be a positive number, got ${rpm}`);
  const interval = 60_000 / rpm;
  const throttled = pThrottle({
    limit: 1,
    interval,
    strict: true,
    onDelay: (notify: unknown) => (notify as (() => void) | undefined)?.(),
  })(async (_notify?: () => void) => {});
  return {
    rpm,
    async acquire(signal, onDelay) {
      signal?.throwIfAborted();
      // onDelay runs synchronously while the call is queued, so the queue length is this call's place.
      const slot = throttled(onDelay ? () => onDelay(Math.round(throttled.queueSize * interval)) : undefined);
      if (!signal) return slot;
      // The slot itself cannot be withdrawn from p-throttle; an aborted caller just stops waiting.
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        slot.then(
          () => {
            signal.removeEventListener("abort", onAbort);
            resolve();
          },
          (err: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(err);
          },
        );
      });
    },
  };
}

const sharedLimiters = new Map<string, RateLimiter>();

/** One limiter per key and rate for the whole process, so every model on an endpoint shares the cap. */
export function sharedRateLimiter(key: string, rpm: number): RateLimiter {
  const id = `${key}\n${rpm}`;
  let limiter = sharedLimiters.get(id);
  if (!limiter) sharedLimiters.set(id, (limiter = createRateLimiter(rpm)));
  return limiter;
}

/** A URL fit for messages and logs: no user, password, query (Azure puts `api-key` there) or fragment. */
export function endpointLabel(url: string | URL): string {
  try {
    const u = new URL(String(url));
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(unparseable URL)";
  }
}

interface Failure {
  detail: string;
  status?: number;
  cause?: unknown;
  retryable: boolean;
  retryAfterMs?: number;
}

type AttemptOutcome = { response: Response } | { failure: Failure };

/** A `fetch` with retries, per-attempt limits, a rate cap and endpoint-naming errors. */
export function createResilientFetch(options: ResilientFetchOptions = {}): FetchLike {
  const baseFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? defaultModelTimeoutMs();
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS));
  const backoffBaseMs = options.backoffBaseMs ?? 1000;
  const backoffCapMs = options.backoffCapMs ?? 60_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
  const limiter = typeof options.rpm === "number" ? createRateLimiter(options.rpm) : options.rpm;
  const onEvent = options.onEvent;
  const label = options.baseURL !== undefined ? endpointLabel(options.baseURL) : undefined;
  if (!(timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive, got ${timeoutMs}`);

  return async function resilientFetch(input, init = {}) {
    const endpoint = label ?? endpointLabel(input instanceof Request ? input.url : input);
    const callerSignal = init.signal ?? undefined;
    // A body that is a stream can be sent once only.
    const replayable = !(init.body instanceof ReadableStream) && !(input instanceof Request && input.body !== null);
    const allowed = replayable ? maxAttempts : 1;
    const emit = (event: Omit<ModelEndpointEvent, "endpoint" | "maxAttempts">) => {
      try {
        onEvent?.({ ...event, endpoint, maxAttempts: allowed });
      } catch {
        // A broken progress display must not fail the request.
      }
    };

    let attempt = 0;
    let failure: Failure;
    for (;;) {
      attempt++;
      callerSignal?.throwIfAborted();
      if (limiter) {
        const n = attempt;
        await limiter.acquire(callerSignal, (waitMs) =>
          emit({ kind: "throttle", attempt: n, waitMs, reason: `rate cap ${limiter.rpm}/min`, message: `waiting ${seconds(waitMs)} (rate cap ${limiter.rpm}/min)` }),
        );
      }
      const outcome = await runAttempt(input instanceof Request ? input.clone() : input, attempt);
      if ("response" in outcome) return outcome.response;
      failure = outcome.failure;
      if (!failure.retryable || attempt >= allowed) break;
      const waitMs = failure.retryAfterMs ?? backoff(attempt);
      if (waitMs > maxRetryAfterMs) {
        failure = { ...failure, detail: `${failure.detail} (the server asked to retry after ${seconds(waitMs)})` };
        break;
      }
      const why = failure.status !== undefined ? String(failure.status) : failure.detail;
      emit({ kind: "retry", attempt, waitMs, status: failure.status, reason: failure.detail, message: `waiting ${seconds(waitMs)} (${why})` });
      await sleep(waitMs, callerSignal);
    }
    throw new ModelEndpointError(endpoint, failure.detail, { status: failure.status, attempts: attempt, cause: failure.cause });

    async function runAttempt(request: string | URL | Request, n: number): Promise<AttemptOutcome> {
      const controller = new AbortController();
      const onCallerAbort = () => controller.abort(callerSignal!.reason);
      callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
      const unlink = () => callerSignal?.removeEventListener("abort", onCallerAbort);
      let expired = false;
      let streaming = false;
      const timer = setTimeout(() => {
        expired = true;
        controller.abort(new Error("attempt limit reached"));
      }, timeoutMs);
      try {
        const response = await baseFetch(request, { ...init, signal: controller.signal });
        if (response.ok && response.body && isEventStream(response)) {
          streaming = true;
          // The caller's abort must still reach the connection while the stream is read.
          return { response: watchStream(response, controller, unlink, n) };
        }
        // Reading the whole body inside the attempt makes a body that stalls a retryable failure.
        const body = await response.arrayBuffer();
        const copy = new Response(NULL_BODY_STATUSES.has(response.status) ? null : body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
        if (response.ok) return { response: copy };
        const shouldRetry = response.headers.get("x-should-retry");
        const retryable = shouldRetry === "true" || (shouldRetry !== "false" && RETRYABLE_STATUSES.has(response.status));
        // Other statuses (400, 401, 404...) go back to the client, which turns them into its typed errors.
        if (!retryable) return { response: copy };
        return {
          failure: {
            detail: statusDetail(response, body),
            status: response.status,
            retryable,
            retryAfterMs: retryAfterMs(response.headers),
          },
        };
      } catch (err) {
        if (callerSignal?.aborted) throw callerSignal.reason;
        if (expired) return { failure: { detail: `no response within ${seconds(timeoutMs)}`, retryable: true } };
        return { failure: { detail: describeNetworkError(err), cause: err, retryable: isRetryableNetworkError(err) } };
      } finally {
        clearTimeout(timer);
        // A stream unlinks when it ends; any other answer is complete here.
        if (!streaming) unlink();
      }
    }

    function watchStream(response: Response, controller: AbortController, unlink: () => void, n: number): Response {
      const reader = response.body!.getReader();
      let idle: NodeJS.Timeout | undefined;
      let stalled = false;
      const stream = new ReadableStream<Uint8Array>({
        async pull(out) {
          // Armed only while the stream wants data (its one-chunk queue has room), so a consumer that is
          // slow to read is not taken for a server that stalled.
          idle = setTimeout(() => {
            stalled = true;
            emit({ kind: "stall", attempt: n, waitMs: 0, reason: `no data for ${seconds(timeoutMs)}`, message: `the answer stream stalled (no data for ${seconds(timeoutMs)})` });
            controller.abort(new Error("stream stalled"));
          }, timeoutMs);
          try {
            const { done, value } = await reader.read();
            clearTimeout(idle);
            if (done) {
              unlink();
              out.close();
            } else {
              out.enqueue(value);
            }
          } catch (err) {
            clearTimeout(idle);
            unlink();
            if (stalled) {
              out.error(new ModelEndpointError(endpoint, `the answer stream stalled: no data for ${seconds(timeoutMs)}`, { status: response.status, attempts: n }));
            } else {
              out.error(callerSignal?.aborted ? callerSignal.reason : err);
            }
          }
        },
        cancel(reason) {
          clearTimeout(idle);
          unlink();
          return reader.cancel(reason);
        },
      });
      return new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
  };

  function backoff(attempt: number): number {
    const ceiling = Math.min(backoffCapMs, backoffBaseMs * 2 ** (attempt - 1));
    // Equal jitter: at least half the ceiling, so retries never pile up at zero.
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").toLowerCase().includes("text/event-stream");
}

/** `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers.get("retry-after");
  if (after === null || after.trim() === "") return undefined;
  const secondsValue = Number(after);
  if (Number.isFinite(secondsValue) && secondsValue >= 0) return secondsValue * 1000;
  const date = Date.parse(after);
  if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  return undefined;
}

function statusDetail(response: Response, body: ArrayBuffer): string {
  const text = response.statusText || STATUS_CODES[response.status] || "";
  const head = `${response.status}${text ? ` ${text}` : ""}`;
  const message = serverMessage(new TextDecoder().decode(body));
  return message && message !== text ? `${head}: ${message}` : head;
}

/** The `error.message` of an OpenAI-style error body, else the start of the text. */
function serverMessage(text: string): string {
  let message = text;
  try {
    const json = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const candidate = typeof json.error === "string" ? json.error : (json.error?.message ?? json.message);
    if (typeof candidate === "string") message = candidate;
  } catch {
    // Not JSON: an HTML error page from a proxy, plain text...
  }
  message = message.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

const NETWORK_CODES: Record<string, { text: string; retryable: boolean }> = {
  ECONNREFUSED: { text: "connection refused", retryable: true },
  ECONNRESET: { text: "connection reset", retryable: true },
  EPIPE: { text: "connection broken", retryable: true },
  ETIMEDOUT: { text: "could not connect in time", retryable: true },
  ENETUNREACH: { text: "network unreachable", retryable: true },
  EHOSTUNREACH: { text: "host unreachable", retryable: true },
  ENETDOWN: { text: "network down", retryable: true },
  EAI_AGAIN: { text: "name lookup failed temporarily", retryable: true },
  ENOTFOUND: { text: "host not found", retryable: false },
  UND_ERR_SOCKET: { text: "the server closed the connection", retryable: true },
  UND_ERR_CLOSED: { text: "the connection was closed", retryable: true },
  UND_ERR_CONNECT_TIMEOUT: { text: "could not connect in time", retryable: true },
  UND_ERR_HEADERS_TIMEOUT: { text: "no response headers in time", retryable: true },
  UND_ERR_BODY_TIMEOUT: { text: "the response body stopped", retryable: true },
};

/** undici reports "fetch failed" and puts the system error (code, address) in `cause`. */
function innermost(err: unknown): { code?: string; message: string } {
  let current: unknown = err;
  let found: { code?: string; message: string } = { message: String(err) };
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    const message = typeof e.message === "string" ? e.message : found.message;
    if (typeof e.code === "string") return { code: e.code, message };
    found = { message };
    current = e.cause;
  }
  return found;
}

function describeNetworkError(err: unknown): string {
  const { code, message } = innermost(err);
  const known = code ? NETWORK_CODES[code] : undefined;
  if (known) return `${known.text} (${code})`;
  return code ? `${message} (${code})` : message;
}

function isRetryableNetworkError(err: unknown): boolean {
  const { code, message } = innermost(err);
  if (code && NETWORK_CODES[code]) return NETWORK_CODES[code].retryable;
  return /socket hang up|other side closed|fetch failed|terminated|network|ECONN|EPIPE/i.test(message);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? Math.round(s * 10) / 10 : Math.round(s)} s`;
}

/**
 * The fields ChatOpenAI and OpenAIEmbeddings need so that every request goes through
 * `createResilientFetch`, and a failure reaches the caller as a `ModelEndpointError`.
 *
 * The openai SDK wraps whatever a fetch throws in an `APIConnectionError` ("Connection error.",
 * original in `cause`), and, when the thrown error's text matches /timed? ?out/, in an
 * `APIConnectionTimeoutError` that drops the cause altogether. So the fetch given to the SDK throws
 * a carrier whose text is fixed and neutral, and LangChain's `onFailedAttempt` hook (called on
 * every failure, even with `maxRetries: 0`) takes the `ModelEndpointError` back out of it.
 */
export function openAIClientFields(options: ResilientFetchOptions & { baseURL: string }): {
  maxRetries: number;
  timeout: number;
  onFailedAttempt: (error: unknown) => void;
  configuration: { baseURL: string; fetch: FetchLike };
} {
  const resilient = createResilientFetch(options);
  const endpoint = endpointLabel(options.baseURL);
  const sdkFetch: FetchLike = (input, init) =>
    resilient(input, init).catch((err: unknown) => {
      throw ModelEndpointError.isInstance(err) ? new EndpointFailureCarrier(err) : err;
    });
  return {
    maxRetries: 0,
    // The SDK's own timer would cut across our attempts and waits: set it as far out as timers go.
    timeout: MAX_TIMER_MS,
    onFailedAttempt: (error) => {
      const carried = findEndpointError(error);
      if (carried) throw carried;
      // A typed status error the SDK raised for a non-retryable answer (400, 401, 404...): say where it came from.
      if (isStatusError(error) && !error.message.includes(endpoint)) error.message = `${error.message} (model endpoint ${endpoint})`;
      throw error;
    },
    configuration: { baseURL: options.baseURL, fetch: sdkFetch },
  };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

class EndpointFailureCarrier extends Error {
  override readonly name = "EndpointFailureCarrier";
  constructor(readonly endpointError: ModelEndpointError) {
    super("model endpoint failure (see endpointError)");
  }
}

/** The `ModelEndpointError` in an error or its cause chain, carried or not. */
export function findEndpointError(error: unknown): ModelEndpointError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    if (ModelEndpointError.isInstance(current)) return current;
    const carried = (current as { endpointError?: unknown }).endpointError;
    if (ModelEndpointError.isInstance(carried)) return carried;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isStatusError(error: unknown): error is Error & { status: number } {
  return error instanceof Error && typeof (error as { status?: unknown }).status === "number";
}
