import { InputError } from "../../../core/errors.js";

/** The PostgreSQL schema a memory lives in when the location names none. */
export const DEFAULT_SCHEMA = "memp";

const URL_PATTERN = /^postgres(ql)?:\/\//i;
// Unquoted-identifier characters only, so a schema name never needs escaping anywhere (SQL,
// advisory-lock keys, messages) and reads the same in psql; 63 bytes is PostgreSQL's NAMEDATALEN.
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A memory location split into what is safe to print and what only pg may see. */
export interface PostgresLocation {
  /** The location with its password replaced by `***`: the only form put in messages. */
  readonly display: string;
  /** What pg connects with: the URL without the `schema` parameter. */
  readonly connectionString: string;
  /** The PostgreSQL schema that holds the memory. */
  readonly schema: string;
  readonly database: string;
  readonly user: string;
  readonly host: string;
  /** The password (decoded), for scrubbing it from anything a driver might echo. */
  readonly secret: string | undefined;
}

export function isPostgresLocation(location: string): boolean {
  return URL_PATTERN.test(location.trim());
}

/** Masks what looks like a password in a URL that may not even parse. */
export function maskPassword(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^@\s/]*@/g, "$1***@");
}

export function parseLocation(location: string): PostgresLocation {
  const raw = location.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not attached as the cause: URL errors carry the input, password included.
    throw new InputError("not a valid URL; expected postgres://user[:password]@host[:port]/database[?schema=NAME]", { file: maskPassword(raw) });
  }
  if (!URL_PATTERN.test(raw)) throw new InputError("expected a postgres:// or postgresql:// URL", { file: maskPassword(raw) });
  const params = url.searchParams;
  const schemas = params.getAll("schema");
  if (schemas.length > 1) throw new InputError(`the schema parameter is given ${schemas.length} times; expected at most one`, { file: display(url), field: "schema" });
  const schema = schemas[0] ?? DEFAULT_SCHEMA;
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new InputError(`"${schema}" is not a plain identifier; expected letters, digits and _ (not starting with a digit), at most 63 characters`, { file: display(url), field: "schema" });
  }
  const secret = url.password ? safeDecode(url.password) : undefined;
  const printable = display(url);
  const forPg = new URL(url.href);
  forPg.searchParams.delete("schema");
  const database = safeDecode(url.pathname.replace(/^\//, "")) || safeDecode(url.username) || "postgres";
  return {
    display: printable,
    connectionString: forPg.href,
    schema,
    database,
    user: safeDecode(url.username) || "(default user)",
    host: `${url.hostname || "localhost"}:${url.port || "5432"}`,
    secret,
  };
}

function display(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = "***";
  return shown.href;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Removes a password from text that a driver or server produced, whatever form it took there. */
export function scrub(text: string, loc: Pick<PostgresLocation, "secret">): string {
  let out = maskPassword(text);
  const secret = loc.secret;
  // A very short password would blank out ordinary letters of the message; it cannot be told
  // apart from them anyway.
  if (secret && secret.length >= 3) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join("***");
  }
  return out;
}
