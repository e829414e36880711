import type { FaissFlatIndex } from "./faiss.js";
import { QuantizedFilter } from "./quantized.js";
import type { SimdScanner } from "./simd.js";
import type { VectorMatrix } from "./vectors.js";

export interface RowHit {
  row: number;
  score: number;
}

/** Top-k by inner product over all rows, exact, in plain JS (the fallback when faiss is absent). */
export function exactTopK(m: VectorMatrix, query: Float32Array, k: number): RowHit[] {
  const d = m.dimension;
  const data = m.view;
  const heap = new TopK(k);
  const n = m.size;
  for (let r = 0; r < n; r++) {
    const o = r * d;
    // Four accumulators break the add dependency chain; roughly doubles the throughput.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let j = 0;
    for (; j + 3 < d; j += 4) {
      s0 += data[o + j]! * query[j]!;
      s1 += data[o + j + 1]! * query[j + 1]!;
      s2 += data[o + j + 2]! * query[j + 2]!;
      s3 += data[o + j + 3]! * query[j + 3]!;
    }
    for (; j < d; j++) s0 += data[o + j]! * query[j]!;
    heap.offer(r, s0 + s1 + s2 + s3);
  }
  return heap.sorted();
}

export function faissTopK(index: FaissFlatIndex, query: Float32Array, k: number): RowHit[] {
  const n = index.ntotal();
  if (n === 0 || k <= 0) return [];
  const q = Array.from(query);
  // faiss breaks ties towards the higher label; the contract wants add order. So search wider
  // until the k-th score is not tied with the last one returned, then order by score, then row.
  for (let m = Math.min(n, k + 8); ; m = Math.min(n, 2 * m)) {
    const { distances, labels } = index.search(q, m);
    const hits: RowHit[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0) hits.push({ row: labels[i]!, score: distances[i]! });
    hits.sort((a, b) => b.score - a.score || a.row - b.row);
    const kth = hits[Math.min(k, hits.length) - 1];
    if (m >= n || !kth || hits[hits.length - 1]!.score < kth.score) return hits.slice(0, k);
  }
}

/** A bounded min-heap keeping the k best (highest-score) rows; ties keep the lower row first. */
export class TopK {
  private rows: number[] = [];
  private scores: number[] = [];
  constructor(private readonly k: number) {}

  get worst(): number {
    return this.rows.length < this.k ? -Infinity : this.scores[0]!;
  }

  offer(row: number, score: number): void {
    if (this.k <= 0) return;
    if (this.rows.length < this.k) {
      this.rows.push(row);
      this.scores.push(score);
      this.siftUp(this.rows.length - 1);
    } else if (score > this.scores[0]!) {
      this.rows[0] = row;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  sorted(): RowHit[] {
    return this.rows
      .map((row, i) => ({ row, score: this.scores[i]! }))
      .sort((a, b) => b.score - a.score || a.row - b.row);
  }

  private less(i: number, j: number): boolean {
    return this.scores[i]! < this.scores[j]! || (this.scores[i] === this.scores[j] && this.rows[i]! > this.rows[j]!);
  }

  private swap(i: number, j: number): void {
    [this.rows[i], this.rows[j]] = [this.rows[j]!, this.rows[i]!];
    [this.scores[i], this.scores[j]] = [this.scores[j]!, this.scores[i]!];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.rows.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

/** A built, read-only index over one vector space; rebuilt after the space changes. */
export interface SearchIndex {
  search(query: Float32Array, k: number): RowHit[];
}

export type VectorBackend = "simd" | "faiss" | "exact";

export function faissIndex(index: FaissFlatIndex): SearchIndex {
  return { search: (query, k) => faissTopK(index, query, k) };
}

/**
 * Below this many stored floats (rows times padded dimension: 24 MiB of float32, 16,384 rows of
 * 384 dimensions) the index scores every row exactly. There the full scan takes about a
 * millisecond on a 2-core EPYC (0.6 ms at 10,000 rows of 384) and still mostly runs from the 32 MB
 * L3 cache; past it, it streams from memory at about twice the cost a row (12 ms at 100,000).
 * Small memories thus keep exactly the results they always had. `npm run bench:memory` prints
 * the crossover.
 */
export const EXACT_SCAN_FLOATS = 16_384 * 384;

/**
 * How far the approximate search casts its net. The int8 pass re-ranks SHORTLIST_FRACTION of the
 * rows (at least SHORTLIST_MIN_KEEPS times what it keeps), and keeps KEEP_MIN rows (or KEEP_PER_K
 * per result asked, if more) for the exact re-rank. On the benchmark's clustered 384-dim vectors
 * a shortlist of 1/25 already loses none of the ten nearest at 100,000 rows; 1/16 costs about
 * 0.2 ms more there and keeps recall@10 at 0.98 on vectors sharing a strong common offset, which
 * blunts the sign bits (0.97 with 1/25).
 */
export const SHORTLIST_FRACTION = 1 / 16;
const SHORTLIST_MIN_KEEPS = 10;
const KEEP_MIN = 200;
const KEEP_PER_K = 10;

export interface SimdSearchIndex extends SearchIndex {
  /** Whether searches go through the quantized first pass (else every row is scored). */
  readonly approximate: boolean;
  /** Bytes of memory the first pass takes beside the float32 rows. */
  readonly overheadBytes: number;
}

/**
 * The SIMD index: an exact scan of every row for small indexes; above EXACT_SCAN_FLOATS, a
 * quantized first pass (quantized.ts) picks a few hundred candidates and only those are scored
 * exactly, so that the scores returned are still exact float32 inner products, best first, ties
 * by lower row. What it can miss is a true neighbour the first pass ranked out (recall@10 >= 0.99
 * on the benchmark's vectors).
 */
export function simdIndex(scanner: SimdScanner, options: { exactBelowFloats?: number } = {}): SimdSearchIndex {
  const exact: SimdSearchIndex = {
    approximate: false,
    overheadBytes: 0,
    search(query, k) {
      const scores = scanner.scores(query);
      const top = new TopK(k);
      for (let r = 0; r < scores.length; r++) if (scores[r]! > top.worst) top.offer(r, scores[r]!);
      return top.sorted();
    },
  };
  if (scanner.rows * scanner.stride < (options.exactBelowFloats ?? EXACT_SCAN_FLOATS)) return exact;
  const filter = QuantizedFilter.build(scanner.vectors, scanner.rows, scanner.dimension, scanner.stride);
  if (!filter) return exact;
  return {
    approximate: true,
    overheadBytes: filter.bytes,
    search(query, k) {
      if (k <= 0) return [];
      const keep = Math.max(KEEP_MIN, KEEP_PER_K * k);
      const shortlist = Math.max(Math.ceil(scanner.rows * SHORTLIST_FRACTION), SHORTLIST_MIN_KEEPS * keep);
      // A shortlist of half the rows would cost about what scoring them all does. On a zero or
      // non-finite query the codes rank arbitrarily, where the full scan gives all-tied (lowest
      // rows first) or no results.
      if (shortlist * 2 > scanner.rows || !usable(query, scanner.dimension)) return exact.search(query, k);
      const rows = filter.candidates(query, shortlist, keep);
      const scores = scanner.rescore(query, rows);
      // The candidates come in increasing row order, so ties keep the lower row as the full scan does.
      const top = new TopK(k);
      for (let i = 0; i < rows.length; i++) if (scores[i]! > top.worst) top.offer(rows[i]!, scores[i]!);
      return top.sorted();
    },
  };
}

/** A query with a finite, nonzero value somewhere and nothing non-finite. */
function usable(query: Float32Array, dimension: number): boolean {
  let nonzero = false;
  for (let j = 0; j < dimension; j++) {
    const x = query[j] ?? 0;
    if (!Number.isFinite(x)) return false;
    if (x !== 0) nonzero = true;
  }
  return nonzero;
}

export function exactIndex(m: VectorMatrix): SearchIndex {
  return { search: (query, k) => exactTopK(m, query, k) };
}
