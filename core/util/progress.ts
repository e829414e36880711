import cliProgress from "cli-progress";
import type { ModelEndpointEvent } from "./resilient-fetch.js";

export interface Progress {
  increment(by?: number, label?: string): void;
  /** A passing condition (a retry wait, a call that is taking long), shown without advancing. */
  status(text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  /**
   * Without a bar (stderr is not a terminal), write status texts as lines on stderr, at most one
   * per `statusIntervalMs`: a CI log then still shows why a run is not moving.
   */
  statusLines?: boolean;
  /** Default 5 s. */
  statusIntervalMs?: number;
  /** Default process.stderr. */
  stream?: NodeJS.WritableStream;
}

/** How long a status stays in the bar's label before finished items take it back. */
const STATUS_HOLD_MS = 5000;

/**
 * A progress bar on stderr, so stdout stays clean for --json output. Silent when stderr is not a
 * terminal (CI logs, pipes) or when `enabled` is false, except for status lines if asked for.
 */
export function createProgress(total: number, title: string, enabled = process.stderr.isTTY === true, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!enabled || total <= 0) {
    if (!options.statusLines) return { increment() {}, status() {}, stop() {} };
    const interval = options.statusIntervalMs ?? 5000;
    let last = -Infinity;
    return {
      increment() {},
      status(text) {
        const now = Date.now();
        if (now - last < interval) return;
        last = now;
        stream.write(`${title}: ${text}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${title} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted} | {label}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: "" });
  let holdUntil = 0;
  return {
    increment(by = 1, label = "") {
      // A retry or stall notice would otherwise vanish at the next finished item, unread.
      if (Date.now() < holdUntil) bar.increment(by);
      else bar.increment(by, { label });
    },
    status(text) {
      holdUntil = Date.now() + STATUS_HOLD_MS;
      bar.update({ label: text });
    },
    stop() {
      bar.stop();
    },
  };
}

/** A transport event as a progress status: "model: waiting 12 s (429) before attempt 2/4". */
export function modelEventText(event: ModelEndpointEvent): string {
  if (event.kind === "retry") return `model: ${event.message} before attempt ${event.attempt + 1}/${event.maxAttempts}`;
  return `model: ${event.message}`;
}
