import cliProgress from "cli-progress";

export interface RunProgress {
  /** One more episode done. */
  tick(success: boolean | undefined, tokens: number): void;
  /** A transient status, e.g. a retry wait reported by the model transport. */
  status(text: string): void;
  stop(): void;
}

/** Episodes done, success so far, tokens and ETA on stderr (silent when stderr is not a terminal). */
export function createRunProgress(total: number, done: { episodes: number; successes: number; tokens: number }, enabled = process.stderr.isTTY === true): RunProgress {
  if (!enabled || total <= 0) return { tick() {}, status() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "episodes [{bar}] {value}/{total} | success {success} | tokens {tokens} | eta {eta_formatted} {status}",
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let successes = done.successes;
  let tokens = done.tokens;
  let finished = done.episodes;
  const payload = (status = "") => ({ success: finished === 0 ? "-" : `${((100 * successes) / finished).toFixed(1)}%`, tokens: tokens.toLocaleString("en-US"), status });
  bar.start(total, done.episodes, payload());
  return {
    tick(success, t) {
      if (success !== undefined) {
        finished++;
        if (success) successes++;
      }
      tokens += t;
      bar.increment(1, payload());
    },
    status(text) {
      bar.update(payload(text));
    },
    stop() {
      bar.stop();
    },
  };
}
