import type { StoreBackend } from "../types.js";
import { isPostgresLocation } from "./location.js";
import { PostgresMemoryStore } from "./store.js";

/** The store backend for `postgres://` and `postgresql://` locations. */
export const postgresBackend: StoreBackend = {
  kind: "postgres",
  handles: isPostgresLocation,
  open: (location, options) => PostgresMemoryStore.open(location, options),
  peek: (location) => PostgresMemoryStore.peek(location),
};
