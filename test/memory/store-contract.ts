import { describe, expect, it } from "vitest";
import { InputError } from "../../core/errors.js";
import type { MemoryStore } from "../../memory/store/types.js";
import { axis, makeEntry, tempDir, vectorsOf } from "./helpers.js";

const D = 8;
export interface StoreFactory {
  open(dir: string, options?: { readOnly?: boolean }): Promise<MemoryStore>;
}

/** The behaviour every MemoryStore backend must have. */
export function storeContract(name: string, factory: StoreFactory): void {
  describe(`MemoryStore contract: ${name}`, () => {
    it("adds, gets, lists and survives a reopen", async () => {
      const dir = tempDir();
      const s = await factory.open(dir);
      const a = makeEntry("heat an egg", { facts: { object: "egg" } });
      const b = makeEntry("cool a mug");
      await s.add([a, b], [vectorsOf(axis(D, 0), undefined, { egg: axis(D, 3) }), vectorsOf(axis(D, 1))]);
      expect(s.size()).toBe(2);
      expect(s.get(a.id)).toEqual(a);
      await s.close();
      const r = await factory.open(dir, { readOnly: true });
      expect(r.list()).toEqual([a, b]);
      expect(r.searchVector("task", axis(D, 1), 1)).toEqual([{ id: b.id, score: expect.closeTo(1, 5) }]);
      await r.close();
    });

    it("ranks by inner product, best first, and clamps k", async () => {
      const s = await factory.open(tempDir());
      const es = [0, 1, 2].map((i) => makeEntry(`task ${i}`));
      await s.add(es, [vectorsOf(axis(D, 0)), vectorsOf(axis(D, 1)), vectorsOf(axis(D, 0, 0.5))]);
      const hits = s.searchVector("task", axis(D, 0), 10);
      expect(hits.map((h) => h.id)).toEqual([es[0]!.id, es[2]!.id, es[1]!.id]);
      expect(hits[0]!.score).toBeCloseTo(1, 5);
      expect(hits[1]!.score).toBeCloseTo(1 / Math.hypot(1, 0.5), 5);
      expect(hits[2]!.score).toBeCloseTo(0, 5);
      await s.close();
    });

    it("searches the facts space separately from the task space", async () => {
      const s = await factory.open(tempDir());
      const a = makeEntry("a"), b = makeEntry("b");
      await s.add([a, b], [vectorsOf(axis(D, 0), axis(D, 5)), vectorsOf(axis(D, 1), axis(D, 4))]);
      expect(s.searchVector("facts", axis(D, 4), 1)[0]!.id).toBe(b.id);
      expect(s.searchVector("task", axis(D, 0), 1)[0]!.id).toBe(a.id);
      await s.close();
    });

    it("averages fact similarity over the keys an entry shares with the query", async () => {
      const s = await factory.open(tempDir());
      const a = makeEntry("a", { facts: { origin: "Paris", dest: "Rome" } });
      const b = makeEntry("b", { facts: { origin: "Oslo" } });
      const c = makeEntry("c");
      const paris = axis(D, 0), rome = axis(D, 1), oslo = axis(D, 2);
      await s.add([a, b, c], [
        vectorsOf(axis(D, 7), undefined, { Paris: paris, Rome: rome }),
        vectorsOf(axis(D, 7), undefined, { Oslo: oslo }),
        vectorsOf(axis(D, 7)),
      ]);
      const q = new Map([["origin", paris], ["dest", oslo]]);
      const hits = s.searchFactValues(q, 5);
      // a: mean(cos(Paris,Paris)=1, cos(Oslo,Rome)=0) = 0.5; b: only origin shared: cos(Paris,Oslo)=0; c shares none.
      expect(hits.map((h) => h.id)).toEqual([a.id, b.id]);
      expect(hits[0]!.score).toBeCloseTo(0.5, 5);
      expect(hits[1]!.score).toBeCloseTo(0, 5);
      await s.close();
    });

    it("updates, increments stats and deletes, keeping rows aligned", async () => {
      const dir = tempDir();
      const s = await factory.open(dir);
      const es = [0, 1, 2].map((i) => makeEntry(`t${i}`));
      await s.add(es, es.map((_, i) => vectorsOf(axis(D, i))));
      await s.incrementStats([{ id: es[1]!.id, hits: 2, successes: 1 }, { id: es[1]!.id, hits: 1, successes: 0 }]);
      expect(s.get(es[1]!.id)!.stats).toEqual({ hits: 3, successes: 1 });
      await s.update({ ...es[2]!, script: "new script" }, vectorsOf(axis(D, 6)));
      expect(await s.delete([es[0]!.id, "missing"])).toBe(1);
      expect(s.searchVector("task", axis(D, 6), 1)[0]!.id).toBe(es[2]!.id);
      expect(Array.from(s.vectorOf(es[2]!.id, "task")!)).toEqual(Array.from(axis(D, 6)));
      expect(s.vectorOf(es[0]!.id, "task")).toBeUndefined();
      expect(s.searchVector("task", axis(D, 1), 1)[0]!.id).toBe(es[1]!.id);
      await s.close();
      const r = await factory.open(dir, { readOnly: true });
      expect(r.list().map((e) => e.id)).toEqual([es[1]!.id, es[2]!.id]);
      expect(r.get(es[2]!.id)!.script).toBe("new script");
      expect(r.get(es[1]!.id)!.stats).toEqual({ hits: 3, successes: 1 });
      await r.close();
    });

    it("rejects duplicate ids, unknown ids and writes on a read-only store", async () => {
      const dir = tempDir();
      const s = await factory.open(dir);
      const a = makeEntry("a");
      await s.add([a], [vectorsOf(axis(D, 0))]);
      await expect(s.add([a], [vectorsOf(axis(D, 0))])).rejects.toThrow(/already exists/);
      await expect(s.incrementStats([{ id: "nope", hits: 1, successes: 0 }])).rejects.toThrow(InputError);
      await s.close();
      const r = await factory.open(dir, { readOnly: true });
      await expect(r.delete([a.id])).rejects.toThrow(/read-only/);
      await r.close();
    });
  });
}
