/**
 * A child process for the concurrency tests: opens a memory and adds `count` increments, one
 * call each, round-robin over the given ids (a hit each, a success every other one).
 * Usage: fixture-increment.ts LOCATION COUNT ID...
 */
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { EMBEDDER } from "./entries.js";

const [location, count, ...ids] = process.argv.slice(2);
const store = await PostgresMemoryStore.open(location!, { embedder: EMBEDDER, create: false, poolSize: 2 });
for (let i = 0; i < Number(count); i++) {
  await store.incrementStats([{ id: ids[i % ids.length]!, hits: 1, successes: i % 2 }]);
}
await store.close();
