/** A memory moves between backends through export and import: a folder to PostgreSQL and back. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { MemoryBank } from "../../memory/bank.js";
import { exportMemory, importMemory } from "../../memory/transfer.js";
import { retrieveMemory } from "../../memory/retrieve/index.js";
import { makeEntry, tempDir } from "../memory/helpers.js";
import { describePostgres, Schemas } from "../postgres/helpers.js";

const schemas = new Schemas();
afterAll(() => schemas.dropAll());

describePostgres("moving a memory between backends", () => {
  it("folder -> postgres -> folder keeps every entry, its stats, version and provenance, and retrieval agrees", async () => {
    const e = new LocalHashEmbeddings({ dimension: 128 });
    const embeddings = { embeddings: e, id: e.id };
    const dir = tempDir();
    const source = await MemoryBank.open(join(dir, "a"), { embeddings });
    const entries = ["heat an egg and put it in the fridge", "cool a mug and put it on the desk", "clean a knife and put it in the drawer"].map((t, i) =>
      makeEntry(t, { stats: { hits: 3 + i, successes: i }, version: 2 + i, facts: { object: t.split(" ")[2]! } }),
    );
    await source.add(entries);
    await exportMemory(source, join(dir, "a.jsonl"));
    await source.close();

    const location = schemas.location();
    const server = await MemoryBank.open(location, { embeddings });
    expect(await importMemory(server, join(dir, "a.jsonl"))).toMatchObject({ imported: 3, skipped: 0 });
    expect(await importMemory(server, join(dir, "a.jsonl"))).toMatchObject({ imported: 0, skipped: 3 });
    const hits = await retrieveMemory(server, "query", { task: "cool a cup and put it on the table", k: 1 });
    expect(hits[0]!.entry.id).toBe(entries[1]!.id);
    await exportMemory(server, join(dir, "b.jsonl"));
    await server.close();

    const back = await MemoryBank.open(join(dir, "c"), { embeddings });
    await importMemory(back, join(dir, "b.jsonl"));
    expect(await back.store.list()).toEqual(entries);
    await back.close();
    const lines = (file: string) => readFileSync(join(dir, file), "utf8").trim().split("\n").slice(1).map((l) => JSON.parse(l));
    expect(lines("b.jsonl")).toEqual(lines("a.jsonl"));
  });
});
