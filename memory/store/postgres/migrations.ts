import { InputError } from "../../../core/errors.js";
import type { EmbedderInfo } from "../types.js";
import type { Database, Sql } from "./db.js";
import type { PostgresLocation } from "./location.js";
import { createIndexSql, VECTOR_INDEX_DEFS, type Tables } from "./schema.js";

interface MigrationContext {
  t: Tables;
  /** The vector dimension the memory was created with (fixed by its embedder). */
  dimension: number;
}

interface Migration {
  version: number;
  statements(ctx: MigrationContext): string[];
}

/**
 * The memory's schema, as the ordered steps that build it. A step, once released, never changes:
 * a change is a new step, so every memory reaches the same schema whatever version it started at.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: ({ t, dimension: d }) => [
      `CREATE TABLE ${t.meta} (
         singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
         embedder_id text NOT NULL,
         dimension integer NOT NULL CHECK (dimension > 0),
         state jsonb,
         created_at timestamptz NOT NULL DEFAULT now())`,
      // seq is the add order (list order, search ties); the counters live in columns so that
      // increments are single UPDATEs, and the jsonb holds the rest of the entry.
      `CREATE TABLE ${t.entries} (
         seq bigserial NOT NULL UNIQUE,
         id text PRIMARY KEY,
         entry jsonb NOT NULL,
         version integer NOT NULL CHECK (version > 0),
         hits integer NOT NULL CHECK (hits >= 0),
         successes integer NOT NULL CHECK (successes >= 0),
         task vector(${d}) NOT NULL,
         facts vector(${d}) NOT NULL)`,
      // Two 384-d vectors already pass PostgreSQL's 2 kB threshold, after which every row would
      // have its jsonb moved to the TOAST table and its vectors run through a compressor they
      // defeat: rows stay whole up to a page instead. MAIN keeps vectors in the row (a scan never
      // fetches them from TOAST) unless a row cannot fit a page at all.
      `ALTER TABLE ${t.entries} ALTER COLUMN task SET STORAGE MAIN, ALTER COLUMN facts SET STORAGE MAIN, SET (toast_tuple_target = 8160)`,
      `CREATE TABLE ${t.factValues} (
         seq bigserial NOT NULL UNIQUE,
         text text PRIMARY KEY,
         vector vector(${d}) NOT NULL)`,
      `ALTER TABLE ${t.factValues} ALTER COLUMN vector SET STORAGE MAIN`,
      // Which live entry refers to which fact value. No foreign keys: their per-row checks were
      // most of a bulk load's link time (6.7 s of 100,000 entries' 200,000 links, against 1.8 s
      // without); every write that removes or rewrites an entry removes its links with it.
      `CREATE TABLE ${t.entryValues} (
         entry_id text NOT NULL,
         value text NOT NULL,
         PRIMARY KEY (entry_id, value))`,
      `CREATE INDEX entry_values_value ON ${t.entryValues} (value)`,
      `CREATE TABLE ${t.archive} (
         seq bigserial PRIMARY KEY,
         id text NOT NULL,
         entry jsonb NOT NULL,
         reason text NOT NULL,
         retired_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE INDEX archive_id ON ${t.archive} (id, seq)`,
      `CREATE TABLE ${t.logs.history} (seq bigserial PRIMARY KEY, record jsonb NOT NULL)`,
      // A batch tag is unique across processes: the second attempt to apply a batch fails.
      `CREATE TABLE ${t.logs.updates} (seq bigserial PRIMARY KEY, record jsonb NOT NULL, tag text UNIQUE)`,
      ...VECTOR_INDEX_DEFS.map((index) => createIndexSql(t, index)),
    ],
  },
];

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The memory's schema version, or undefined when the schema holds no memory. */
export async function schemaVersion(sql: Sql, t: Tables): Promise<number | undefined> {
  // A catalog query, not to_regclass: after waiting for the migration lock, this session's
  // catalog cache can still miss the tables another process has just committed.
  const exists = await sql.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1 AND c.relname = 'schema_version' AND c.relkind = 'r') AS present`,
    [t.schemaName],
  );
  if (!exists.rows[0]?.present) return undefined;
  const res = await sql.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${t.version}`);
  return res.rows[0]?.version ?? undefined;
}

export function refuseNewer(version: number, loc: PostgresLocation): void {
  if (version > SCHEMA_VERSION) {
    throw new InputError(`the memory's schema version is ${version}, newer than this memp knows (${SCHEMA_VERSION}); upgrade memp`, { file: loc.display });
  }
}

/**
 * Brings the memory's schema up to SCHEMA_VERSION, creating the memory (with `embedder`) when
 * there is none. It all happens in one transaction under an advisory lock on the schema's name,
 * so processes opening a new memory at once run each step exactly once, and a failed step leaves
 * nothing behind.
 */
export async function migrate(db: Database, t: Tables, loc: PostgresLocation, embedder: EmbedderInfo): Promise<void> {
  await db.transaction(async (sql) => {
    await sql.query("SELECT pg_advisory_xact_lock(hashtext('memp.schema'), hashtext($1))", [t.schemaName]);
    const current = (await schemaVersion(sql, t)) ?? 0;
    refuseNewer(current, loc);
    if (current === SCHEMA_VERSION) return;
    if (current === 0) await refuseForeignSchema(sql, t, loc);
    await sql.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
    await sql.query(`CREATE TABLE IF NOT EXISTS ${t.version} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const dimension = current === 0 ? embedder.dimension : await storedDimension(sql, t);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      for (const statement of m.statements({ t, dimension })) await sql.query(statement);
      await sql.query(`INSERT INTO ${t.version} (version) VALUES ($1)`, [m.version]);
    }
    if (current === 0) {
      await sql.query(`INSERT INTO ${t.meta} (embedder_id, dimension, state) VALUES ($1, $2, $3::jsonb)`, [
        embedder.id,
        embedder.dimension,
        embedder.state === undefined ? null : JSON.stringify(embedder.state),
      ]);
    }
  });
}

async function storedDimension(sql: Sql, t: Tables): Promise<number> {
  const res = await sql.query<{ dimension: number }>(`SELECT dimension FROM ${t.meta}`);
  return res.rows[0]!.dimension;
}

/** A schema that already holds other tables is someone else's: a memory is not created in it. */
async function refuseForeignSchema(sql: Sql, t: Tables, loc: PostgresLocation): Promise<void> {
  const res = await sql.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
    [t.schemaName],
  );
  if ((res.rows[0]?.n ?? 0) > 0) {
    throw new InputError(`schema "${t.schemaName}" already holds tables that are not a memp memory; name another with ?schema=NAME`, { file: loc.display, field: "schema" });
  }
}
