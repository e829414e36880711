import cliProgress from "cli-progress";

export interface Progress {
  increment(by?: number, label?: string): void;
  stop(): void;
}

/**
 * A progress bar on stderr, so stdout stays clean for --json output. Silent when stderr is not a
 * terminal (CI logs, pipes) or when `enabled` is false.
 */
export function createProgress(total: number, title: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled || total <= 0) return { increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${title} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted} | {label}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: "" });
  return {
    increment(by = 1, label = "") {
      bar.increment(by, { label });
    },
    stop() {
      bar.stop();
    },
  };
}
