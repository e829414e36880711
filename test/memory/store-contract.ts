import { rmSync } from "node:fs";
import { describe, it } from "vitest";
import type { EmbedderInfo, MemoryStore } from "../../memory/store/types.js";
import { validateStore } from "../../testing/store-conformance.js";
import { tempDir } from "./helpers.js";

/** Opens a directory memory; `options.embedder`, when given, replaces the factory's own. */
export interface StoreFactory {
  open(dir: string, options?: { readOnly?: boolean; embedder?: EmbedderInfo }): Promise<MemoryStore>;
}

/**
 * The conformance suite (testing/store-conformance.ts) for a backend that lives in a directory,
 * kept under its old name for the tests that still call it.
 */
export function storeContract(name: string, factory: StoreFactory): void {
  validateStore(
    {
      name,
      create: (embedder) => factory.open(tempDir("memp-conformance-"), { embedder }),
      // Always an explicit embedder: a factory that spreads the options over its defaults would let an undefined one through.
      reopen: (store, options) => factory.open(store.location, { readOnly: options.readOnly, embedder: options.embedder ?? store.embedder }),
      destroy: async (store) => rmSync(store.location, { recursive: true, force: true }),
      concurrentWriters: false,
    },
    { describe, it },
  );
}
