export { postgresBackend } from "./backend.js";
export { DEFAULT_SCHEMA } from "./location.js";
export { PostgresMemoryStore, type OpenPostgresStoreOptions } from "./store.js";
