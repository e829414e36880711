import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { contentText, startMockOpenAI, type MockOpenAI } from "../helpers/openai-mock.js";
import { tempDir } from "../memory/helpers.js";

const API_KEY = "sk-test-do-not-leak-123";
let mock: MockOpenAI;
let work: string;
let env: Record<string, string>;

const TRAJECTORIES = [
  { task: "put a clean mug in coffeemachine", env: "alfworld", success: true, steps: [{ action: "go to countertop 1", observation: "You see a mug 1." }, { action: "take mug 1 from countertop 1", observation: "You pick up the mug 1." }] },
  { task: "heat some egg and put it in garbagecan", env: "alfworld", success: true, steps: [{ action: "go to fridge 1", observation: "The fridge 1 is closed." }] },
  { task: "examine the book with the desklamp", env: "alfworld", success: false, steps: [{ action: "go to desk 1", observation: "You see a book 1." }] },
];

beforeAll(async () => {
  mock = await startMockOpenAI({
    chat: (req) => {
      const prompt = req.messages.map((m) => contentText(m.content)).join("\n");
      const task = /Task: (.*)/.exec(prompt)?.[1] ?? "unknown";
      return `Here is the procedure:\n\`\`\`json\n{"procedure": ["locate what the task names: ${task}", "carry it to the target"], "pitfalls": []}\n\`\`\``;
    },
  });
  work = tempDir("memp-e2e-");
  writeFileSync(join(work, "runs.jsonl"), TRAJECTORIES.map((t) => JSON.stringify(t)).join("\n") + "\n");
  env = { OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: API_KEY, MEMP_CACHE_DIR: join(work, "cache") };
});

afterAll(async () => {
  await mock.close();
});

describe("memp memory CLI against an OpenAI-compatible server", () => {
  it("builds with a real ChatOpenAI and OpenAIEmbeddings (base64), searches and shows", async () => {
    const dir = join(work, "mem");
    const build = await runCli(
      ["memory", "build", "--from", join(work, "runs.jsonl"), "--memory-dir", dir, "--build", "script", "--model", "mock-chat", "--embeddings", "openai:text-embedding-3-small", "--concurrency", "2"],
      env,
    );
    expect(build.stderr).toBe("");
    expect(build.code).toBe(0);
    expect(build.stdout).toMatch(/^built 3, skipped 0 as duplicates, failed 0; the memory holds 3 entries/);
    expect(mock.chatRequests).toHaveLength(3);
    expect(mock.chatRequests[0]!.model).toBe("mock-chat");
    expect(mock.authorizations.every((a) => a === `Bearer ${API_KEY}`)).toBe(true);
    expect(mock.embeddedTexts).toContain("heat some egg and put it in garbagecan");

    const search = await runCli(["memory", "search", "heat an egg then put it in the garbagecan", "--memory-dir", dir, "--top-k", "2", "--json"], env);
    expect(search.code).toBe(0);
    const hits = JSON.parse(search.stdout) as Array<Record<string, unknown>>;
    expect(hits).toHaveLength(2);
    expect(Object.keys(hits[0]!).sort()).toEqual(["id", "kind", "score", "script", "stats", "task"]);
    expect(hits[0]).toMatchObject({
      task: "heat some egg and put it in garbagecan",
      kind: "script",
      script: "1. locate what the task names: heat some egg and put it in garbagecan\n2. carry it to the target",
      stats: { hits: 0, successes: 0 },
    });
    expect(hits[0]!.score as number).toBeGreaterThan(hits[1]!.score as number);
    const guidance = await runCli(["memory", "search", "heat an egg then put it in the garbagecan", "--memory-dir", dir, "--top-k", "2", "--guidelines"], env);
    expect(guidance.code, guidance.stderr).toBe(0);
    expect(guidance.stdout).toMatch(/^Here are some guidelines of how to solve the similar task:\n\[\n  \{\n    "task_name": "heat some egg and put it in garbagecan",\n    "guidelines": "1\. locate what the task names/);

    const show = await runCli(["memory", "show", "--memory-dir", dir, "--json"], env);
    const shown = JSON.parse(show.stdout) as { count: number; embedder: string; dimension: number; entries: Array<{ provenance: { model: string } }> };
    expect(shown).toMatchObject({ count: 3, embedder: "openai:text-embedding-3-small", dimension: 64 });
    expect(shown.entries.every((e) => e.provenance.model === "mock-chat")).toBe(true);

    // Nothing is embedded twice: a rebuild and a repeated search only hit the cache.
    const embeddedBefore = mock.embeddedTexts.length;
    const again = await runCli(["memory", "build", "--from", join(work, "runs.jsonl"), "--memory-dir", dir, "--build", "script", "--model", "mock-chat", "--embeddings", "openai:text-embedding-3-small"], env);
    expect(again.stdout).toMatch(/^built 0, skipped 3 as duplicates/);
    await runCli(["memory", "search", "heat an egg then put it in the garbagecan", "--memory-dir", dir, "--json"], env);
    expect(mock.embeddedTexts.length).toBe(embeddedBefore);

    // The API key reaches no file the memory or the cache wrote.
    for (const root of [dir, join(work, "cache")]) {
      for (const f of readdirSync(root, { recursive: true }) as string[]) {
        const p = join(root, f);
        if (statSync(p).isFile()) expect(readFileSync(p, "latin1")).not.toContain(API_KEY);
      }
    }
  });

  it("reports a bad input file in one line with exit code 1, and usage errors with 2", async () => {
    const bad = join(work, "bad.jsonl");
    writeFileSync(bad, '{"task": "ok", "steps": []}\n{"task": 3, "steps": []}\n');
    const r = await runCli(["memory", "build", "--from", bad, "--memory-dir", join(work, "m2"), "--build", "trajectory"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`memp: ${bad}:2 field "task": Expected string, received number\n`);
    const usage = await runCli(["memory", "search", "x", "--memory-dir", join(work, "m2"), "--top-k", "zero"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--top-k expects a positive integer");
    const missing = await runCli(["memory", "show", "--memory-dir", join(work, "nothing-here")], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no memory here/);
    const noModel = await runCli(["memory", "build", "--from", join(work, "runs.jsonl"), "--memory-dir", join(work, "m3"), "--build", "script"], env);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toMatch(/pass --model NAME/);
  });
});
