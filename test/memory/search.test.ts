import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exactTopK, simdIndex, TopK } from "../../memory/store/search.js";
import { SimdScanner } from "../../memory/store/simd.js";
import { decodeFlatIP, encodeFlatIP, VectorMatrix } from "../../memory/store/vectors.js";
import { axis, makeEntry, tempDir, vectorsOf } from "./helpers.js";
import { LocalMemoryStore } from "../../memory/store/local.js";

function randomMatrix(n: number, d: number, seed = 1): VectorMatrix {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
  const m = new VectorMatrix(d);
  for (let i = 0; i < n; i++) m.push(Float32Array.from({ length: d }, rand));
  return m;
}

describe("SIMD scan", () => {
  it.each([384, 13, 8])("matches the exact scan (d=%i, padding included)", (d) => {
    const m = randomMatrix(500, d);
    const scanner = SimdScanner.create(m.view, d)!;
    expect(scanner).toBeDefined();
    const q = m.row(42).slice();
    const scores = scanner.scores(q);
    for (const r of [0, 42, 499]) {
      const ref = m.row(r).reduce((acc, v, j) => acc + v * q[j]!, 0);
      expect(scores[r]).toBeCloseTo(ref, 3);
    }
    expect(simdIndex(scanner).search(q, 10).map((h) => h.row)).toEqual(exactTopK(m, q, 10).map((h) => h.row));
  });

  it.each([384, 13, 8])("re-scores chosen rows with the full scan's very float32 values (d=%i)", (d) => {
    const m = randomMatrix(700, d, 3);
    const scanner = SimdScanner.create(m.view, d)!;
    const q = m.row(7).slice();
    const full = scanner.scores(q).slice();
    const rows = Int32Array.from([699, 0, 7, 7, 350, 1]);
    expect(Array.from(scanner.rescore(q, rows))).toEqual(Array.from(rows, (r) => full[r]));
    expect(scanner.rescore(q, new Int32Array(0))).toHaveLength(0);
  });
});

describe("TopK", () => {
  it("keeps the k best, ties by lower row", () => {
    const top = new TopK(3);
    [0.1, 0.9, 0.5, 0.9, 0.2, 0.7].forEach((s, r) => top.offer(r, s));
    expect(top.sorted()).toEqual([{ row: 1, score: 0.9 }, { row: 3, score: 0.9 }, { row: 5, score: 0.7 }]);
  });
});

describe("index files", () => {
  it("are faiss IndexFlatIP files that faiss itself reads", async () => {
    const dir = tempDir();
    const s = await LocalMemoryStore.open(dir, { embedder: { id: "e", dimension: 8 } });
    await s.add([makeEntry("a"), makeEntry("b")], [vectorsOf(axis(8, 0)), vectorsOf(axis(8, 3))]);
    await s.close();
    const faiss = createRequire(import.meta.url)("faiss-node") as {
      Index: { read(path: string): { ntotal(): number; search(x: number[], k: number): { labels: number[]; distances: number[] } } };
    };
    const index = faiss.Index.read(join(dir, "index.faiss"));
    expect(index.ntotal()).toBe(2);
    expect(index.search(Array.from(axis(8, 3)), 1).labels).toEqual([1]);
    const m = decodeFlatIP(readFileSync(join(dir, "index.faiss")), "index.faiss");
    expect(Array.from(m.row(1))).toEqual(Array.from(axis(8, 3)));
    expect(encodeFlatIP(m).equals(readFileSync(join(dir, "index.faiss")))).toBe(true);
  });

  it("rejects a truncated index file with its name", () => {
    const m = randomMatrix(3, 4);
    const buf = encodeFlatIP(m);
    expect(() => decodeFlatIP(buf.subarray(0, buf.length - 4), "x/index.faiss")).toThrow(/x\/index\.faiss: faiss index header does not match its size/);
  });
});
