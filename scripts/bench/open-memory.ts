// Child of scripts/bench/memory.ts: times opening a memory directory in a fresh process, as a
// `memp memory search` would, and prints the milliseconds.
import { LocalMemoryStore } from "../../memory/store/local.js";

const [dir, dimension] = [process.argv[2]!, Number(process.argv[3])];
const t = performance.now();
const store = await LocalMemoryStore.open(dir, { embedder: { id: "bench", dimension }, readOnly: true });
const ms = performance.now() - t;
if (store.staleReason) throw new Error(`stale: ${store.staleReason}`);
process.stdout.write(`${ms}\n`);
