/**
 * A child process for the concurrency tests: rewrites one entry `count` times, each time in a
 * transaction that locks it, reads it, updates it and logs the version it made (with the version
 * it replaced) in the history log, so the log shows whether two rewrites ever saw the same state.
 * Usage: fixture-update.ts LOCATION COUNT ID WORKER
 */
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import { EMBEDDER } from "./entries.js";

const [location, count, id, worker] = process.argv.slice(2);
const store = await PostgresMemoryStore.open(location!, { embedder: EMBEDDER, create: false, poolSize: 2 });
for (let i = 0; i < Number(count); i++) {
  await store.transaction(async (tx) => {
    await tx.lock([id!]);
    const current = (await tx.get(id!))!;
    const { previous, current: next } = await tx.update({ ...current, script: `rewrite ${i} by worker ${worker}` });
    await tx.appendLog("history", [{ id, version: next.version, previous: previous.version ?? 1, worker: Number(worker) }]);
  });
}
await store.close();
