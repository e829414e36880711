import { describe, expect, it } from "vitest";
import { QuantizedFilter } from "../../memory/store/quantized.js";
import { EXACT_SCAN_FLOATS, exactTopK, simdIndex, TopK, type RowHit } from "../../memory/store/search.js";
import { SimdScanner } from "../../memory/store/simd.js";
import { VectorMatrix } from "../../memory/store/vectors.js";

/** Unit vectors around random centres, as the memory benchmark draws them (text embeddings cluster). */
function clusters(d: number, seed: number, options: { centres?: number; noise?: number } = {}) {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: options.centres ?? 1000 }, () => Float32Array.from({ length: d }, gauss));
  const noise = options.noise ?? 0.8;
  const draw = () => {
    const c = centres[Math.floor(rand() * centres.length)]!;
    const v = Float32Array.from(c, (x) => x + noise * gauss());
    let n = 0;
    for (const x of v) n += x * x;
    return v.map((x) => x / Math.sqrt(n));
  };
  const rows = (n: number) => {
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) data.set(draw(), i * d);
    return data;
  };
  return { draw, rows };
}

/** The full SIMD scan, as the index answered before it had a first pass. */
function fullScan(scanner: SimdScanner, q: Float32Array, k: number): RowHit[] {
  return topOf(scanner.scores(q), k);
}

function topOf(scores: Float32Array, k: number): RowHit[] {
  const top = new TopK(k);
  for (let r = 0; r < scores.length; r++) if (scores[r]! > top.worst) top.offer(r, scores[r]!);
  return top.sorted();
}

/** Recall@k of the index against the full scan, checking every returned score on the way. */
function recallOf(scanner: SimdScanner, index: ReturnType<typeof simdIndex>, queries: Float32Array[], k: number): number {
  let found = 0;
  const wrong: string[] = [];
  for (const q of queries) {
    const exact = scanner.scores(q).slice();
    const want = new Set(topOf(exact, k).map((h) => h.row));
    const got = index.search(q, k);
    if (got.length !== k) wrong.push(`${got.length} hits`);
    for (const [i, h] of got.entries()) {
      // The exact float32 score of that row, bit for bit, in best-first order, ties by lower row.
      if (h.score !== exact[h.row]) wrong.push(`row ${h.row}: ${h.score} != ${exact[h.row]}`);
      const prev = got[i - 1];
      if (prev && !(prev.score > h.score || (prev.score === h.score && prev.row < h.row))) wrong.push(`order at ${i}`);
      if (want.has(h.row)) found++;
    }
  }
  expect(wrong).toEqual([]);
  return found / (k * queries.length);
}

describe("quantized first pass", () => {
  it("keeps recall@10 >= 0.99 on clustered vectors above the exact threshold", () => {
    const d = 384;
    const n = Math.ceil((1.5 * EXACT_SCAN_FLOATS) / d);
    const gen = clusters(d, 7);
    const scanner = SimdScanner.create(gen.rows(n), d)!;
    const index = simdIndex(scanner);
    expect(index.approximate).toBe(true);
    // Fresh draws: near the stored vectors, never equal to one.
    const queries = Array.from({ length: 300 }, gen.draw);
    expect(recallOf(scanner, index, queries, 10)).toBeGreaterThanOrEqual(0.99);
  });

  it("returns exactly the exact scan's results below the threshold", () => {
    const d = 384;
    const n = Math.floor(EXACT_SCAN_FLOATS / d) - 1;
    const gen = clusters(d, 11);
    const data = gen.rows(n);
    const scanner = SimdScanner.create(data, d)!;
    const index = simdIndex(scanner);
    expect(index.approximate).toBe(false);
    const m = new VectorMatrix(d, 0, data);
    for (let i = 0; i < 40; i++) {
      const q = gen.draw();
      const got = index.search(q, 10);
      expect(got).toEqual(fullScan(scanner, q, 10));
      expect(got.map((h) => h.row)).toEqual(exactTopK(m, q, 10).map((h) => h.row));
    }
  });

  it.each([13, 200, 384])("pads a %i-dim space to its code widths", (d) => {
    const gen = clusters(d, d, { centres: 100, noise: 0.5 });
    const scanner = SimdScanner.create(gen.rows(6000), d)!;
    const index = simdIndex(scanner, { exactBelowFloats: 0 });
    expect(index.approximate).toBe(true);
    expect(recallOf(scanner, index, Array.from({ length: 100 }, gen.draw), 10)).toBeGreaterThanOrEqual(0.99);
  });

  it("breaks ties by lower row, as the exact scan does", () => {
    const d = 64;
    const gen = clusters(d, 3, { centres: 20 });
    const data = gen.rows(6000);
    const twin = data.slice(100 * d, 101 * d);
    for (const r of [4000, 150, 5999, 2500, 151, 3000, 777, 1200, 4500, 5000, 20, 5998]) data.set(twin, r * d);
    const scanner = SimdScanner.create(data, d)!;
    const index = simdIndex(scanner, { exactBelowFloats: 0 });
    expect(index.approximate).toBe(true);
    const hits = index.search(twin, 10);
    expect(hits).toEqual(fullScan(scanner, twin, 10));
    expect(hits.map((h) => h.row)).toEqual([20, 100, 150, 151, 777, 1200, 2500, 3000, 4000, 4500]);
  });

  it("scans every row for a k near the size, a zero query or a non-finite one", () => {
    const d = 32;
    const gen = clusters(d, 5, { centres: 10 });
    const scanner = SimdScanner.create(gen.rows(6000), d)!;
    const index = simdIndex(scanner, { exactBelowFloats: 0 });
    const q = gen.draw();
    expect(index.search(q, 1000)).toEqual(fullScan(scanner, q, 1000));
    expect(index.search(q, Infinity)).toHaveLength(6000);
    expect(index.search(new Float32Array(d), 5)).toEqual(fullScan(scanner, new Float32Array(d), 5));
    expect(index.search(new Float32Array(d).fill(NaN), 5)).toEqual([]);
    expect(index.search(q, 0)).toEqual([]);
  });
});

describe("QuantizedFilter", () => {
  const d = 96;
  const gen = clusters(d, 21, { centres: 50 });
  const n = 5000;
  const data = gen.rows(n);
  const filter = QuantizedFilter.build(data, n, d)!;
  const m = new VectorMatrix(d, 0, data);

  it("returns `keep` distinct rows in increasing order", () => {
    const q = gen.draw();
    for (const [shortlist, keep] of [[500, 100], [100, 100], [n, 7], [n + 10, n + 10], [10, 0]] as const) {
      const rows = filter.candidates(q, shortlist, keep);
      expect(rows).toHaveLength(Math.min(keep, n));
      for (let i = 1; i < rows.length; i++) expect(rows[i]!).toBeGreaterThan(rows[i - 1]!);
      for (const r of rows) expect(r >= 0 && r < n).toBe(true);
    }
  });

  it("ranks by int8 codes nearly as float32 does", () => {
    // With the whole index as the shortlist, only the int8 pass decides.
    let found = 0;
    for (let i = 0; i < 50; i++) {
      const q = gen.draw();
      const got = new Set(filter.candidates(q, n, 20));
      for (const h of exactTopK(m, q, 10)) if (got.has(h.row)) found++;
    }
    expect(found / 500).toBeGreaterThanOrEqual(0.99);
  });

  it("shortlists by Hamming distance the rows near the query", () => {
    // With keep equal to the shortlist, only the binary pass decides.
    let found = 0;
    for (let i = 0; i < 50; i++) {
      const q = gen.draw();
      const got = new Set(filter.candidates(q, 500, 500));
      for (const h of exactTopK(m, q, 10)) if (got.has(h.row)) found++;
    }
    expect(found / 500).toBeGreaterThanOrEqual(0.95);
  });

  // Rows of ±1 around an exact zero mean (each row has its negation beside it): then the Hamming
  // distance is (d - <q, x>) / 2 and the int8 codes are exact, so either pass alone must rank
  // exactly as the inner product does, ties by lower row, whatever the code width.
  it.each([8, 100, 1100, 3970])("ranks ±1 vectors exactly, ties by lower row, on either pass (d=%i)", (dim) => {
    let s = dim;
    const sign = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) & 0x10000 ? 1 : -1);
    const rows = 512;
    const data = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r += 2) {
      for (let j = 0; j < dim; j++) data[r * dim + j] = sign();
      for (let j = 0; j < dim; j++) data[(r + 1) * dim + j] = -data[r * dim + j]!;
    }
    const f = QuantizedFilter.build(data, rows, dim)!;
    for (let t = 0; t < 5; t++) {
      const q = Float32Array.from({ length: dim }, sign);
      const dots = Array.from({ length: rows }, (_, r) => data.subarray(r * dim, (r + 1) * dim).reduce((a, x, j) => a + x * q[j]!, 0));
      const order = dots.map((_, r) => r).sort((a, b) => dots[b]! - dots[a]! || a - b);
      const best = (n: number) => order.slice(0, n).sort((a, b) => a - b);
      expect(Array.from(f.candidates(q, 37, 37))).toEqual(best(37));
      expect(Array.from(f.candidates(q, rows, 21))).toEqual(best(21));
      expect(Array.from(f.candidates(q, 150, 9))).toEqual(best(9));
    }
  });

  it("states the memory it takes", () => {
    // A bit and a byte a dimension a row, plus work room of a few words a row.
    expect(filter.bytes).toBeGreaterThan(n * (d / 8 + d));
    expect(filter.bytes).toBeLessThan(n * (16 + d + 32) + 256 * d * 4 + 65536);
  });
});
