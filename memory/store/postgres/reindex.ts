import type { MemoryEntry } from "../../types.js";
import type { EmbedderInfo, EntryVectors } from "../types.js";
import type { Sql } from "./db.js";
import { buildIndexes, linkFactValues, type WriteContext } from "./insert.js";
import { dropIndexSql, VECTOR_INDEX_DEFS } from "./schema.js";
import { vectorArrayParam } from "./vectors.js";

const CHUNK = 1000;

/**
 * Replaces every vector and the embedder in one transaction. The tables are held exclusively
 * for its length: other processes wait rather than read vectors of two embedders at once. The
 * indexes are dropped and rebuilt once at the end, faster than updating them row by row; a new
 * dimension changes the vector columns' type first (zero vectors stand in until the rows are
 * rewritten, so the columns stay NOT NULL).
 */
export async function rewriteVectors(
  sql: Sql,
  ctx: WriteContext,
  entries: MemoryEntry[],
  vectors: EntryVectors[],
  embedder: EmbedderInfo,
): Promise<void> {
  const { t } = ctx;
  for (const index of VECTOR_INDEX_DEFS) await sql.query(dropIndexSql(t, index));
  await sql.query(`DELETE FROM ${t.entryValues}`);
  await sql.query(`DELETE FROM ${t.factValues}`);
  const d = embedder.dimension;
  if (d !== ctx.dimension) {
    const zero = `array_fill(0::real, ARRAY[${d}])::vector(${d})`;
    await sql.query(`ALTER TABLE ${t.entries} ALTER COLUMN task TYPE vector(${d}) USING ${zero}, ALTER COLUMN facts TYPE vector(${d}) USING ${zero}`);
    await sql.query(`ALTER TABLE ${t.entries} ALTER COLUMN task SET STORAGE MAIN, ALTER COLUMN facts SET STORAGE MAIN`);
    await sql.query(`ALTER TABLE ${t.factValues} ALTER COLUMN vector TYPE vector(${d})`);
    await sql.query(`ALTER TABLE ${t.factValues} ALTER COLUMN vector SET STORAGE MAIN`);
  }
  for (let at = 0; at < entries.length; at += CHUNK) {
    const ids = entries.slice(at, at + CHUNK).map((e) => e.id);
    const vecs = vectors.slice(at, at + CHUNK);
    await sql.query(
      `UPDATE ${t.entries} e SET task = v.task, facts = v.facts
         FROM unnest($1::text[], $2::vector[], $3::vector[]) AS v(id, task, facts)
        WHERE e.id = v.id`,
      [ids, vectorArrayParam(vecs.map((v) => v.task), ctx.vectorOid), vectorArrayParam(vecs.map((v) => v.facts), ctx.vectorOid)],
    );
  }
  const next: WriteContext = { ...ctx, dimension: d };
  await linkFactValues(sql, next, entries, vectors);
  await sql.query(`UPDATE ${t.meta} SET embedder_id = $1, dimension = $2, state = $3::jsonb`, [
    embedder.id,
    d,
    embedder.state === undefined ? null : JSON.stringify(embedder.state),
  ]);
  await buildIndexes(sql, t, VECTOR_INDEX_DEFS, entries.length, d);
}
