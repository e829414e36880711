/**
 * A child process for the concurrency tests: waits for the given moment (so that all the
 * children open at once), opens the memory at LOCATION, creating it if it is new, and prints
 * how many entries it sees.
 * Usage: fixture-open.ts LOCATION START_AT_MS
 */
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { EMBEDDER } from "./entries.js";

const [location, startAt] = process.argv.slice(2);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const store = await PostgresMemoryStore.open(location!, { embedder: EMBEDDER, poolSize: 1 });
process.stdout.write(`${await store.size()}\n`);
await store.close();
