import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, ModelEndpointError } from "../../core/errors.js";
import { createChatModel, createEmbeddings } from "../../src/models.js";
import { startScriptedServer, type ChatReply, type ScriptedServer, type ScriptedServerOptions } from "../../testing/openai-server.js";
import {
  createRateLimiter,
  createResilientFetch,
  defaultModelTimeoutMs,
  endpointLabel,
  retryAfterMs,
  sharedRateLimiter,
  type ModelEndpointEvent,
  type ResilientFetchOptions,
} from "../../core/util/resilient-fetch.js";
import { tempDir } from "../memory/helpers.js";

const KEY = "sk-secret-never-in-messages-42";
const servers: ScriptedServer[] = [];
const savedEnv = { ...process.env };

beforeEach(() => {
  delete process.env.MEMP_MODEL_TIMEOUT;
  delete process.env.MEMP_MODEL_RPM;
});
afterEach(async () => {
  process.env = { ...savedEnv };
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: ScriptedServerOptions): Promise<ScriptedServer> {
  const server = await startScriptedServer(options);
  servers.push(server);
  return server;
}

/** Replies in order; the last one repeats. */
function sequence(...replies: ChatReply[]): ScriptedServerOptions["chat"] {
  return (_req, meta) => replies[Math.min(meta.index, replies.length - 1)]!;
}

function post(fetchFn: typeof fetch | ReturnType<typeof createResilientFetch>, url: string, init: RequestInit = {}) {
  return fetchFn(`${url}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    ...init,
  });
}

function resilient(url: string, options: ResilientFetchOptions = {}, events?: ModelEndpointEvent[]) {
  return createResilientFetch({ baseURL: url, backoffBaseMs: 10, onEvent: events ? (e) => events.push(e) : undefined, ...options });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function useEndpoint(url: string): void {
  process.env.OPENAI_BASE_URL = url;
  process.env.OPENAI_API_KEY = KEY;
}

describe("createResilientFetch", () => {
  it("waits for Retry-After (seconds) on a 429, then succeeds", async () => {
    const server = await start({ chat: sequence({ status: 429, headers: { "retry-after": "1" } }, "ok") });
    const events: ModelEndpointEvent[] = [];
    const t0 = performance.now();
    const response = await post(resilient(server.url, {}, events), server.url);
    const elapsed = performance.now() - t0;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("ok");
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5000);
    expect(server.chatRequests).toHaveLength(2);
    expect(events).toEqual([
      expect.objectContaining({ kind: "retry", attempt: 1, maxAttempts: 4, waitMs: 1000, status: 429, endpoint: server.url, message: "waiting 1 s (429)" }),
    ]);
    expect(events[0]!.reason).toMatch(/^429 Too Many Requests/);
  });

  it("prefers retry-after-ms, and reads Retry-After as an HTTP date", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    const date = retryAfterMs(new Headers({ "retry-after": new Date(Date.now() + 5000).toUTCString() }))!;
    expect(date).toBeGreaterThan(3000);
    expect(date).toBeLessThanOrEqual(5000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(new Headers())).toBeUndefined();
  });

  it("rides out flapping 500s with backoff", async () => {
    const server = await start({ chat: sequence({ status: 500 }, { status: 502 }, "ok") });
    const events: ModelEndpointEvent[] = [];
    const response = await post(resilient(server.url, {}, events), server.url);
    expect(response.status).toBe(200);
    expect(events.map((e) => [e.kind, e.attempt, e.status])).toEqual([
      ["retry", 1, 500],
      ["retry", 2, 502],
    ]);
    // Equal jitter: between half and all of base * 2^(n-1).
    expect(events[0]!.waitMs).toBeGreaterThanOrEqual(5);
    expect(events[0]!.waitMs).toBeLessThanOrEqual(10);
    expect(events[1]!.waitMs).toBeGreaterThanOrEqual(10);
    expect(events[1]!.waitMs).toBeLessThanOrEqual(20);
  });

  it("gives up after maxAttempts with an error naming the endpoint and the last status", async () => {
    const server = await start({ chat: () => ({ status: 503, body: { error: { message: "model is loading" } } }) });
    const error = (await post(resilient(server.url), server.url).catch((e: unknown) => e)) as ModelEndpointError;
    expect(ModelEndpointError.isInstance(error)).toBe(true);
    expect(error.message).toBe(`model endpoint ${server.url} failed after 4 attempts: 503 Service Unavailable: model is loading`);
    expect(error).toMatchObject({ baseURL: server.url, status: 503, attempts: 4 });
    expect(server.chatRequests).toHaveLength(4);
  });

  it("returns non-retryable statuses at once, for the client to raise its typed error", async () => {
    const server = await start({ chat: () => ({ status: 400, body: { error: { message: "bad tools" } } }) });
    const response = await post(resilient(server.url), server.url);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { message: "bad tools" } });
    expect(server.chatRequests).toHaveLength(1);
  });

  it("bounds an attempt that never answers, and the number of attempts", async () => {
    const server = await start({ chat: () => ({ hang: true }) });
    const events: ModelEndpointEvent[] = [];
    const t0 = performance.now();
    const error = (await post(resilient(server.url, { timeoutMs: 150, maxAttempts: 3 }, events), server.url).catch((e: unknown) => e)) as ModelEndpointError;
    const elapsed = performance.now() - t0;
    expect(error.message).toBe(`model endpoint ${server.url} failed after 3 attempts: no response within 150 ms`);
    expect(error.message).not.toContain(KEY);
    expect(error.status).toBeUndefined();
    expect(server.chatRequests).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(440);
    expect(elapsed).toBeLessThan(5000);
    expect(events.map((e) => e.reason)).toEqual(["no response within 150 ms", "no response within 150 ms"]);
  });

  it("retries a body that stalls after the headers, for ordinary (non-streamed) answers", async () => {
    const server = await start({ chat: sequence({ hang: "after-headers" }, "ok") });
    const response = await post(resilient(server.url, { timeoutMs: 400 }), server.url);
    expect(response.status).toBe(200);
    expect(server.chatRequests).toHaveLength(2);
  });

  it("fails a stream that stops sending data, reporting the stall", async () => {
    const server = await start({ chat: () => ({ hang: "after-headers", content: "half an ans" }) });
    const events: ModelEndpointEvent[] = [];
    const response = await post(resilient(server.url, { timeoutMs: 150 }, events), server.url, {
      body: JSON.stringify({ model: "m", messages: [], stream: true }),
    });
    expect(response.status).toBe(200);
    const error = await response.text().catch((e: unknown) => e);
    expect(ModelEndpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`model endpoint ${server.url} failed after 1 attempt: the answer stream stalled: no data for 150 ms`);
    expect(events).toEqual([expect.objectContaining({ kind: "stall", attempt: 1 })]);
  });

  it("retries a refused connection, then names the endpoint and the cause", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const events: ModelEndpointEvent[] = [];
    const error = (await post(resilient(url, {}, events), url).catch((e: unknown) => e)) as ModelEndpointError;
    expect(error.message).toBe(`model endpoint ${url} failed after 4 attempts: connection refused (ECONNREFUSED)`);
    expect(error.cause).toBeInstanceOf(Error);
    expect(events).toHaveLength(3);
  });

  it("stops at once when the caller aborts, without retrying", async () => {
    const server = await start({ chat: () => ({ hang: true }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    const error = await post(resilient(server.url), server.url, { signal: controller.signal }).catch((e: unknown) => e);
    // The attempt limit is 120 s: anything near the 100 ms abort means the abort cut it short.
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((error as Error).name).toBe("AbortError");
    expect(server.chatRequests).toHaveLength(1);
  });

  it("stops at once when the caller aborts during a backoff wait", async () => {
    const server = await start({ chat: () => ({ status: 429, headers: { "retry-after": "30" } }) });
    const controller = new AbortController();
    const pending = post(resilient(server.url), server.url, { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    controller.abort();
    expect(((await pending) as Error).name).toBe("AbortError");
    expect(performance.now() - t0).toBeLessThan(1000); // not the 30 s Retry-After
    expect(server.chatRequests).toHaveLength(1);
  });

  it("does not wait for a Retry-After beyond maxRetryAfterMs", async () => {
    const server = await start({ chat: () => ({ status: 429, headers: { "retry-after": "3600" } }) });
    const error = (await post(resilient(server.url), server.url).catch((e: unknown) => e)) as ModelEndpointError;
    expect(error.message).toContain("failed after 1 attempt: 429 Too Many Requests");
    expect(error.message).toContain("(the server asked to retry after 3600 s)");
  });

  it("caps the request rate, spacing requests evenly", async () => {
    const server = await start({ chat: () => "ok" });
    const events: ModelEndpointEvent[] = [];
    const fetchFn = resilient(server.url, { rpm: 600 }, events); // one request per 100 ms
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => post(fetchFn, server.url)));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(480);
    expect(events.filter((e) => e.kind === "throttle")).toHaveLength(5);
    expect(events.at(-1)!.message).toMatch(/^waiting \d+ ms \(rate cap 600\/min\)$/);
  });

  it("shares one limiter between fetches", async () => {
    const server = await start({ chat: () => "ok" });
    const limiter = sharedRateLimiter(server.url, 1200); // 50 ms apart
    expect(sharedRateLimiter(server.url, 1200)).toBe(limiter);
    const a = resilient(server.url, { rpm: limiter });
    const b = resilient(server.url, { rpm: limiter });
    const t0 = performance.now();
    await Promise.all([post(a, server.url), post(b, server.url), post(a, server.url), post(b, server.url), post(a, server.url)]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it("lets an aborted caller stop waiting for the rate cap", async () => {
    const limiter = createRateLimiter(6); // 10 s apart
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal).catch((e: unknown) => e);
    controller.abort();
    expect(((await waiting) as Error).name).toBe("AbortError");
  });

  it("reads MEMP_MODEL_TIMEOUT in seconds", () => {
    expect(defaultModelTimeoutMs()).toBe(120_000);
    process.env.MEMP_MODEL_TIMEOUT = "2.5";
    expect(defaultModelTimeoutMs()).toBe(2500);
    process.env.MEMP_MODEL_TIMEOUT = "soon";
    expect(() => defaultModelTimeoutMs()).toThrow(ConfigError);
  });

  it("labels endpoints without credentials or query", () => {
    expect(endpointLabel("https://user:pw@example.com/openai/v1/?api-key=abc#x")).toBe("https://example.com/openai/v1");
  });
});

describe("createChatModel and createEmbeddings go through the resilient transport", () => {
  it("ChatOpenAI.invoke retries a 429 through the wrapper and reports it", async () => {
    const server = await start({ chat: sequence({ status: 429, headers: { "retry-after-ms": "50" } }, "fine") });
    useEndpoint(server.url);
    const events: ModelEndpointEvent[] = [];
    const reply = await createChatModel("scripted", { onEvent: (e) => events.push(e) }).invoke("hello");
    expect(reply.content).toBe("fine");
    expect(server.chatRequests).toHaveLength(2);
    expect(events).toEqual([expect.objectContaining({ kind: "retry", waitMs: 50, status: 429 })]);
    expect(server.authorizations).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
  });

  it("invoke rejects with a ModelEndpointError naming the endpoint (HTTP status)", async () => {
    const server = await start({ chat: () => ({ status: 429, headers: { "retry-after": "0" } }) });
    useEndpoint(server.url);
    const error = await createChatModel("scripted", { maxAttempts: 3 }).invoke("hello").catch((e: unknown) => e);
    expect(ModelEndpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`model endpoint ${server.url} failed after 3 attempts: 429 Too Many Requests`);
    expect(error).toMatchObject({ status: 429, attempts: 3, baseURL: server.url });
  });

  it("invoke rejects with a ModelEndpointError when the server never answers, never showing the key", async () => {
    const server = await start({ chat: () => ({ hang: true }) });
    useEndpoint(server.url);
    const error = await createChatModel("scripted", { timeoutMs: 100, maxAttempts: 2, backoffBaseMs: 10 })
      .invoke("hello")
      .catch((e: unknown) => e);
    expect(ModelEndpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`model endpoint ${server.url} failed after 2 attempts: no response within 100 ms`);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(KEY);
    expect(String((error as Error).stack)).not.toContain(KEY);
  });

  it("invoke rejects with a ModelEndpointError whose text mentions a timeout (the SDK must not swallow it)", async () => {
    const server = await start({ chat: () => ({ status: 504, body: { error: { message: "upstream request timed out" } } }) });
    useEndpoint(server.url);
    const error = await createChatModel("scripted", { maxAttempts: 2, backoffBaseMs: 10 }).invoke("hello").catch((e: unknown) => e);
    expect((error as Error).message).toBe(`model endpoint ${server.url} failed after 2 attempts: 504 Gateway Timeout: upstream request timed out`);
  });

  it("invoke rejects with a ModelEndpointError on a refused connection", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    useEndpoint(url);
    const error = await createChatModel("scripted", { maxAttempts: 2, backoffBaseMs: 10 }).invoke("hello").catch((e: unknown) => e);
    expect((error as Error).message).toBe(`model endpoint ${url} failed after 2 attempts: connection refused (ECONNREFUSED)`);
  });

  it("streaming goes through it too, and a stall surfaces as a ModelEndpointError", async () => {
    const server = await start({ chat: sequence({ status: 500 }, "streamed fine", { hang: "after-headers", content: "par" }) });
    useEndpoint(server.url);
    const model = createChatModel("scripted", { timeoutMs: 400, backoffBaseMs: 10 });
    let text = "";
    for await (const chunk of await model.stream("hello")) text += String(chunk.content);
    expect(text).toBe("streamed fine");
    const error = await (async () => {
      for await (const _ of await model.stream("again"));
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe(`model endpoint ${server.url} failed after 1 attempt: the answer stream stalled: no data for 400 ms`);
  });

  it("a non-retryable status keeps the client's typed error and names the endpoint", async () => {
    const server = await start({ chat: () => ({ status: 404, body: { error: { message: "model nope not found" } } }) });
    useEndpoint(server.url);
    const error = await createChatModel("nope").invoke("hello").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 404 });
    expect((error as Error).message).toContain("model nope not found");
    expect((error as Error).message).toContain(`(model endpoint ${server.url})`);
    expect(server.chatRequests).toHaveLength(1);
  });

  it("a caller's abort stops invoke at once", async () => {
    const server = await start({ chat: () => ({ hang: true }) });
    useEndpoint(server.url);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    const error = await createChatModel("scripted").invoke("hello", { signal: controller.signal }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((error as Error).name).toBe("AbortError");
    expect(server.chatRequests).toHaveLength(1);
  });

  it("bound models (bindTools / withConfig) keep the transport", async () => {
    const server = await start({ chat: sequence({ status: 503 }, "ok") });
    useEndpoint(server.url);
    const model = createChatModel("scripted", { backoffBaseMs: 10 });
    const bound = model.withConfig({ tags: ["x"] });
    expect((await bound.invoke("hello")).content).toBe("ok");
    expect(server.chatRequests).toHaveLength(2);
  });

  it("embeddings retry through it", async () => {
    let calls = 0;
    const server = await start({ embeddings: (texts) => (calls++ === 0 ? { status: 429, headers: { "retry-after-ms": "20" } } : texts.map(() => [0.6, 0.8])) });
    useEndpoint(server.url);
    const { embeddings, id } = await createEmbeddings("openai:emb-model", { cacheDir: tempDir("memp-rf-"), backoffBaseMs: 10 });
    expect(id).toBe("openai:emb-model");
    expect(await embeddings.embedQuery("a text")).toEqual([expect.closeTo(0.6, 5), expect.closeTo(0.8, 5)]);
    expect(calls).toBe(2);
  });

  it("embeddings that keep failing reject with a ModelEndpointError", async () => {
    const server = await start({ embeddings: () => ({ status: 500 }) });
    useEndpoint(server.url);
    const { embeddings } = await createEmbeddings("openai:emb-model", { cacheDir: tempDir("memp-rf-"), maxAttempts: 2, backoffBaseMs: 10 });
    const error = await embeddings.embedQuery("a text").catch((e: unknown) => e);
    expect((error as Error).message).toBe(`model endpoint ${server.url} failed after 2 attempts: 500 Internal Server Error (embeddings openai:emb-model)`);
  });
});
