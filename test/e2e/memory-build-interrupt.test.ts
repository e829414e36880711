/**
 * `memp memory build`: the default build follows --model, and Ctrl-C keeps the entries already
 * built and says how to resume (a rerun skips them).
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedServer, type ScriptedServer } from "../../testing/openai-server.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../memory/helpers.js";

const runs = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ task: `put a clean mug ${i} in coffeemachine`, success: true, steps: [{ action: "go to sinkbasin 1", observation: "ok" }] })).join("\n") + "\n";

describe("memp memory build", () => {
  let server: ScriptedServer;
  let work: string;
  beforeAll(async () => {
    server = await startScriptedServer({ chat: () => JSON.stringify({ procedure: ["go to the sink", "clean the mug", "put it in the coffee machine"], pitfalls: [] }), delayMs: 250 });
    work = tempDir("memp-build-");
  });
  afterAll(() => server?.close());

  it("keeps the runs as trajectories when no model is given, and distils with one", async () => {
    const from = join(work, "runs.jsonl");
    writeFileSync(from, runs(2));
    const plain = await runCli(["memory", "build", "--from", from, "--memory-dir", join(work, "plain"), "--json"]);
    expect(plain.code, plain.stderr).toBe(0);
    const kinds = readFileSync(join(work, "plain", "entries.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l).kind);
    expect(kinds).toEqual(["trajectory", "trajectory"]);
    const distilled = await runCli(["memory", "build", "--from", from, "--memory-dir", join(work, "distilled"), "--model", "m", "--json"], { OPENAI_BASE_URL: server.url });
    expect(distilled.code, distilled.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(work, "distilled", "entries.jsonl"), "utf8").split("\n")[0]!).kind).toBe("proceduralization");
  });

  it("Ctrl-C keeps what was built and a rerun builds only the rest", async () => {
    const from = join(work, "many.jsonl");
    writeFileSync(from, runs(12));
    const dir = join(work, "interrupted");
    const args = ["memory", "build", "--from", from, "--memory-dir", dir, "--build", "script", "--model", "m", "--concurrency", "2"];
    const child = spawn(process.execPath, [join(__dirname, "..", "..", "bin", "memp.js"), ...args], { env: { ...process.env, OPENAI_BASE_URL: server.url }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const started = server.chatRequests.length;
    while (server.chatRequests.length < started + 5) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(130);
    const kept = Number(/the memory holds (\d+) entries/.exec(stderr)?.[1]);
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThan(12);
    expect(stderr).toMatch(/run the same command again to build the rest/);
    const again = await runCli([...args, "--json"], { OPENAI_BASE_URL: server.url });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ built: 12 - kept, skipped: kept, count: 12 });
  });
});
