import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  bagOfWordsVector,
  contentText,
  countPromptTokens,
  countTokens,
  PrefixIndex,
  renderPrompt,
  startScriptedServer,
  type ChatRequest,
  type ScriptedServer,
  type ScriptedServerOptions,
} from "../../testing/openai-server.js";

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: ScriptedServerOptions): Promise<ScriptedServer> {
  const server = await startScriptedServer(options);
  servers.push(server);
  return server;
}

function chatModel(url: string, fields: Record<string, unknown> = {}): ChatOpenAI {
  return new ChatOpenAI({ model: "scripted", temperature: 0, apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: url }, ...fields });
}

const search = tool(async ({ query }: { query: string }) => `results for ${query}`, {
  name: "search",
  description: "Searches the catalogue",
  schema: z.object({ query: z.string() }),
});

describe("startScriptedServer", () => {
  it("answers a chat completion with the script's text and counts usage with cl100k", async () => {
    const server = await start({ chat: (req) => `you said: ${contentText(req.messages.at(-1)!.content)}` });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const reply = await chatModel(server.url).invoke([new SystemMessage("Be brief."), new HumanMessage("hello there")]);
    expect(reply.content).toBe("you said: hello there");
    const request = server.chatRequests[0]!;
    expect(request.model).toBe("scripted");
    expect(request.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(reply.usage_metadata).toMatchObject({
      input_tokens: countTokens(renderPrompt(request)),
      output_tokens: countTokens("you said: hello there"),
    });
    expect(reply.response_metadata.finish_reason).toBe("stop");
    expect(server.authorizations).toEqual(["Bearer sk-test"]);
  });

  it("emits tool calls that ChatOpenAI.bindTools parses, and passes the tool turn back to the script", async () => {
    const server = await start({
      chat: (req) => {
        const last = req.messages.at(-1)!;
        if (last.role === "tool") return `done: ${contentText(last.content)}`;
        return { content: "", toolCalls: [{ name: "search", arguments: { query: "red mug" } }] };
      },
    });
    const model = chatModel(server.url).bindTools([search]);
    const first = (await model.invoke([new HumanMessage("find a mug")])) as AIMessage;
    expect(first.tool_calls).toEqual([expect.objectContaining({ name: "search", args: { query: "red mug" }, id: "call_1_0" })]);
    expect(first.response_metadata.finish_reason).toBe("tool_calls");
    expect(server.chatRequests[0]!.tools?.[0]?.function.name).toBe("search");

    const result = new ToolMessage({ content: "mug 1 on shelf 2", tool_call_id: first.tool_calls![0]!.id! });
    const second = await model.invoke([new HumanMessage("find a mug"), first, result]);
    expect(second.content).toBe("done: mug 1 on shelf 2");
    const sent = server.chatRequests[1]!.messages;
    expect(sent[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_1_0", type: "function", function: { name: "search", arguments: '{"query":"red mug"}' } }] });
    expect(sent[2]).toMatchObject({ role: "tool", tool_call_id: "call_1_0", content: "mug 1 on shelf 2" });
  });

  it("streams text and tool calls, with the usage chunk when include_usage is asked for", async () => {
    const server = await start({
      chat: (req) => (req.tools ? { toolCalls: [{ name: "search", arguments: { query: "lamp" } }] } : "a streamed answer in several words"),
    });
    let text: AIMessageChunk | undefined;
    for await (const chunk of await chatModel(server.url, { streamUsage: true }).stream("stream please")) text = text ? text.concat(chunk) : chunk;
    expect(text!.content).toBe("a streamed answer in several words");
    expect(server.chatRequests[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(text!.usage_metadata).toMatchObject({
      input_tokens: countTokens(renderPrompt(server.chatRequests[0]!)),
      output_tokens: countTokens("a streamed answer in several words"),
    });

    let calls: AIMessageChunk | undefined;
    for await (const chunk of await chatModel(server.url).bindTools([search]).stream("use the tool")) calls = calls ? calls.concat(chunk) : chunk;
    expect(calls!.tool_calls).toEqual([expect.objectContaining({ name: "search", args: { query: "lamp" } })]);
  });

  it("injects HTTP errors that the client reads as such (429 with Retry-After)", async () => {
    const server = await start({ chat: () => ({ status: 429, headers: { "retry-after": "7" }, body: { error: { message: "slow down", type: "rate_limit" } } }) });
    const error = await chatModel(server.url).invoke("hi").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 429 });
    expect((error as Error).message).toContain("slow down");
    expect((error as { headers: Headers }).headers.get("retry-after")).toBe("7");

    const raw = await fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [] }) });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBe("7");
  });

  it("delays replies without blocking other requests: 10 in parallel at 200 ms each take < 400 ms", async () => {
    const server = await start({ chat: () => "slow", delayMs: 200 });
    // Plain fetch, so the figure is the server's and not the client library's.
    const ask = (i: number) =>
      fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: `request ${i}` }] }) }).then(
        (r) => r.json() as Promise<{ choices: Array<{ message: { content: string } }> }>,
      );
    await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i))); // opens the connections
    const t0 = performance.now();
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i)));
    const elapsed = performance.now() - t0;
    expect(replies.every((r) => r.choices[0]!.message.content === "slow")).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(195);
    expect(elapsed).toBeLessThan(400);

    // And through ChatOpenAI, with room for the client's own overhead.
    const model = chatModel(server.url);
    const t1 = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => model.invoke(`request ${i}`)));
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it("takes the delay from a function of the request", async () => {
    const server = await start({ chat: () => "x", delayMs: (req) => (contentText(req.messages[0]!.content) === "slow" ? 400 : 0) });
    const model = chatModel(server.url);
    let t0 = performance.now();
    await model.invoke("fast");
    expect(performance.now() - t0).toBeLessThan(300);
    t0 = performance.now();
    await model.invoke("slow");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(395);
  });

  it("reports the longest prefix shared with any earlier request as cached tokens", async () => {
    const server = await start({ chat: () => "ok" });
    const model = chatModel(server.url);
    const system = new SystemMessage(`You are a careful household agent. ${"Rules: look before you act. ".repeat(40)}`);
    const first = await model.invoke([system, new HumanMessage("task one")]);
    expect(first.usage_metadata?.input_token_details?.cache_read ?? 0).toBe(0);

    const second = await model.invoke([system, new HumanMessage("task one"), new AIMessage("ok"), new HumanMessage("next step")]);
    const firstPrompt = renderPrompt(server.chatRequests[0]!);
    expect(renderPrompt(server.chatRequests[1]!).startsWith(firstPrompt)).toBe(true);
    expect(server.chatUsage[1]!.prompt_tokens_details.cached_tokens).toBe(countTokens(firstPrompt));
    expect(second.usage_metadata?.input_token_details?.cache_read).toBe(countTokens(firstPrompt));

    // Another task under the same system prompt shares the system part only.
    await model.invoke([system, new HumanMessage("task two")]);
    const shared = renderPrompt({ messages: [{ role: "system", content: contentText(system.content as string) }, { role: "user", content: "task " }] });
    expect(server.chatUsage[2]!.prompt_tokens_details.cached_tokens).toBe(countTokens(shared));
    expect(server.chatUsage[2]!.prompt_tokens_details.cached_tokens).toBeLessThan(server.chatUsage[2]!.prompt_tokens);
  });

  it("cuts the answer at a stop sequence, as a real server does", async () => {
    const server = await start({ chat: () => "Action: go to desk 1\nObservation: you arrive" });
    const reply = await chatModel(server.url).invoke("act", { stop: ["\nObservation:"] });
    expect(reply.content).toBe("Action: go to desk 1");
    expect(server.chatRequests[0]!.stop).toEqual(["\nObservation:"]);
  });

  it("serves embeddings in float and base64, honouring the requested dimensions", async () => {
    const server = await start({ dimension: 8 });
    const base64 = new OpenAIEmbeddings({ model: "emb", apiKey: "sk-test", maxRetries: 0, configuration: { baseURL: server.url }, batchSize: 2 });
    const vectors = await base64.embedDocuments(["red mug", "blue mug", "desk lamp"]);
    expect(vectors).toHaveLength(3);
    expect(vectors[0]).toHaveLength(8);
    expect(vectors[0]![0]).toBeCloseTo(bagOfWordsVector("red mug", 8)[0]!, 6);
    const float = new OpenAIEmbeddings({ model: "emb", apiKey: "sk-test", maxRetries: 0, dimensions: 4, encodingFormat: "float", configuration: { baseURL: server.url } });
    const query = await float.embedQuery("red mug");
    expect(query).toEqual(Array.from(bagOfWordsVector("red mug", 4)));
    expect(server.embeddedTexts).toEqual(["red mug", "blue mug", "desk lamp", "red mug"]);
  });

  it("runs a scripted embeddings handler, errors included", async () => {
    const server = await start({ embeddings: (texts, _req, meta) => (meta.index === 0 ? { status: 503 } : texts.map(() => [1, 0, 0])) });
    const emb = new OpenAIEmbeddings({ model: "emb", apiKey: "k", maxRetries: 0, configuration: { baseURL: server.url } });
    await expect(emb.embedQuery("x")).rejects.toMatchObject({ status: 503 });
    expect(await emb.embedQuery("x")).toEqual([1, 0, 0]);
  });

  it("lists models", async () => {
    const server = await start({ models: ["a", "b"] });
    const list = (await (await fetch(`${server.url}/models`)).json()) as { data: Array<{ id: string }> };
    expect(list.data.map((m) => m.id)).toEqual(["a", "b"]);
    expect((await fetch(`${server.url}/nothing`)).status).toBe(404);
  });

  it("hangs when told to, and close() ends the hanging connections", async () => {
    let seenAbort = false;
    const server = await startScriptedServer({
      chat: (_req, meta) => {
        meta.signal.addEventListener("abort", () => (seenAbort = true));
        return { hang: true };
      },
    });
    const pending = fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "m", messages: [] }) }).then(
      () => "answered",
      () => "failed",
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(server.chatRequests).toHaveLength(1);
    const t0 = performance.now();
    await server.close();
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe("failed");
    await new Promise((r) => setTimeout(r, 20));
    expect(seenAbort).toBe(true);
  });

  it("can hang after the headers and a first streamed chunk", async () => {
    const server = await start({ chat: () => ({ hang: "after-headers", content: "partial" }) });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [], stream: true }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"content":"partial"');
    const next = await Promise.race([reader.read().then(() => "data"), new Promise((r) => setTimeout(() => r("nothing"), 200))]);
    expect(next).toBe("nothing");
    controller.abort();
  });

  it("answers 500 with the script's error when the script throws", async () => {
    const server = await start({
      chat: () => {
        throw new Error("script bug");
      },
    });
    const error = await chatModel(server.url).invoke("x").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500 });
    expect((error as Error).message).toContain("script bug");
  });
});

describe("prompt token counting", () => {
  it("counts per message yet exactly as the whole rendered prompt", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pieces = ["word", " ", "\n", "\n\n", "  ", ".", "#", "# ", "'s", "123", "4567", "é", "日本", "🙂", "\r\n", "\t", "<|endoftext|>", "{\"a\":1}", "!!", "—"];
    const text = () => Array.from({ length: Math.floor(rand() * 12) }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
    for (let i = 0; i < 300; i++) {
      const messages = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => ({ role: ["system", "user", "assistant", "tool"][Math.floor(rand() * 4)]!, content: text() }));
      const request = { messages, tools: rand() < 0.3 ? [{ type: "function", function: { name: "f", description: text() } }] : undefined };
      expect(countPromptTokens(request)).toBe(countTokens(renderPrompt(request)));
    }
  });
});

describe("PrefixIndex", () => {
  it("finds the longest common prefix with any earlier text, across chunk boundaries", () => {
    const index = new PrefixIndex(4);
    expect(index.matchAndInsert("abcdefghij")).toBe(0);
    expect(index.matchAndInsert("abcdefgXYZ")).toBe(7);
    expect(index.matchAndInsert("abcdefghij-more")).toBe(10);
    expect(index.matchAndInsert("abc")).toBe(3);
    expect(index.matchAndInsert("zzz")).toBe(0);
    expect(index.matchAndInsert("abcdefgXYZ")).toBe(10);
    expect(index.matchAndInsert("")).toBe(0);
  });

  it("agrees with a brute-force search on random texts", () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const texts: string[] = [];
    const index = new PrefixIndex(5);
    for (let i = 0; i < 300; i++) {
      const base = texts.length && rand() < 0.7 ? texts[Math.floor(rand() * texts.length)]! : "";
      const text = base.slice(0, Math.floor(rand() * (base.length + 1))) + Array.from({ length: Math.floor(rand() * 12) }, () => "ab"[Math.floor(rand() * 2)]).join("");
      let expected = 0;
      for (const t of texts) {
        let k = 0;
        while (k < t.length && k < text.length && t[k] === text[k]) k++;
        expected = Math.max(expected, k);
      }
      expect(index.matchAndInsert(text)).toBe(expected);
      texts.push(text);
    }
  });
});

// Keeps the ChatRequest type honest for scripts written against it.
const _typed: ChatRequest = { model: "m", messages: [{ role: "assistant", content: null, tool_calls: [] }] };
void _typed;
