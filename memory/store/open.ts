import { ConfigError } from "../../core/errors.js";
import { LocalMemoryStore } from "./local.js";
import type { EmbedderInfo, MemoryStore, OpenStoreOptions, StoreBackend } from "./types.js";

/**
 * A backend named by its location's scheme, loaded on first use, so that the local backend's
 * users never load a database client.
 */
function lazyBackend(kind: string, scheme: RegExp, load: () => Promise<StoreBackend>): StoreBackend {
  return {
    kind,
    handles: (location) => scheme.test(location),
    open: async (location, options) => (await load()).open(location, options),
    peek: async (location) => (await load()).peek(location),
  };
}

/** Any location no other backend claims is a directory. */
export const localBackend: StoreBackend = {
  kind: "local",
  handles: () => true,
  open: (location, options) => LocalMemoryStore.open(location, options),
  peek: async (location) => LocalMemoryStore.peek(location)?.embedder,
};

const backends: StoreBackend[] = [
  lazyBackend("postgres", /^postgres(ql)?:\/\//i, async () => (await import("./postgres/index.js")).postgresBackend),
  lazyBackend("in-memory", /^memory:\/\//i, async () => (await import("./in-memory.js")).inMemoryBackend),
];

/**
 * Makes `MemoryBank.open`, the CLI's `--memory` and the runners open memories of another kind:
 * the first registered backend whose `handles` accepts a location serves it (later registrations
 * are asked first, so a backend can take over a scheme).
 */
export function registerStoreBackend(backend: StoreBackend): void {
  if (!backend || typeof backend.handles !== "function" || typeof backend.open !== "function" || typeof backend.peek !== "function") {
    throw new ConfigError("a store backend needs kind, handles(location), open(location, options) and peek(location)");
  }
  backends.unshift(backend);
}

export function backendFor(location: string): StoreBackend {
  return backends.find((b) => b.handles(location)) ?? localBackend;
}

/** Opens the memory at a location: a directory, `postgres://...`, `memory://name`, or a registered scheme. */
export function openStore(location: string, options: OpenStoreOptions): Promise<MemoryStore> {
  return backendFor(location).open(location, options);
}

/** The embedder a memory was indexed with, without opening it; undefined when there is no memory. */
export function peekStore(location: string): Promise<EmbedderInfo | undefined> {
  return backendFor(location).peek(location);
}
