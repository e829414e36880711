import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describe } from "vitest";
import { withSingleConnection, type Sql } from "../../memory/store/postgres/db.js";
import { parseLocation } from "../../memory/store/postgres/location.js";

/** The server the tests use (`.ci/postgres` prints one); unset, the PostgreSQL tests are skipped (or fail under CI). */
export const POSTGRES_URL = process.env.MEMP_TEST_POSTGRES_URL || undefined;

export const SKIP_REASON = "MEMP_TEST_POSTGRES_URL is not set (start a server with .ci/postgres and export the URL it prints)";

/** `describe` when a server is configured; otherwise skipped, the reason in its name. */
export function describePostgres(name: string, fn: () => void): void {
  if (POSTGRES_URL) describe(name, fn);
  else describe.skip(`${name}: skipped, ${SKIP_REASON}`, fn);
}

/** A location on the test server with a schema of its own, and the URL it is derived from. */
export function freshLocation(base = POSTGRES_URL!): string {
  const schema = `memp_test_${randomBytes(6).toString("hex")}`;
  return withSchema(base, schema);
}

export function withSchema(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set("schema", schema);
  return url.href;
}

/** Runs SQL on the test server outside any memory (to inspect or damage one). */
export function admin<T>(location: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withSingleConnection(parseLocation(location), fn);
}

/** Drops the schema of a test's memory (and everything in it). */
export async function dropSchema(location: string): Promise<void> {
  const { schema } = parseLocation(location);
  await admin(location, (sql) => sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** Collects the locations a test created and drops their schemas afterwards. */
export class Schemas {
  private readonly made: string[] = [];

  location(): string {
    const loc = freshLocation();
    this.made.push(loc);
    return loc;
  }

  async dropAll(): Promise<void> {
    for (const loc of this.made.splice(0)) await dropSchema(loc);
  }
}

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of this folder's fixtures in a process of its own. */
export function runFixture(name: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, name), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
