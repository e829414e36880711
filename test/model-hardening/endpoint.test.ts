import { HumanMessage } from "@langchain/core/messages";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryBank } from "../../memory/bank.js";
import { buildMemory } from "../../memory/build/runner.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { ModelEndpointError } from "../../core/errors.js";
import { createChatModel, createEmbeddings } from "../../src/models.js";
import { startScriptedServer, type ChatReply, type ChatRequest, type ScriptedServer } from "../../testing/openai-server.js";
import { invokeForJson, namingEndpointErrors } from "../../core/util/model-json.js";
import { createProgress, modelEventText, type Progress } from "../../core/util/progress.js";
import { tempDir } from "../memory/helpers.js";

const PROCEDURE = '{"procedure": ["go to the countertop", "take the mug"], "pitfalls": []}';
const PROSE = "1. Go to the countertop.\n2. Take the mug.";
const GARBAGE_BODY: ChatReply = { status: 200, body: '{"id": "x", "object": "chat.completion", "choices": [{"message": {"content": "unterminated', headers: { "content-type": "application/json" } };
const jsonMode = (r: ChatRequest) => (r.response_format as { type?: string } | undefined)?.type === "json_object";

let server: ScriptedServer | undefined;
const saved = { base: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY, cache: process.env.MEMP_CACHE_DIR };
async function serve(options: Parameters<typeof startScriptedServer>[0]): Promise<ScriptedServer> {
  server = await startScriptedServer(options);
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-secret-test-key";
  process.env.MEMP_CACHE_DIR = tempDir("memp-cache-");
  return server;
}
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const [k, v] of [["OPENAI_BASE_URL", saved.base], ["OPENAI_API_KEY", saved.key], ["MEMP_CACHE_DIR", saved.cache]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const openBank = () => MemoryBank.open(tempDir(), { embeddings: { embeddings: new LocalHashEmbeddings(), id: "local" } });
const run = (task: string) => ({ trajectory: { task, steps: [{ action: "go to countertop 1", observation: "You see a mug 1." }] }, source: task });
const fast = { backoffBaseMs: 5 };

describe("structured output", () => {
  it("auto: asks an OpenAI-compatible endpoint for JSON mode, which a prose-prone model then honours", async () => {
    // The server stands for a small model: prose unless JSON mode is on.
    const s = await serve({ chat: (r) => (jsonMode(r) ? PROCEDURE : PROSE) });
    const bank = await openBank();
    const summary = await buildMemory(bank, [run("clean a mug")], { kind: "script", model: createChatModel("m", fast), progress: false });
    expect(summary).toMatchObject({ built: 1, fallbacks: [] });
    expect(s.chatRequests.map(jsonMode)).toEqual([true]);
    await bank.close();
  });

  it("auto: an endpoint that rejects response_format is asked again without it, once per model", async () => {
    const s = await serve({ chat: (r) => (r.response_format ? { status: 400, body: { error: { message: "response_format is not supported" } } } : PROCEDURE) });
    const bank = await openBank();
    const model = createChatModel("m", fast);
    const summary = await buildMemory(bank, [run("a"), run("b")], { kind: "script", model, concurrency: 1, progress: false });
    expect(summary).toMatchObject({ built: 2, failed: [] });
    expect(s.chatRequests.map(jsonMode)).toEqual([true, false, false]);
    await bank.close();
  });

  it("off sends no response_format; json_mode on a refusing endpoint fails naming it", async () => {
    const s = await serve({ chat: (r) => (r.response_format ? { status: 400, body: { error: { message: "response_format is not supported" } } } : PROCEDURE) });
    const bank = await openBank();
    const off = await buildMemory(bank, [run("a")], { kind: "script", model: createChatModel("m", fast), structuredOutput: "off", progress: false });
    expect(off.built).toBe(1);
    expect(s.chatRequests.map(jsonMode)).toEqual([false]);
    const forced = await buildMemory(bank, [run("b")], { kind: "script", model: createChatModel("m", fast), structuredOutput: "json_mode", progress: false });
    expect(forced.failed[0]!.error).toBe(`model endpoint ${s.url} failed after 1 attempt: 400 response_format is not supported`);
    await bank.close();
  });
});

describe("errors name the model endpoint", () => {
  const Reply = z.object({ procedure: z.array(z.string()) });
  const ask = () => invokeForJson(createChatModel("m", { ...fast, maxAttempts: 2 }), [new HumanMessage("JSON please")], Reply);

  it("a 200 whose body is not JSON", async () => {
    const s = await serve({ chat: () => GARBAGE_BODY });
    const err = await ask().catch((e: unknown) => e);
    expect(ModelEndpointError.isInstance(err)).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^model endpoint ${s.url} failed after 1 attempt: its answer is not valid JSON \\(Unterminated string in JSON at position \\d+\\)$`));
  });

  it("a status the SDK raises itself (404), on one line", async () => {
    const s = await serve({ chat: () => ({ status: 404, body: { error: { message: "The model `m` does not exist" } } }) });
    await expect(ask()).rejects.toThrow(new ModelEndpointError(s.url, "404 The model `m` does not exist", { attempts: 1 }).message);
  });

  it("500s and 429s for good (the transport's own error, unchanged)", async () => {
    const s = await serve({ chat: (_r, meta) => (meta.index % 2 === 0 ? { status: 500 } : { status: 429, headers: { "retry-after-ms": "5" } }) });
    await expect(ask()).rejects.toThrow(`model endpoint ${s.url} failed after 2 attempts: 429 Too Many Requests`);
  });

  it("embeddings through the disk cache: 500 and a body that is not JSON, with the embedder named and no key", async () => {
    let mode: "500" | "garbage" = "500";
    const s = await serve({ embeddings: () => (mode === "500" ? { status: 500 } : ({ status: 200, body: '{"data": [', headers: { "content-type": "application/json" } } as never)) });
    const { embeddings } = await createEmbeddings("openai:text-embedding-3-small", { ...fast, maxAttempts: 2 });
    const named = namingEndpointErrors(embeddings, "embeddings openai:text-embedding-3-small");
    await expect(named.embedQuery("hello")).rejects.toThrow(`model endpoint ${s.url} failed after 2 attempts: 500 Internal Server Error (embeddings openai:text-embedding-3-small)`);
    mode = "garbage";
    const err = (await named.embedDocuments(["other text"]).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(new RegExp(`^model endpoint ${s.url} failed after 1 attempt: its answer is not valid JSON \\(.*\\) \\(embeddings openai:text-embedding-3-small\\)$`));
    expect(err.message).not.toContain("sk-secret");
  });
});

describe("a model endpoint that never answers", () => {
  it("ends the build in bounded time, reports each item, and shows the waits in the progress display", async () => {
    const s = await serve({ chat: () => ({ hang: true }) });
    const statuses: string[] = [];
    let progress: Progress | undefined;
    const display: Progress = { increment() {}, status: (t) => statuses.push(t), stop() {} };
    const model = createChatModel("m", { timeoutMs: 300, maxAttempts: 2, backoffBaseMs: 5, onEvent: (e) => progress?.status(modelEventText(e)) });
    const bank = await openBank();
    const started = Date.now();
    const summary = await buildMemory(bank, [run("a"), run("b")], { kind: "script", model, progress: display, onProgress: (p) => (progress = p), slowCallMs: 200 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(summary.built).toBe(0);
    expect(summary.failed.map((f) => f.error)).toEqual([
      `model endpoint ${s.url} failed after 2 attempts: no response within 300 ms`,
      `model endpoint ${s.url} failed after 2 attempts: no response within 300 ms`,
    ]);
    expect(statuses).toContainEqual(expect.stringMatching(/^model: waiting \d+ ms \(no response within 300 ms\) before attempt 2\/2$/));
    expect(statuses).toContainEqual(expect.stringMatching(/^waiting \d+ s for the model \(2 running; "a"\)$/));
    await bank.close();
  });
});

describe("progress status without a terminal", () => {
  it("becomes lines on stderr, at most one per interval, so a CI log shows why a run is not moving", () => {
    const out: string[] = [];
    const stream = { write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WritableStream;
    const progress = createProgress(3, "build script", false, { statusLines: true, statusIntervalMs: 60_000, stream });
    progress.status("model: waiting 1 s (500) before attempt 2/4");
    progress.status("model: waiting 2 s (500) before attempt 3/4");
    progress.increment(1, "a task");
    progress.stop();
    expect(out).toEqual(["build script: model: waiting 1 s (500) before attempt 2/4\n"]);
    const silent = createProgress(3, "build script", false, { stream });
    silent.status("nothing");
    expect(out).toHaveLength(1);
  });
});
