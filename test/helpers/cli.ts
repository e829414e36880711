import { spawn } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = join(__dirname, "..", "..", "bin", "memp.js");

/** Runs the real `memp` executable in a child process. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
