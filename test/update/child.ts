import { spawn } from "node:child_process";
import { join } from "node:path";

const CHILD = join(__dirname, "fixtures", "update-child.ts");

/**
 * Runs fixtures/update-child.ts: `[dir, batchFile, mode, at, tag?]`, optionally killed with
 * SIGKILL from outside after `killAfterMs`.
 */
export function runChild(args: string[], killAfterMs?: number): Promise<{ signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}
