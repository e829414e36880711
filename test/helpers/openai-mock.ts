import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string | Array<{ type: string; text?: string }> }>;
  stream?: boolean;
}

export interface MockOpenAI {
  url: string;
  chatRequests: ChatRequest[];
  embeddedTexts: string[];
  authorizations: string[];
  close(): Promise<void>;
}

export interface MockOptions {
  /** Answers a chat request with the assistant's text. */
  chat: (request: ChatRequest) => string;
  /** Embedding dimension (default 64). */
  dimension?: number;
}

/**
 * A small OpenAI-compatible server on 127.0.0.1 (chat completions, streaming or not, and
 * embeddings in float or base64 encoding) so that tests run the real @langchain/openai client.
 */
export async function startMockOpenAI(options: MockOptions): Promise<MockOpenAI> {
  const dimension = options.dimension ?? 64;
  const state = { chatRequests: [] as ChatRequest[], embeddedTexts: [] as string[], authorizations: [] as string[] };
  const server: Server = createServer(async (req, res) => {
    try {
      const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      state.authorizations.push(String(req.headers.authorization ?? ""));
      if (req.method === "POST" && req.url === "/v1/chat/completions") {
        const request = body as unknown as ChatRequest;
        state.chatRequests.push(request);
        const text = options.chat(request);
        const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
        if (request.stream) {
          res.writeHead(200, { "content-type": "text/event-stream" });
          const chunk = (delta: object, finish: string | null, extra: object = {}) =>
            res.write(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`);
          chunk({ role: "assistant", content: text }, null);
          chunk({}, "stop");
          res.write(`data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 0, model: request.model, choices: [], usage })}\n\n`);
          res.end("data: [DONE]\n\n");
          return;
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "c1",
            object: "chat.completion",
            created: 0,
            model: request.model,
            choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
            usage,
          }),
        );
        return;
      }
      if (req.method === "POST" && req.url === "/v1/embeddings") {
        const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
        state.embeddedTexts.push(...inputs);
        const base64 = body.encoding_format === "base64";
        const data = inputs.map((text, index) => {
          const v = bagOfWordsVector(text, dimension);
          return { object: "embedding", index, embedding: base64 ? Buffer.from(v.buffer).toString("base64") : Array.from(v) };
        });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data, model: body.model, usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }));
        return;
      }
      res.writeHead(404).end();
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: String(err) } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    ...state,
    close: () => new Promise((resolve) => server.close(() => resolve())),
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

export function contentText(content: ChatRequest["messages"][number]["content"]): string {
  return typeof content === "string" ? content : content.map((c) => c.text ?? "").join("");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}
