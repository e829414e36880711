/**
 * A minimal OpenAI-compatible chat server in its own process for the concurrency benchmark: it
 * answers every chat request with the same ReAct reply after DELAY_MS. It does no tokenising or
 * bookkeeping (unlike the scripted test server), so what the benchmark measures is the runner's
 * own overhead, as with a real inference server on another machine.
 * Usage: tsx scripts/bench/look-server.ts DELAY_MS   (prints the base URL on its first line)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const delayMs = Number(process.argv[2] ?? 200);
const body = JSON.stringify({
  id: "look",
  object: "chat.completion",
  created: 0,
  model: "scripted",
  choices: [{ index: 0, message: { role: "assistant", content: "Thought: look around.\nAction: look" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 100, completion_tokens: 8, total_tokens: 108 },
});
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(body), delayMs));
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
