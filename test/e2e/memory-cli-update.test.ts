import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entryId } from "../../memory/types.js";
import { runCli } from "../helpers/cli.js";
import { contentText, startMockOpenAI, type MockOpenAI } from "../helpers/openai-mock.js";
import { tempDir } from "../memory/helpers.js";

let mock: MockOpenAI;
let work: string;
let env: Record<string, string>;

const run = (task: string, success: boolean, retrieved: string[] = []) => JSON.stringify({ task, success, steps: [{ action: `do ${task}`, observation: "ok" }], retrieved });
const write = (name: string, lines: string[]) => {
  const p = join(work, name);
  writeFileSync(p, lines.join("\n") + "\n");
  return p;
};

beforeAll(async () => {
  mock = await startMockOpenAI({
    chat: (req) => {
      const prompt = req.messages.map((m) => contentText(m.content)).join("\n");
      return JSON.stringify({ analysis: "it never opened the fridge", procedure: ["open the fridge first", `then ${/The task it was shown for: (.*)/.exec(prompt)?.[1]}`], pitfalls: [] });
    },
  });
  work = tempDir("memp-update-cli-");
  env = { OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: "sk-test", MEMP_CACHE_DIR: join(work, "cache") };
});
afterAll(() => mock.close());

describe("memp memory update | history | restore | export | import", () => {
  it("runs the online cycle from RESULTS.jsonl files", async () => {
    const dir = join(work, "mem");
    const a = "cool some apple and put it in fridge", b = "cool a tomato and put it in countertop";
    const idA = entryId("trajectory", a);

    const r1 = await runCli(["memory", "update", "--memory-dir", dir, "--from", write("r1.jsonl", [run(a, true), run(b, false)]), "--policy", "validation", "--json"], env);
    expect(r1.stderr).toBe("");
    const rep1 = JSON.parse(r1.stdout);
    expect(rep1).toMatchObject({ policy: "validation", added: [idA], count: 1 });

    // Two failures shown entry A: adjustment rewrites it through the model, twice.
    const r2 = await runCli(["memory", "update", "--memory-dir", dir, "--from", write("r2.jsonl", [run("cool a cup", false, [idA]), run("cool a pan", false, [idA])]), "--policy", "adjustment", "--model", "mock-chat", "--min-hits", "5"], env);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toMatch(/^adjustment: 2 tasks; 1 entries booked, 0 added, 1 adjusted, 0 merged, 0 retired; the memory holds 1 entries/);

    const h = await runCli(["memory", "history", idA, "--memory-dir", dir, "--json"], env);
    const history = JSON.parse(h.stdout);
    expect(history.current).toMatchObject({ version: 3, stats: { hits: 2, successes: 0 }, script: "1. open the fridge first\n2. then cool a pan" });
    expect(history.events.map((e: { event: string; cause: { task: string } }) => [e.event, e.cause.task])).toEqual([["adjusted", "cool a cup"], ["adjusted", "cool a pan"]]);
    const text = await runCli(["memory", "history", idA, "--memory-dir", dir], env);
    expect(text.stdout).toContain('adjusted -> version 2 after failing "cool a cup"');
    expect(text.stdout).toContain("analysis: it never opened the fridge");

    // A third failure with the default rule (3 hits, < 0.5) retires it; restore brings it back.
    const r3 = await runCli(["memory", "update", "--memory-dir", dir, "--from", write("r3.jsonl", [run("cool a mug", false, [idA])]), "--policy", "vanilla"], env);
    expect(r3.stdout).toContain(`retired ${idA}: success rate 0/3 is below 0.5 after 3 hits`);
    const show = JSON.parse((await runCli(["memory", "show", "--memory-dir", dir, "--json"], env)).stdout);
    expect(show.entries.map((e: { id: string }) => e.id)).not.toContain(idA);
    const restore = await runCli(["memory", "restore", idA, "--memory-dir", dir], env);
    expect(restore.stdout).toBe(`restored ${idA} (${a}) as version 4\n`);
    const again = await runCli(["memory", "restore", idA, "--memory-dir", dir], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is live, not retired/);

    const log = readFileSync(join(dir, "updates.jsonl"), "utf8").trim().split("\n");
    expect(log).toHaveLength(3);
  });

  it("exports and imports across embedders, keeping provenance", async () => {
    const src = join(work, "src-mem");
    await runCli(["memory", "build", "--from", write("b.jsonl", [run("heat some egg", true), run("clean a plate", true)]), "--memory-dir", src, "--build", "trajectory"], env);
    const out = join(work, "export.jsonl");
    const exp = await runCli(["memory", "export", "--memory-dir", src, "--out", out], env);
    expect(exp.stdout).toBe(`exported 2 entries to ${out}\n`);
    const dst = join(work, "dst-mem");
    const imp = await runCli(["memory", "import", out, "--memory-dir", dst, "--embeddings", "openai:text-embedding-3-small"], env);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/^imported 2 entries \(0 already present\), re-embedded from local:hash-v1:d384:c3-5:idf-[0-9a-f]{8} to openai:text-embedding-3-small/);
    const a = JSON.parse((await runCli(["memory", "show", "--memory-dir", src, "--json"], env)).stdout);
    const b = JSON.parse((await runCli(["memory", "show", "--memory-dir", dst, "--json"], env)).stdout);
    expect(b.embedder).toBe("openai:text-embedding-3-small");
    expect(b.entries).toEqual(a.entries);
    const hits = JSON.parse((await runCli(["memory", "search", "heat an egg", "--memory-dir", dst, "--json", "--top-k", "1"], env)).stdout);
    expect(hits[0].task).toBe("heat some egg");

    writeFileSync(join(work, "bad-export.jsonl"), '{"format":"memp-export","version":1,"embedder":"x","count":2,"exportedAt":"t"}\n{"id":"x"}\n');
    const bad = await runCli(["memory", "import", join(work, "bad-export.jsonl"), "--memory-dir", join(work, "m9")], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/bad-export\.jsonl:2 field "schemaVersion"/);
  });
});
