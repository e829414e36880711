/**
 * `memp memory build` against a misbehaving model endpoint, end to end: the real CLI in a child
 * process, the scripted OpenAI-compatible server in this one.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ChatReply } from "../../testing/openai-server.js";
import { API_KEY, deadEndpoint, runCliBounded, scene, STACK, TASKS, type Scene } from "./cli-helpers.js";

const PROCEDURE = '{"procedure": ["go to where the object is", "take it"], "pitfalls": []}';
let current: Scene | undefined;
afterEach(async () => {
  await current?.server.close();
  current = undefined;
});

async function build(options: Parameters<typeof scene>[0], extra: string[] = [], url?: string) {
  current = await scene(options);
  const env = url ? { ...current.env, OPENAI_BASE_URL: url } : current.env;
  const r = await runCliBounded(["memory", "build", "--from", current.runs, "--memory-dir", join(current.work, "mem"), "--build", "script", "--model", "m", ...extra], env);
  expect(r.killed).toBe(false);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stdout + r.stderr).not.toContain(API_KEY);
  return r;
}

describe("memp memory build against a failing model endpoint", { timeout: 180_000 }, () => {
  it("a hung server: --timeout bounds every attempt, the build ends, the failures and the waits are reported, exit 1", async () => {
    const r = await build({ chat: () => ({ hang: true }) }, ["--timeout", "1"]);
    const url = current!.server.url;
    // 4 attempts of 1 s and their backoff, not 4 x 300 s.
    expect(r.elapsedMs).toBeLessThan(60_000);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^built 0, skipped 0 as duplicates, failed 2;/);
    expect(r.stderr).toMatch(/^build script: model: waiting \d+ ms \(no response within 1 s\) before attempt 2\/4$/m);
    for (const [i] of TASKS.entries()) {
      expect(r.stderr).toContain(`failed: ${current!.runs}:${i + 1}: model endpoint ${url} failed after 4 attempts: no response within 1 s\n`);
    }
    expect(r.stderr).toMatch(/memp: nothing was built: all 2 items failed\n$/);
  });

  it("a flapping server (500, 500, then an answer): built, with the retries shown", async () => {
    const answers = new Map<string, number>();
    const r = await build({
      chat: (req): ChatReply => {
        const task = JSON.stringify(req.messages).match(/Task: ([^\\]*)/)![1]!;
        const n = (answers.get(task) ?? 0) + 1;
        answers.set(task, n);
        return n <= 2 ? { status: 500 } : PROCEDURE;
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^built 2, skipped 0 as duplicates, failed 0;/);
    expect(r.stderr).toMatch(/^build script: model: waiting .+ \(500\) before attempt 2\/4$/m);
    expect(current!.server.chatRequests).toHaveLength(6);
  });

  it("429 for good: each item fails naming the endpoint, exit 1", async () => {
    const r = await build({ chat: () => ({ status: 429, headers: { "retry-after-ms": "50" } }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`model endpoint ${current!.server.url} failed after 4 attempts: 429 Too Many Requests`);
    expect(r.stderr).toMatch(/memp: nothing was built: all 2 items failed\n$/);
  });

  it("prose replies: the prose steps become the scripts, and the summary and --json say which entries fell back", async () => {
    const r = await build({ chat: () => "Sure! Do this:\n1. Go to the countertop.\n2. Take the mug.\n\nAvoid:\n- opening every cabinet" }, ["--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; built: number; fallbacks: Array<{ source: string; kind: string }>; count: number };
    expect(out).toMatchObject({ ok: true, built: 2, count: 2, failed: [] });
    expect(out.fallbacks.map((f) => [f.source, f.kind])).toEqual([
      [`${current!.runs}:1`, "prose-script"],
      [`${current!.runs}:2`, "prose-script"],
    ]);
    // JSON asked, prose answered, JSON asked again with the error shown, prose again.
    expect(current!.server.chatRequests).toHaveLength(4);

    const text = await runCliBounded(["memory", "search", "put a mug in the coffeemachine", "--memory-dir", join(current!.work, "mem"), "--top-k", "1"], current!.env);
    expect(text.stdout).toContain("1. Go to the countertop.\n     2. Take the mug.\n     - Avoid: opening every cabinet");
  });

  it("prose replies, as text: the summary counts the fallbacks and names them on stderr", async () => {
    const r = await build({ chat: () => "1. Go to the countertop.\n2. Take the mug." });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^built 2 \(2 by a fallback\), skipped 0 as duplicates, failed 0;/);
    expect(r.stderr).toContain(`fell back (prose-script): ${current!.runs}:1: the reply was not the JSON asked for (no JSON object or array found in the reply); its prose steps became the script\n`);
  });

  it("a dead port: named, exit 1, and --max-failures stops the build early", async () => {
    const dead = await deadEndpoint();
    const r = await build({}, ["--concurrency", "1", "--max-failures", "1"], dead);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^built 0, skipped 0 as duplicates, failed 1;/);
    expect(r.stderr).toContain(`failed: ${current!.runs}:1: model endpoint ${dead} failed after 4 attempts: connection refused (ECONNREFUSED)\n`);
    expect(r.stderr).toMatch(/memp: nothing was built: gave up after 1 failure \(the limit is 1\); 1 not tried\n$/);
  });

  it("garbage JSON from the endpoint: the error names the endpoint, not just the parser's complaint", async () => {
    const r = await build({ chat: () => ({ status: 200, body: '{"id": "c1", "choices": [{"message": {"content": "a reply cut sho', headers: { "content-type": "application/json" } }) }, [
      "--json",
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; failed: Array<{ error: string }> };
    expect(out.ok).toBe(false);
    expect(out.failed[0]!.error).toMatch(new RegExp(`^model endpoint ${current!.server.url} failed after 1 attempt: its answer is not valid JSON \\(Unterminated string in JSON at position \\d+\\)$`));
  });

  it("garbage JSON from the model: reported as an unusable reply, not taken for prose", async () => {
    const r = await build({ chat: () => '{"procedure": ["go to the countertop", "take the' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the model's reply could not be used: invalid JSON: Unterminated string in JSON at position");
  });
});
