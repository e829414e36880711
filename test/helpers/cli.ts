import { spawn } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = join(__dirname, "..", "..", "bin", "memp.js");

/**
 * Runs the real `memp` executable in a child process. `asUnprivileged` runs it as the `nobody`
 * user when the tests run as root, so that permission checks (which root bypasses) are exercised
 * rather than skipped; the paths it touches must be readable by that user.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, options: { asUnprivileged?: boolean } = {}): Promise<CliResult> {
  const drop = options.asUnprivileged && process.getuid?.() === 0;
  const [command, argv] = drop ? ["setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
