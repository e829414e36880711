/**
 * A scripted server in its own process for the concurrency benchmark, so that serving 1,280
 * requests does not compete with the runner being measured for the same event loop.
 * Usage: tsx scripts/bench/look-server.ts DELAY_MS   (prints the base URL on its first line)
 */
import { startScriptedServer } from "../../src/testing/openai-server.js";

const server = await startScriptedServer({ chat: () => "Thought: look around.\nAction: look", delayMs: Number(process.argv[2] ?? 200) });
process.stdout.write(server.url + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
