/**
 * The examples in examples/ run as a user would run them (`npx tsx examples/NAME.ts`: here
 * `node --import tsx`), exit 0 and print their key line. They import the package by its own name,
 * which resolves through package.json "exports" to dist/, so they need `npm run build` (npm ci
 * runs it through `prepare`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataDir } from "./helpers/data.js";

const ROOT = join(__dirname, "..");
const built = existsSync(join(ROOT, "dist", "src", "index.js"));
const alfworld = dataDir("ALFWORLD_DATA");

function runExample(name: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("examples", `${name}.ts`)], {
      cwd: ROOT,
      env: { ...process.env, OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!built)("examples/ (run as child processes)", () => {
  it("procedural-memory.ts: ProceduralMemory in an AgentExecutor records and commits the run", async () => {
    const r = await runExample("procedural-memory");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("answer: the mug is in the cabinet");
    expect(r.stdout).toMatch(/recorded: env_step\[take mug 1 from countertop 1\] -> env_step\[move mug 1 to cabinet 1\]/);
    expect(r.stdout).toContain("memory size: 2");
  });

  it("retriever.ts: ProceduralMemoryRetriever fills an LCEL chain's prompt (hand-written runs without data)", async () => {
    const r = await runExample("retriever", { ALFWORLD_DATA: join(ROOT, "no-such-alfworld-data") });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("memory: 2 entries");
    expect(r.stdout).toContain("the prompt held the guidelines: true");
  });

  it.skipIf(!alfworld)("retriever.ts: with ALFWorld data, the memory holds the expert's runs", async () => {
    const r = await runExample("retriever", { ALFWORLD_DATA: alfworld! });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/memory: \d+ entries/);
    expect(r.stdout).toMatch(/^retrieved: traj-/m);
    expect(r.stdout).toContain("the prompt held the guidelines: true");
  });

  it("middleware.ts: createAgent + proceduralMemoryMiddleware shows the guidelines and commits the run", async () => {
    const r = await runExample("middleware");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("answer: Done: mug heated.");
    expect(r.stdout).toContain("system message carries the guidelines: true");
    expect(r.stdout).toContain("memory size after the run: 2");
  });

  it.skipIf(!alfworld)("runner.ts: runExperiment with the replay agent on 3 ALFWorld games", async () => {
    const r = await runExample("runner", { ALFWORLD_DATA: alfworld! });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^3\/3 episodes finished: success \d+\.\d%/m);
    expect(r.stdout).toContain("| #1 | alfworld | replay | dev | example | offline |");
  });
});
