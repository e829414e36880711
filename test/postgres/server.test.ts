/**
 * The gate of the PostgreSQL tests: under CI a missing server is a failure (not a silent skip of
 * the whole backend); elsewhere the tests are skipped, and this says why once.
 */
import { describe, expect, it } from "vitest";
import { admin, POSTGRES_URL, SKIP_REASON } from "./helpers.js";

describe("the PostgreSQL test server", () => {
  if (!POSTGRES_URL && process.env.CI === "true") {
    it("is configured under CI", () => {
      throw new Error(`${SKIP_REASON}; under CI=true the PostgreSQL backend must be tested`);
    });
  } else if (!POSTGRES_URL) {
    it.skip(`is not configured: ${SKIP_REASON}`, () => undefined);
  } else {
    it("answers, with pgvector installed or installable", async () => {
      const { rows } = await admin(POSTGRES_URL!, (sql) => sql.query<{ v: string }>("SELECT current_setting('server_version_num') AS v"));
      expect(Number(rows[0]!.v)).toBeGreaterThanOrEqual(130000);
    });
  }
});
