/** Memory locations on PostgreSQL: what is printed, what pg sees, which schema (no server needed). */
import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.js";
import { translateError } from "../../memory/store/postgres/errors.js";
import { DEFAULT_SCHEMA, isPostgresLocation, maskPassword, parseLocation, scrub } from "../../memory/store/postgres/location.js";

describe("PostgreSQL memory locations", () => {
  it("split into a printable form without the password, a pg URL without the schema, and the schema", () => {
    const loc = parseLocation("postgres://agent:s%40cret-99@db.example:6543/shared?schema=team_a&sslmode=require");
    expect(loc.display).toBe("postgres://agent:***@db.example:6543/shared?schema=team_a&sslmode=require");
    expect(loc.connectionString).toBe("postgres://agent:s%40cret-99@db.example:6543/shared?sslmode=require");
    expect(loc.schema).toBe("team_a");
    expect(loc.database).toBe("shared");
    expect(loc.user).toBe("agent");
    expect(loc.host).toBe("db.example:6543");
    expect(loc.secret).toBe("s@cret-99");
  });

  it("default to the memp schema, port 5432, and keep a location without a password as it is", () => {
    const loc = parseLocation("postgresql://localhost/memories");
    expect(loc.schema).toBe(DEFAULT_SCHEMA);
    expect(DEFAULT_SCHEMA).toBe("memp");
    expect(loc.display).toBe("postgresql://localhost/memories");
    expect(loc.host).toBe("localhost:5432");
    expect(loc.secret).toBeUndefined();
  });

  it("are recognised by their scheme, in any case", () => {
    for (const l of ["postgres://h/db", "postgresql://h/db", "POSTGRES://h/db", " postgresql://u:p@h:1/db?schema=x"]) expect(isPostgresLocation(l)).toBe(true);
    for (const l of ["/var/memp", "memory", "file:///tmp/x", "mysql://h/db", "postgres:/h"]) expect(isPostgresLocation(l)).toBe(false);
  });

  it("refuse a schema that is not a plain identifier, or given twice, naming the location without its password", () => {
    for (const bad of ["1abc", "a-b", "a b", '"x"', "x".repeat(64), ""]) {
      const call = () => parseLocation(`postgres://u:pw-123@h/db?schema=${encodeURIComponent(bad)}`);
      expect(call).toThrow(InputError);
      expect(call).toThrow(/postgres:\/\/u:\*\*\*@h\/db/);
      expect(call).not.toThrow(/pw-123/);
    }
    expect(() => parseLocation("postgres://h/db?schema=a&schema=b")).toThrow(/given 2 times/);
    expect(parseLocation(`postgres://h/db?schema=${"x".repeat(63)}`).schema).toHaveLength(63);
  });

  it("that do not parse are refused without echoing the password", () => {
    for (const bad of ["postgres://u:pw-123@[::1/db", "postgres://u:pw-123@h:99999/db"]) {
      const call = () => parseLocation(bad);
      expect(call).toThrow(InputError);
      expect(call).not.toThrow(/pw-123/);
    }
    expect(maskPassword("see postgres://u:pw@h/db and postgresql://v:x@y/z")).toBe("see postgres://u:***@h/db and postgresql://v:***@y/z");
  });

  it("scrub a password from whatever a driver says, in its plain and URL-encoded forms", () => {
    const loc = parseLocation("postgres://u:p%20w%40rd@h/db");
    expect(scrub("failed for p w@rd and p%20w%40rd", loc)).toBe("failed for *** and ***");
    const err = translateError(Object.assign(new Error("password p w@rd rejected"), { code: "28P01" }), loc) as Error;
    expect(err.message).not.toContain("p w@rd");
    expect(err.message).toContain("postgres://u:***@h/db");
  });
});
