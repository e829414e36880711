/**
 * Embedding endpoint failures in `memory build` and `memory search`, chat failures in `search
 * --retrieve facts` and `memory update`: one line naming the endpoint, exit 1, never a stack.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EmbeddingsReply } from "../../testing/openai-server.js";
import { bagOfWordsVector } from "../../testing/openai-server.js";
import { entryId } from "../../memory/types.js";
import { API_KEY, runCliBounded, scene, STACK, type Scene } from "./cli-helpers.js";

const EMBEDDINGS = "openai:text-embedding-3-small";
const GARBAGE = { status: 200, body: '{"object": "list", "data": [{"embedding": [0.1, ', headers: { "content-type": "application/json" } };
let current: Scene | undefined;
afterEach(async () => {
  await current?.server.close();
  current = undefined;
});

type EmbeddingsMode = "ok" | "500" | "429" | "garbage";
/** Embeddings that answer the memory's dimension probe, then behave as `mode` says. */
const embeddingsBy = (mode: () => EmbeddingsMode) => (texts: string[]): EmbeddingsReply => {
  const m = texts.every((t) => t === "dimension probe") ? "ok" : mode();
  if (m === "500") return { status: 500 };
  if (m === "429") return { status: 429, headers: { "retry-after-ms": "20" } };
  if (m === "garbage") return GARBAGE as never;
  return texts.map((t) => bagOfWordsVector(t, 32));
};

function oneLineError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stderr).not.toContain(API_KEY);
  // Besides the build's notices of retries (status lines), the error is the one line.
  expect(r.stderr.trim().split("\n").filter((l) => !/^build \w+: model: /.test(l)), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
}

describe("embedding endpoint failures", { timeout: 180_000 }, () => {
  it("in build (the commit) and in search: 500, 429 for good, a body that is not JSON", async () => {
    let mode: EmbeddingsMode = "500";
    current = await scene({ embeddings: embeddingsBy(() => mode) });
    const url = current.server.url.replace(/[.]/g, "\\.");
    const dir = join(current.work, "mem");
    const buildArgs = ["memory", "build", "--from", current.runs, "--memory-dir", dir, "--build", "trajectory", "--embeddings", EMBEDDINGS];

    const failedBuild = await runCliBounded(buildArgs, current.env);
    oneLineError(failedBuild, new RegExp(`^(build trajectory: model: waiting .+ \\(500\\) before attempt 2/4\n)?memp: model endpoint ${url} failed after 4 attempts: 500 Internal Server Error \\(embeddings ${EMBEDDINGS}\\)\n$`));

    mode = "ok";
    const ok = await runCliBounded(buildArgs, current.env);
    expect(ok.code).toBe(0);

    const search = (query: string) => runCliBounded(["memory", "search", query, "--memory-dir", dir], current!.env);
    mode = "500";
    oneLineError(await search("heat an egg"), new RegExp(`^memp: model endpoint ${url} failed after 4 attempts: 500 Internal Server Error \\(embeddings ${EMBEDDINGS}\\)\n$`));
    mode = "429";
    oneLineError(await search("cool an egg"), new RegExp(`^memp: model endpoint ${url} failed after 4 attempts: 429 Too Many Requests \\(embeddings ${EMBEDDINGS}\\)\n$`));
    mode = "garbage";
    oneLineError(await search("clean an egg"), new RegExp(`^memp: model endpoint ${url} failed after 1 attempt: its answer is not valid JSON \\(.+\\) \\(embeddings ${EMBEDDINGS}\\)\n$`));
  });
});

describe("chat endpoint failures outside build", { timeout: 180_000 }, () => {
  it("search --retrieve facts: a hung model ends at --timeout, a garbage answer is named, prose facts are read", async () => {
    let chat: "hang" | "garbage" | "prose" = "hang";
    current = await scene({
      chat: () => (chat === "hang" ? { hang: true } : chat === "garbage" ? (GARBAGE as never) : "object: egg\ntarget: garbagecan"),
    });
    const url = current.server.url.replace(/[.]/g, "\\.");
    const dir = join(current.work, "mem");
    expect((await runCliBounded(["memory", "build", "--from", current.runs, "--memory-dir", dir, "--build", "trajectory"], current.env)).code).toBe(0);
    const search = () => runCliBounded(["memory", "search", "heat an egg", "--memory-dir", dir, "--retrieve", "facts", "--model", "m", "--timeout", "0.5", "--json"], current!.env);

    const hung = await search();
    oneLineError(hung, new RegExp(`^memp: model endpoint ${url} failed after 4 attempts: no response within 500 ms\n$`));
    expect(hung.elapsedMs).toBeLessThan(45_000);
    chat = "garbage";
    oneLineError(await search(), new RegExp(`^memp: model endpoint ${url} failed after 1 attempt: its answer is not valid JSON \\(.+\\)\n$`));
    chat = "prose";
    const found = await search();
    expect(found.code).toBe(0);
    expect((JSON.parse(found.stdout) as unknown[]).length).toBeGreaterThan(0);
  });

  it("update: prose rewrites are kept and reported; when every model call fails the update is rolled back, exit 1", async () => {
    let chat: "prose" | "429" = "429";
    current = await scene({ chat: () => (chat === "429" ? { status: 429, headers: { "retry-after-ms": "20" } } : "The agent never opened the fridge.\n\n1. Open the fridge.\n2. Take the egg.") });
    const dir = join(current.work, "mem");
    const write = (name: string, lines: object[]) => {
      const p = join(current!.work, name);
      writeFileSync(p, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
      return p;
    };
    const a = "cool some apple and put it in fridge";
    const idA = entryId("trajectory", a);
    const first = await runCliBounded(["memory", "update", "--memory-dir", dir, "--from", write("r1.jsonl", [{ task: a, success: true, steps: [{ action: "go to fridge 1", observation: "ok" }], retrieved: [] }]), "--policy", "validation"], current.env);
    expect(first.code).toBe(0);
    const failed = write("r2.jsonl", [
      { task: "cool a cup", success: false, steps: [{ action: "go to sink 1", observation: "Nothing happens." }], retrieved: [idA] },
      { task: "cool a pan", success: false, steps: [{ action: "go to sink 1", observation: "Nothing happens." }], retrieved: [idA] },
    ]);
    const entriesBefore = readFileSync(join(dir, "entries.jsonl"), "utf8");

    const down = await runCliBounded(["memory", "update", "--memory-dir", dir, "--from", failed, "--policy", "adjustment", "--model", "m", "--json"], current.env);
    expect(down.code).toBe(1);
    expect(down.stderr).not.toMatch(STACK);
    const report = JSON.parse(down.stdout) as { applied: boolean; error: string; failed: Array<{ task: string; error: string }>; added: string[]; count: number };
    expect(report).toMatchObject({ applied: false, added: [], count: 1 });
    expect(report.failed.map((f) => f.error)).toEqual([
      `model endpoint ${current.server.url} failed after 4 attempts: 429 Too Many Requests`,
      `model endpoint ${current.server.url} failed after 4 attempts: 429 Too Many Requests`,
    ]);
    expect(down.stderr).toBe(`memp: ${report.error}\n`);
    expect(report.error).toBe("nothing was rewritten or built: all 2 model-backed steps failed; the update was rolled back and the memory is unchanged");
    // Not even the hits were booked: the same batch can be applied again.
    expect(readFileSync(join(dir, "entries.jsonl"), "utf8")).toBe(entriesBefore);

    chat = "prose";
    const again = await runCliBounded(["memory", "update", "--memory-dir", dir, "--from", failed, "--policy", "adjustment", "--model", "m"], current.env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^adjustment: 2 tasks; 1 entries booked, 0 added, 1 adjusted, 0 merged, 0 retired;/);
    expect(again.stderr).toContain(`fell back (prose-script): cool a cup: the reply was not the JSON asked for (no JSON object or array found in the reply); its prose steps became the script\n`);
    const history = JSON.parse((await runCliBounded(["memory", "history", idA, "--memory-dir", dir, "--json"], current.env)).stdout);
    expect(history.current).toMatchObject({ version: 3, stats: { hits: 2, successes: 0 }, script: "1. Open the fridge.\n2. Take the egg." });
    expect(history.events[0].cause.analysis).toBe("The agent never opened the fridge.");
  });
});
