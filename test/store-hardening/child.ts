import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHILD = join(__dirname, "fixtures", "store-child.ts");

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Where sandboxes go: tmpfs when there is one. A SIGKILL leaves the page cache intact, so the
 * fsyncs are not what these tests exercise, and on a busy disk they would be most of their time.
 */
const SCRATCH = (() => {
  try {
    return mkdtempSync(join("/dev/shm", "memp-hard-"));
  } catch {
    return tmpdir();
  }
})();

/** A fresh folder in this test file's scratch space. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(SCRATCH, prefix));
}

/** Removes this test file's sandboxes (call in afterAll). */
export function removeScratch(): void {
  if (SCRATCH !== tmpdir()) rmSync(SCRATCH, { recursive: true, force: true });
}

let command: Promise<string[]> | undefined;

/**
 * The child bundled into one file (with esbuild, which tsx brings): it starts in 0.1 s instead of
 * tsx's 0.4 s, which is what lets the suite run a child per fault point. Falls back to tsx.
 */
function childCommand(): Promise<string[]> {
  command ??= (async () => {
    try {
      const esbuild = (await import("esbuild" as string)) as { build(options: Record<string, unknown>): Promise<unknown> };
      const out = join(mkdtempSync(join(SCRATCH, "child-")), "store-child.mjs");
      await esbuild.build({ entryPoints: [CHILD], bundle: true, platform: "node", format: "esm", target: "node20", outfile: out, logLevel: "silent", external: ["faiss-node"] });
      return [out];
    } catch {
      return ["--import", "tsx", CHILD];
    }
  })();
  return command;
}

/** Runs fixtures/store-child.ts with `args` (see its header). */
export async function runStoreChild(args: string[]): Promise<ChildResult> {
  const cmd = await childCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `jobs` with at most `limit` in flight (child processes: the machines have two cores). */
export async function pool<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

/**
 * A temp folder holding the memory directory `mem` next to a sentinel file (and a file named
 * like a traversal target): whatever happens to the memory, these must not change.
 */
export function sandbox(prefix = "memp-hard-"): { base: string; dir: string; untouched: (planted?: string[]) => void } {
  const base = mkdtempSync(join(SCRATCH, prefix));
  const dir = join(base, "mem");
  writeFileSync(join(base, "sentinel.txt"), "do not touch\n");
  writeFileSync(join(base, "x"), "outside the memory\n");
  const listing = readdirSync(base).sort().join(",");
  return {
    base,
    dir,
    /** Throws unless everything next to the memory is as it was (plus files the test planted). */
    untouched: (planted: string[] = []) => {
      if (readFileSync(join(base, "sentinel.txt"), "utf8") !== "do not touch\n") throw new Error("the sentinel next to the memory changed");
      if (!existsSync(join(base, "x")) || readFileSync(join(base, "x"), "utf8") !== "outside the memory\n") throw new Error("a file outside the memory changed");
      const now = readdirSync(base).filter((n) => !planted.includes(n)).sort().join(",");
      if (now !== listing && now !== [...listing.split(","), "mem"].sort().join(",")) throw new Error(`files appeared or vanished next to the memory: ${now}`);
    },
  };
}
