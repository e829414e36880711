import type { Command } from "commander";
import { Command as Program } from "commander";
import { vi } from "vitest";
import { runProgram } from "../../src/cli/run.js";

/** Runs a `memp` command group in this process, capturing what it writes and its exit code. */
export async function runInProcess(register: (program: Command) => void, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "", stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const program = new Program("memp");
    register(program);
    const code = await runProgram(program, args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
