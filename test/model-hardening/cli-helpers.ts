import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startScriptedServer, type ScriptedServer, type ScriptedServerOptions } from "../../testing/openai-server.js";
import type { CliResult } from "../helpers/cli.js";
import { tempDir } from "../memory/helpers.js";

const BIN = join(__dirname, "..", "..", "bin", "memp.js");

export const API_KEY = "sk-test-never-printed-42";

/**
 * The real `memp` in a child process, killed if it outlives `limitMs`: a CLI that hangs must fail
 * its test, not hold the run. `elapsedMs` is how long it took.
 */
export function runCliBounded(args: string[], env: Record<string, string>, limitMs = 90_000): Promise<CliResult & { elapsedMs: number; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "", killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, elapsedMs: Date.now() - started, killed });
    });
  });
}

export interface Scene {
  server: ScriptedServer;
  work: string;
  runs: string;
  env: Record<string, string>;
}

export const TASKS = ["put a clean mug in coffeemachine", "heat some egg and put it in garbagecan"];

/** A scripted server, a trajectory file of TASKS and the environment pointing the CLI at the server. */
export async function scene(options: ScriptedServerOptions): Promise<Scene> {
  const server = await startScriptedServer(options);
  const work = tempDir("memp-hardening-");
  const runs = join(work, "runs.jsonl");
  writeFileSync(
    runs,
    TASKS.map((task) => JSON.stringify({ task, env: "alfworld", success: true, steps: [{ action: "go to countertop 1", observation: "You see a mug 1." }] })).join("\n") + "\n",
  );
  return { server, work, runs, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: API_KEY, MEMP_CACHE_DIR: join(work, "cache") } };
}

/** A URL on which nothing listens: a port that was free a moment ago. */
export async function deadEndpoint(): Promise<string> {
  const s = await startScriptedServer();
  await s.close();
  return s.url;
}

/** What a stack trace looks like in stderr. */
export const STACK = /\n\s+at .+:\d+:\d+/;
