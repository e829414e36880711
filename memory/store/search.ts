import type { FaissFlatIndex } from "./faiss.js";
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
  if (n === 0) return [];
  const { distances, labels } = index.search(Array.from(query), Math.min(k, n));
  const out: RowHit[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0) out.push({ row: labels[i]!, score: distances[i]! });
  return out;
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

export function simdIndex(scanner: SimdScanner): SearchIndex {
  return {
    search(query, k) {
      const scores = scanner.scores(query);
      const top = new TopK(k);
      for (let r = 0; r < scores.length; r++) if (scores[r]! > top.worst) top.offer(r, scores[r]!);
      return top.sorted();
    },
  };
}

export function exactIndex(m: VectorMatrix): SearchIndex {
  return { search: (query, k) => exactTopK(m, query, k) };
}
