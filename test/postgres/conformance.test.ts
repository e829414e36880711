/** The storage contract's conformance suite, run against the PostgreSQL backend. */
import { describe, it } from "vitest";
import { PostgresMemoryStore } from "../../memory/store/postgres/index.js";
import type { MemoryStore } from "../../memory/store/types.js";
import { validateStore } from "../../testing/store-conformance.js";
import { describePostgres, dropSchema, freshLocation } from "./helpers.js";

describePostgres("PostgreSQL backend", () => {
  /** Each memory's location (its own schema) and the embedder it was created with. */
  const created = new Map<MemoryStore, { location: string; embedder: MemoryStore["embedder"] }>();
  validateStore(
    {
      name: "postgres",
      concurrentWriters: true,
      async create(embedder) {
        const location = freshLocation();
        const store = await PostgresMemoryStore.open(location, { embedder });
        created.set(store, { location, embedder });
        return store;
      },
      async reopen(store, options) {
        const { location, embedder } = created.get(store)!;
        return PostgresMemoryStore.open(location, { embedder: options.embedder ?? embedder, readOnly: options.readOnly });
      },
      async destroy(store) {
        const { location } = created.get(store)!;
        created.delete(store);
        await dropSchema(location);
      },
    },
    { describe, it },
  );
});
