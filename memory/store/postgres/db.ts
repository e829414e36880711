import type { Client, ClientConfig, Pool, PoolClient, QueryResultRow } from "pg";
import { ConfigError, StateError } from "../../../core/errors.js";
import { CONNECT_TIMEOUT_MS, isConnectionLost, isRetryable, QUERY_TIMEOUT_MS, sqlState, STATEMENT_TIMEOUT_MS, translateError } from "./errors.js";
import { scrub, type PostgresLocation } from "./location.js";

export interface QueryOptions {
  /** Client-side limit for a statement that may legitimately run long (an index build). */
  timeoutMs?: number;
}

export interface Rows<R> {
  rows: R[];
  rowCount: number;
}

/** Where a statement runs: the pool (each statement on its own) or one transaction's connection. */
export interface Sql {
  query<R extends QueryResultRow = Record<string, unknown>>(text: string, values?: readonly unknown[], options?: QueryOptions): Promise<Rows<R>>;
}

type PgModule = typeof import("pg");

/** pg is loaded on first use, so that users of the other backends never load it. */
async function loadPg(): Promise<PgModule> {
  const mod = (await import("pg")) as PgModule & { default?: PgModule };
  return mod.default ?? mod;
}

/** Transactions that deadlock or fail to serialize are run again, this many times in all. */
const MAX_ATTEMPTS = 5;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Jittered exponential backoff, so that the transactions that collided do not collide again in step. */
const backoff = (attempt: number) => 10 * 2 ** attempt * (0.5 + Math.random());

export interface VectorExtension {
  /** The schema the extension's types and operators live in (the connections' search_path). */
  schema: string;
  /** The `vector` type's oid, for binary `vector[]` parameters. */
  oid: number;
  /** Whether HNSW scans can keep going past a filter (pgvector 0.8). */
  iterativeScan: boolean;
}

export interface ConnectOptions {
  poolSize: number;
  onWarning: (message: string) => void;
}

function clientConfig(loc: PostgresLocation): ClientConfig {
  return {
    connectionString: loc.connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: "memp",
    keepAlive: true,
  };
}

/** Runs `fn` on one short-lived connection (for `peek` and the bootstrap of `open`). */
export async function withSingleConnection<T>(loc: PostgresLocation, fn: (sql: Sql, raw: Client) => Promise<T>): Promise<T> {
  const pg = await loadPg();
  const client = new pg.Client(clientConfig(loc));
  // A connection error is also thrown to the awaited call; the event only must not crash the process.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw translateError(err, loc);
  }
  try {
    return await fn(new ClientSql(client, loc), client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The pgvector extension of the database: found, or installed under an advisory lock when
 * allowed; undefined when it is missing and may not be installed (then no memory can exist).
 */
export async function findVectorExtension(sql: Sql, loc: PostgresLocation, install: boolean): Promise<VectorExtension | undefined> {
  const lookup = () =>
    sql.query<{ schema: string; version: string; oid: number }>(
      `SELECT n.nspname AS schema, e.extversion AS version, t.oid::int AS oid
         FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
         JOIN pg_type t ON t.typname = 'vector' AND t.typnamespace = e.extnamespace
        WHERE e.extname = 'vector'`,
    );
  let found = (await lookup()).rows[0];
  if (!found && install) {
    try {
      await sql.query("BEGIN");
      // Two memories created at once in one database would both try to install it.
      await sql.query("SELECT pg_advisory_xact_lock(hashtext('memp.extension'))");
      await sql.query("CREATE EXTENSION IF NOT EXISTS vector");
      await sql.query("COMMIT");
    } catch (err) {
      await sql.query("ROLLBACK").catch(() => undefined);
      const state = sqlState(err);
      if (state === "42501") {
        throw new ConfigError(`${loc.display}: the pgvector extension is not installed in database "${loc.database}" and user "${loc.user}" may not install it; run CREATE EXTENSION vector there as its owner or a superuser`, { cause: err });
      }
      if (state === "0A000" || state === "58P01" || state === "42704") {
        throw new ConfigError(`${loc.display}: the PostgreSQL server has no pgvector extension to install; expected pgvector 0.5 or later (https://github.com/pgvector/pgvector)`, { cause: err });
      }
      throw err;
    }
    found = (await lookup()).rows[0];
  }
  if (!found) return undefined;
  const [major = 0, minor = 0] = found.version.split(".").map(Number);
  if (major === 0 && minor < 5) {
    throw new ConfigError(`${loc.display}: pgvector ${found.version} has no HNSW indexes; expected pgvector 0.5 or later (ALTER EXTENSION vector UPDATE)`);
  }
  return { schema: found.schema, oid: found.oid, iterativeScan: major > 0 || minor >= 8 };
}

/** A query on one connection, its errors made one-line project errors. */
class ClientSql implements Sql {
  constructor(
    protected readonly client: Client | PoolClient,
    protected readonly loc: PostgresLocation,
  ) {}

  async query<R extends QueryResultRow>(text: string, values?: readonly unknown[], options?: QueryOptions): Promise<Rows<R>> {
    try {
      const res = await this.client.query<R>(queryConfig(text, values, options));
      return { rows: res.rows, rowCount: res.rowCount ?? 0 };
    } catch (err) {
      throw translateError(err, this.loc);
    }
  }
}

function queryConfig(text: string, values: readonly unknown[] | undefined, options: QueryOptions | undefined) {
  // pg takes a per-query read timeout that its typings do not declare.
  return { text, values: values as unknown[] | undefined, ...(options?.timeoutMs ? { query_timeout: options.timeoutMs } : {}) };
}

/**
 * One transaction's connection. A failed statement aborts the transaction on the server, after
 * which COMMIT quietly rolls back; so the first failure is kept, and the transaction fails with
 * it even when the caller's function caught it.
 */
export class TxSql extends ClientSql {
  failure: unknown;
  lost = false;

  override async query<R extends QueryResultRow>(text: string, values?: readonly unknown[], options?: QueryOptions): Promise<Rows<R>> {
    try {
      return await super.query<R>(text, values, options);
    } catch (err) {
      this.failure ??= err;
      if (isConnectionLost(err)) this.lost = true;
      throw err;
    }
  }

  /** A statement of the transaction's own frame (BEGIN, COMMIT), outside the failure record. */
  async control(text: string): Promise<void> {
    try {
      await this.client.query(text);
    } catch (err) {
      if (isConnectionLost(err)) this.lost = true;
      throw translateError(err, this.loc);
    }
  }
}

/** The memory's connection pool. */
export class Database implements Sql {
  private constructor(
    private readonly pool: Pool,
    readonly loc: PostgresLocation,
    readonly vector: VectorExtension,
  ) {}

  static async connect(loc: PostgresLocation, vector: VectorExtension, options: ConnectOptions): Promise<Database> {
    const pg = await loadPg();
    const pool = new pg.Pool({
      ...clientConfig(loc),
      max: options.poolSize,
      idleTimeoutMillis: 30_000,
      // An open memory must not keep a finished CLI command alive.
      allowExitOnIdle: true,
      // The memory's own tables are always schema-qualified; the path only has to find pgvector.
      options: `-c search_path=${searchPathValue(vector.schema)}`,
    });
    // An idle connection that breaks (server restart) is dropped by the pool; say so, and carry on.
    pool.on("error", (err) => options.onWarning(`${loc.display}: an idle connection failed (${scrub(err.message, loc)}); it will be replaced`));
    return new Database(pool, loc, vector);
  }

  async query<R extends QueryResultRow>(text: string, values?: readonly unknown[], options?: QueryOptions): Promise<Rows<R>> {
    try {
      const res = await this.pool.query<R>(queryConfig(text, values, options));
      return { rows: res.rows, rowCount: res.rowCount ?? 0 };
    } catch (err) {
      throw translateError(err, this.loc);
    }
  }

  /**
   * Runs `fn` in one transaction on a dedicated connection: BEGIN, COMMIT, or ROLLBACK when it
   * throws. A deadlock or serialization failure runs the whole of `fn` again, after a pause.
   */
  async transaction<T>(fn: (sql: TxSql) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.checkout();
      const tx = new TxSql(client, this.loc);
      try {
        await tx.control("BEGIN");
        const result = await fn(tx);
        if (tx.failure !== undefined) throw tx.failure;
        await tx.control("COMMIT");
        client.release();
        return result;
      } catch (err) {
        if (!tx.lost) await client.query("ROLLBACK").catch(() => (tx.lost = true));
        client.release(tx.lost ? true : undefined);
        if (isRetryable(err) && attempt < MAX_ATTEMPTS) {
          await pause(backoff(attempt));
          continue;
        }
        if (isRetryable(err)) {
          throw new StateError(`${this.loc.display}: the transaction kept colliding with other writers (${sqlState(err) === "40P01" ? "deadlock" : "serialization failure"}, ${MAX_ATTEMPTS} attempts); try again`, { cause: err });
        }
        throw err;
      }
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }

  private async checkout(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw translateError(err, this.loc);
    }
  }
}

/** A search_path value for a startup `-c` option: quoted, with what the options parser splits on escaped. */
function searchPathValue(schema: string): string {
  return `"${schema.replace(/"/g, '""')}"`.replace(/\\/g, "\\\\").replace(/\s/g, (c) => `\\${c}`);
}
