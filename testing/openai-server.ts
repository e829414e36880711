/**
 * A scripted OpenAI-compatible server on 127.0.0.1, for tests, benchmarks and notebooks: the real
 * `@langchain/openai` clients (and our resilient transport) talk to it over HTTP, and a script
 * decides each chat reply: text, tool calls, an HTTP error, or no answer at all.
 *
 * Serves `POST /v1/chat/completions` (JSON, and SSE streaming with the usage chunk when
 * `stream_options.include_usage`), `POST /v1/embeddings` (float and base64) and `GET /v1/models`.
 * It runs in-process: a CLI under test runs as a child process with OPENAI_BASE_URL set to `url`.
 */
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Tiktoken } from "js-tiktoken/lite";
import cl100k from "js-tiktoken/ranks/cl100k_base";

export type ContentPart = { type: string; text?: string; [key: string]: unknown };

export interface ToolCallWire {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: string;
  content: string | ContentPart[] | null;
  name?: string;
  /** On assistant turns that called tools. */
  tool_calls?: ToolCallWire[];
  /** On tool turns: which call this is the result of. */
  tool_call_id?: string;
}

export interface ToolDefinition {
  type: string;
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/** A chat completion request as it arrived (other fields the client sent are kept too). */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  tool_choice?: unknown;
  stop?: string | string[] | null;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

export interface RequestMeta {
  /** 0-based number of this request among the server's chat (or embeddings) requests. */
  index: number;
  authorization: string;
  headers: IncomingHttpHeaders;
  /** Aborted when the client goes away (it gave up, or the server closed). */
  signal: AbortSignal;
}

export interface ScriptedToolCall {
  name: string;
  /** An object (serialised to JSON) or a raw string (sent as is, to script malformed arguments). */
  arguments: Record<string, unknown> | string;
  id?: string;
}

/** An HTTP error instead of an answer, e.g. `{ status: 429, headers: { "retry-after": "1" } }`. */
export interface ErrorReply {
  status: number;
  /** An object is sent as JSON, a string as text (default: an OpenAI-style `{ error: { message } }`). */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * `true`: never answer (until the client gives up or the server closes). `"after-headers"`: send
 * the status line and headers (and, for a stream, the first content chunk), then nothing more.
 */
export interface HangReply {
  hang: true | "after-headers";
  content?: string;
}

export interface AnswerReply {
  content?: string;
  toolCalls?: ScriptedToolCall[];
  /** Default "tool_calls" when there are tool calls, else "stop". */
  finishReason?: string;
}

export type ChatReply = string | AnswerReply | ErrorReply | HangReply;
export type ChatHandler = (request: ChatRequest, meta: RequestMeta) => ChatReply | Promise<ChatReply>;

export interface EmbeddingsRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  [key: string]: unknown;
}

export type EmbeddingsReply = ArrayLike<number>[] | ErrorReply | HangReply;
export type EmbeddingsHandler = (texts: string[], request: EmbeddingsRequest, meta: RequestMeta) => EmbeddingsReply | Promise<EmbeddingsReply>;

export interface ScriptedServerOptions {
  /** Decides each chat reply (default: "ok"). */
  chat?: ChatHandler;
  /** Decides each embeddings reply (default: `bagOfWordsVector` of every text). */
  embeddings?: EmbeddingsHandler;
  /** Embedding dimension when the request names none (default 64). */
  dimension?: number;
  /** Wait before each chat reply, in ms; other requests are served meanwhile. */
  delayMs?: number | ((request: ChatRequest, meta: RequestMeta) => number);
  /** Ids listed by GET /v1/models. */
  models?: string[];
  /** Default 0: a free port. */
  port?: number;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export interface ScriptedServer {
  /** `http://127.0.0.1:PORT/v1`, for OPENAI_BASE_URL or `configuration.baseURL`. */
  url: string;
  port: number;
  /** Every chat request, in arrival order (errors and hangs included). */
  chatRequests: ChatRequest[];
  /** The usage reported for each answered chat request, in answer order. */
  chatUsage: ChatUsage[];
  /** Every text sent for embedding, in arrival order. */
  embeddedTexts: string[];
  /** The Authorization header of every request ("" when absent). */
  authorizations: string[];
  /** Stops listening and ends every open connection, hanging ones included. */
  close(): Promise<void>;
}

export async function startScriptedServer(options: ScriptedServerOptions = {}): Promise<ScriptedServer> {
  const chat: ChatHandler = options.chat ?? (() => "ok");
  const defaultDimension = options.dimension ?? 64;
  const prefixes = new PrefixIndex();
  const state = {
    chatRequests: [] as ChatRequest[],
    chatUsage: [] as ChatUsage[],
    embeddedTexts: [] as string[],
    authorizations: [] as string[],
  };
  let embeddingRequests = 0;
  let completionIds = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, { status: 500, body: { error: { message: `scripted server: ${errorText(err)}`, type: "server_error" } } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    const raw = await readBody(req);
    const authorization = String(req.headers.authorization ?? "");
    state.authorizations.push(authorization);
    const path = (req.url ?? "").split("?")[0];
    const meta = (index: number): RequestMeta => ({ index, authorization, headers: req.headers, signal: gone.signal });

    if (req.method === "GET" && path === "/v1/models") {
      const ids = options.models ?? ["scripted-chat", "scripted-embeddings"];
      return sendJson(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "scripted" })) });
    }
    if (req.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/v1/embeddings")) {
      return sendError(res, { status: 404, body: { error: { message: `no route ${req.method} ${req.url}`, type: "invalid_request_error" } } });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendError(res, { status: 400, body: { error: { message: "the body is not JSON", type: "invalid_request_error" } } });
    }

    if (path === "/v1/embeddings") {
      const request = body as EmbeddingsRequest;
      const texts = (Array.isArray(request.input) ? request.input : [request.input]).map((t) => (typeof t === "string" ? t : JSON.stringify(t)));
      state.embeddedTexts.push(...texts);
      const dimension = typeof request.dimensions === "number" ? request.dimensions : defaultDimension;
      const reply = options.embeddings ? await options.embeddings(texts, request, meta(embeddingRequests++)) : texts.map((t) => bagOfWordsVector(t, dimension));
      if (isHang(reply)) return hang(res, reply, false);
      if (isError(reply)) return sendError(res, reply);
      const base64 = request.encoding_format === "base64";
      const data = reply.map((v, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? Buffer.from(Float32Array.from(v).buffer).toString("base64") : Array.from(v),
      }));
      const tokens = texts.reduce((n, t) => n + countTokens(t), 0);
      return sendJson(res, 200, { object: "list", data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }

    const request = body as ChatRequest;
    const index = state.chatRequests.length;
    state.chatRequests.push(request);
    const m = meta(index);
    const reply = await chat(request, m);
    const delay = typeof options.delayMs === "function" ? options.delayMs(request, m) : (options.delayMs ?? 0);
    if (delay > 0) await sleep(delay, gone.signal);
    if (gone.signal.aborted) return;
    if (isHang(reply)) return hang(res, reply, request.stream === true);
    if (isError(reply)) return sendError(res, reply);

    const answer: AnswerReply = typeof reply === "string" ? { content: reply } : reply;
    const id = `chatcmpl-${++completionIds}`;
    let content = answer.content ?? (answer.toolCalls?.length ? null : "");
    let finishReason = answer.finishReason ?? (answer.toolCalls?.length ? "tool_calls" : "stop");
    // A real server stops generating at a stop sequence and does not return it.
    if (content !== null && request.stop) {
      const cut = cutAtStop(content, request.stop);
      if (cut !== content) {
        content = cut;
        finishReason = answer.finishReason ?? "stop";
      }
    }
    const toolCalls: ToolCallWire[] = (answer.toolCalls ?? []).map((call, i) => ({
      id: call.id ?? `call_${completionIds}_${i}`,
      type: "function",
      function: { name: call.name, arguments: typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments) },
    }));
    const usage = usageOf(request, content ?? "", toolCalls, prefixes);
    state.chatUsage.push(usage);
    const created = Math.floor(Date.now() / 1000);

    if (request.stream) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const chunk = (delta: object, finish: string | null) =>
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }], usage: null })}\n\n`);
      const pieces = content ? splitForStream(content) : [];
      chunk({ role: "assistant", content: pieces[0] ?? (content === null ? null : "") }, null);
      for (const piece of pieces.slice(1)) chunk({ content: piece }, null);
      toolCalls.forEach((call, i) => {
        chunk({ tool_calls: [{ index: i, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, null);
        chunk({ tool_calls: [{ index: i, function: { arguments: call.function.arguments } }] }, null);
      });
      chunk({}, finishReason);
      if (request.stream_options?.include_usage) {
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: request.model, choices: [], usage })}\n\n`);
      }
      res.end("data: [DONE]\n\n");
      return;
    }
    const message: Record<string, unknown> = { role: "assistant", content, refusal: null };
    if (toolCalls.length) message.tool_calls = toolCalls;
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model: request.model,
      choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
      usage,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    ...state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging requests and idle keep-alive sockets would otherwise hold close() forever.
        server.closeAllConnections();
      }),
  };
}

/** Deterministic unit vectors: words hashed into buckets, so texts sharing words are close. */
export function bagOfWordsVector(text: string, dimension: number): Float32Array {
  const v = new Float32Array(dimension);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 7;
    for (let i = 0; i < w.length; i++) h = (h * 31 + w.charCodeAt(i)) >>> 0;
    v[h % dimension]! += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

/** The text of a message's content, whether a string, content parts or null. */
export function contentText(content: ChatMessage["content"] | undefined): string {
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : content.map((c) => c.text ?? "").join("");
}

let encoder: Tiktoken | undefined;

/** cl100k_base tokens; special-token text counts as ordinary text. */
export function countTokens(text: string): number {
  encoder ??= new Tiktoken(cl100k);
  return encoder.encode(text, [], []).length;
}

/**
 * The prompt as one string, the way a chat template would lay it out: tools first, then each
 * message with its role. Appending a message only appends to this string, so conversations that
 * grow turn by turn share a prefix with their earlier requests, as they do in a server's KV cache.
 */
export function renderPrompt(request: Pick<ChatRequest, "messages" | "tools">): string {
  return promptSegments(request).join("");
}

/** `prompt_tokens` as the server reports it: the cl100k tokens of `renderPrompt(request)`. */
export function countPromptTokens(request: Pick<ChatRequest, "messages" | "tools">): number {
  return promptSegments(request).reduce((n, segment) => n + segmentTokens(segment), 0);
}

/**
 * One segment per message (and one for the tools), each starting with "#" and ending with a
 * newline. cl100k never puts a newline and a following "#" in the same pre-token, so the tokens of
 * the prompt are exactly the sum of the segments' tokens, and a segment seen before (the system
 * prompt, earlier turns) is not tokenized again: that keeps a 32-episode benchmark's server from
 * spending its time in the tokenizer.
 */
function promptSegments(request: Pick<ChatRequest, "messages" | "tools">): string[] {
  const segments = request.tools?.length ? [`# tools\n${JSON.stringify(request.tools)}\n`] : [];
  for (const m of request.messages) {
    let text = `# ${m.role}${m.tool_call_id ? ` (${m.tool_call_id})` : ""}\n${contentText(m.content)}`;
    if (m.tool_calls?.length) text += `\n${JSON.stringify(m.tool_calls.map((c) => c.function))}`;
    segments.push(`${text}\n`);
  }
  return segments;
}

const segmentTokenCache = new Map<string, number>();

function segmentTokens(segment: string): number {
  let n = segmentTokenCache.get(segment);
  if (n === undefined) {
    if (segmentTokenCache.size >= 20_000) segmentTokenCache.clear();
    segmentTokenCache.set(segment, (n = countTokens(segment)));
  }
  return n;
}

function usageOf(request: ChatRequest, content: string, toolCalls: ToolCallWire[], prefixes: PrefixIndex): ChatUsage {
  const segments = promptSegments(request);
  const prompt = segments.join("");
  const shared = prefixes.matchAndInsert(prompt);
  let promptTokens = 0;
  let cached = 0;
  let start = 0;
  for (const segment of segments) {
    const tokens = segmentTokens(segment);
    promptTokens += tokens;
    const end = start + segment.length;
    if (end <= shared) cached += tokens;
    // Only the segment where the prompt leaves the cached prefix is cut and tokenized anew.
    else if (start < shared) cached += countTokens(segment.slice(0, shared - start));
    start = end;
  }
  const completion = countTokens(content + toolCalls.map((c) => c.function.name + c.function.arguments).join(""));
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completion,
    total_tokens: promptTokens + completion,
    prompt_tokens_details: { cached_tokens: cached },
  };
}

/**
 * The longest prefix (in characters) a prompt shares with any earlier one, to mimic a prefix
 * cache. A trie over fixed-size chunks of text: walking it costs one map lookup per chunk, and only
 * the chunk where the prompt leaves every earlier one is compared character by character (against
 * that node's children). Memory is the distinct text seen, shared prefixes stored once.
 */
export class PrefixIndex {
  private readonly root: TrieNode = new Map();

  constructor(private readonly chunkSize = 256) {}

  /** The common-prefix length with the best earlier text, then remembers `text`. */
  matchAndInsert(text: string): number {
    let node = this.root;
    let pos = 0;
    let matched = 0;
    let walking = true;
    while (pos < text.length) {
      const piece = text.slice(pos, pos + this.chunkSize);
      let next = node.get(piece);
      if (walking) {
        if (next) {
          matched = pos + piece.length;
        } else {
          let best = 0;
          for (const key of node.keys()) best = Math.max(best, commonPrefix(key, piece));
          matched = pos + best;
          walking = false;
        }
      }
      if (!next) node.set(piece, (next = new Map()));
      node = next;
      pos += piece.length;
    }
    return matched;
  }
}

type TrieNode = Map<string, TrieNode>;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function cutAtStop(text: string, stop: string | string[]): string {
  let end = text.length;
  for (const s of typeof stop === "string" ? [stop] : stop) {
    if (!s) continue;
    const at = text.indexOf(s);
    if (at !== -1 && at < end) end = at;
  }
  return text.slice(0, end);
}

/** Word-sized pieces, so clients really assemble a streamed answer. */
function splitForStream(text: string): string[] {
  return text.match(/\s*\S+\s*|\s+/g) ?? [text];
}

function isHang(reply: unknown): reply is HangReply {
  return typeof reply === "object" && reply !== null && "hang" in reply && Boolean((reply as HangReply).hang);
}

function isError(reply: unknown): reply is ErrorReply {
  return typeof reply === "object" && reply !== null && !Array.isArray(reply) && typeof (reply as ErrorReply).status === "number";
}

function hang(res: ServerResponse, reply: HangReply, stream: boolean): void {
  if (reply.hang !== "after-headers") return;
  if (stream) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    if (reply.content) {
      res.write(`data: ${JSON.stringify({ id: "chatcmpl-hang", object: "chat.completion.chunk", created: 0, model: "", choices: [{ index: 0, delta: { role: "assistant", content: reply.content }, finish_reason: null }] })}\n\n`);
    }
  } else {
    res.writeHead(200, { "content-type": "application/json" });
    res.write("{");
  }
  // Flush the headers now rather than with the first body byte that never comes.
  res.flushHeaders();
}

function sendError(res: ServerResponse, reply: ErrorReply): void {
  const body =
    reply.body === undefined
      ? { error: { message: STATUS_CODES[reply.status] ?? `status ${reply.status}`, type: "scripted_error", param: null, code: null } }
      : reply.body;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(reply.status, { "content-type": typeof body === "string" ? "text/plain" : "application/json", ...reply.headers });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (data += c));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
