import { filterKernels, type FilterKernels } from "./simd.js";

/**
 * The quantized first pass of the approximate search: it finds, among all rows, the few that can
 * be among the nearest to a query, for an exact float32 re-rank of those alone.
 *
 * A full float32 scan is bound by memory bandwidth (4 bytes a dimension). The pass instead reads
 * one bit a dimension of every row, the sign of the row minus the mean row, and ranks rows by
 * the Hamming distance of those bits to the query's signs (a popcount per 128 bits), keeping a
 * shortlist. It then ranks the shortlist by an int8 quantization of the rows (per-dimension
 * steps) against the query in int16, which orders rows almost exactly as float32 does, and keeps
 * the best few hundred. Subtracting the mean changes every row's inner product with a query by
 * the same amount, so it changes no ranking, and it makes the signs carry information when the
 * vectors share a common direction (as text embeddings do).
 */
export class QuantizedFilter {
  readonly rows: number;
  readonly dimension: number;
  /** Bytes of memory the codes and work buffers take (beside the float32 rows). */
  readonly bytes: number;
  private readonly kernels: FilterKernels;
  /** 16-byte blocks in a row's binary code. */
  private readonly chunks: number;
  /** Bytes in a row's int8 code: the dimension rounded up to 16. */
  private readonly width: number;
  /** A row's value in dimension j is about mean[j] + step[j] * code[j]. */
  private readonly step: Float64Array;
  private readonly weights: Float64Array;
  private readonly mean: Float32Array;
  private readonly qmax: number;
  private readonly rows4: number;
  private readonly distMax: number;
  private readonly ptr: Layout["ptr"];

  private constructor(kernels: FilterKernels, rows: number, dimension: number, layout: Layout) {
    this.kernels = kernels;
    this.rows = rows;
    this.dimension = dimension;
    this.chunks = layout.chunks;
    this.width = layout.width;
    this.rows4 = layout.rows4;
    this.distMax = this.chunks * 128;
    this.ptr = layout.ptr;
    this.bytes = layout.bytes;
    this.step = new Float64Array(dimension);
    this.weights = new Float64Array(dimension);
    this.mean = new Float32Array(dimension);
    // The int8 pass sums in i32: the largest possible sum must fit.
    this.qmax = Math.min(32767, Math.floor((0x7fffffff - 1) / (127 * this.width)));
  }

  /**
   * Codes for `rows` vectors of `dimension` floats, `stride` floats apart in `vectors`; undefined
   * where the runtime has no WebAssembly SIMD.
   */
  static build(vectors: Float32Array, rows: number, dimension: number, stride = dimension): QuantizedFilter | undefined {
    const layout = planLayout(rows, dimension);
    const kernels = filterKernels(layout.chunks, layout.bytes);
    if (!kernels) return undefined;
    const f = new QuantizedFilter(kernels, rows, dimension, layout);
    f.encode(vectors, stride);
    return f;
  }

  /**
   * The rows, in increasing order, that the int8 codes rank best among the `shortlist` rows
   * nearest to `query` in Hamming distance: `keep` of them (fewer only when there are fewer
   * rows). Ties on either pass go to the lower row.
   */
  candidates(query: Float32Array, shortlist: number, keep: number): Int32Array {
    const { kernels, ptr, dimension: d } = this;
    shortlist = Math.max(0, Math.min(shortlist, this.rows));
    keep = Math.max(0, Math.min(keep, shortlist));
    if (keep === 0) return new Int32Array(0);
    const buffer = kernels.memory.buffer;

    const qbits = new Uint8Array(buffer, ptr.qbits, this.chunks * 16);
    qbits.fill(0);
    for (let j = 0; j < d; j++) if (query[j]! > this.mean[j]!) qbits[j >> 3]! |= 1 << (j & 7);
    kernels.hamming(ptr.qbits, ptr.bits, this.rows4, ptr.dist);
    // The padding rows past the last must never be picked.
    new Int32Array(buffer, ptr.dist + 4 * this.rows, this.rows4 - this.rows).fill(0x7fffffff);
    const hist = new Int32Array(buffer, ptr.hist, this.distMax + 1);
    hist.fill(0);
    kernels.histogram(ptr.dist, this.rows, ptr.hist);
    let below = 0, t = 0;
    while (below + hist[t]! < shortlist) below += hist[t++]!;
    const count = kernels.select(ptr.dist, this.rows4, t, shortlist - below, ptr.cand);

    // Negated weights make the best rows the smallest sums, so that `select` can pick them too.
    const w = this.weights;
    let wmax = 0;
    for (let j = 0; j < d; j++) {
      w[j] = query[j]! * this.step[j]!;
      const a = Math.abs(w[j]!);
      if (a > wmax) wmax = a;
    }
    const qweights = new Int16Array(buffer, ptr.qweights, this.width);
    const factor = wmax > 0 ? this.qmax / wmax : 0;
    for (let j = 0; j < d; j++) qweights[j] = -Math.round(w[j]! * factor);
    const count4 = (count + 3) & ~3;
    const cand = new Int32Array(buffer, ptr.cand, count4);
    cand.fill(cand[0]!, count);
    kernels.dotI8Rows(ptr.qweights, ptr.codes, ptr.cand, count4, this.width, ptr.score);
    const scores = new Int32Array(buffer, ptr.score, count4);
    scores.fill(0x7fffffff, count);

    const scratch = new Int32Array(buffer, ptr.scratch, count);
    scratch.set(scores.subarray(0, count));
    const cut = nthSmallest(scratch, keep - 1);
    let less = 0;
    for (let i = 0; i < count; i++) if (scores[i]! < cut) less++;
    const picked = kernels.select(ptr.score, count4, cut, keep - less, ptr.picked);
    const positions = new Int32Array(buffer, ptr.picked, picked);
    const out = new Int32Array(picked);
    for (let i = 0; i < picked; i++) out[i] = cand[positions[i]!]!;
    return out;
  }

  private encode(vectors: Float32Array, stride: number): void {
    const { kernels, ptr, rows, dimension: d, width } = this;
    const buffer = kernels.memory.buffer;
    const staging = new Float32Array(buffer, ptr.staging, STAGING_ROWS * width);
    const load = (r0: number, r1: number) => {
      if (stride === width) staging.set(vectors.subarray(r0 * stride, r1 * stride));
      else for (let r = r0; r < r1; r++) staging.set(vectors.subarray(r * stride, r * stride + d), (r - r0) * width);
    };
    const sum = new Float32Array(buffer, ptr.sum, width);
    const lo = new Float32Array(buffer, ptr.lo, width).fill(Infinity);
    const hi = new Float32Array(buffer, ptr.hi, width).fill(-Infinity);
    const total = new Float64Array(d);
    for (let r0 = 0; r0 < rows; r0 += STAGING_ROWS) {
      const r1 = Math.min(rows, r0 + STAGING_ROWS);
      load(r0, r1);
      sum.fill(0);
      kernels.stats(ptr.staging, r1 - r0, width * 4, ptr.sum, ptr.lo, ptr.hi);
      for (let j = 0; j < d; j++) total[j]! += sum[j]!;
    }
    const mean = new Float32Array(buffer, ptr.mean, width);
    const inv = new Float32Array(buffer, ptr.inv, width);
    for (let j = 0; j < d; j++) {
      mean[j] = total[j]! / Math.max(1, rows);
      this.mean[j] = mean[j]!;
      const span = Math.max(hi[j]! - mean[j]!, mean[j]! - lo[j]!);
      // A constant or non-finite column carries no ranking information: it gets no weight.
      const usable = span > 0 && Number.isFinite(span);
      this.step[j] = usable ? span / 127 : 0;
      inv[j] = usable ? 127 / span : 0;
    }
    for (let r0 = 0; r0 < rows; r0 += STAGING_ROWS) {
      const r1 = Math.min(rows, r0 + STAGING_ROWS);
      load(r0, r1);
      kernels.encode(ptr.staging, r1 - r0, width, ptr.mean, ptr.inv, ptr.codes + r0 * width, ptr.bits + r0 * this.chunks * 16, this.chunks * 16);
    }
  }
}

/** Rows copied into wasm memory at a time while encoding. */
const STAGING_ROWS = 256;

/** The value that would sit at `n` if `a` were sorted (reorders `a`). */
function nthSmallest(a: Int32Array, n: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const x = a[i]!;
        a[i++] = a[j]!;
        a[j--] = x;
      }
    }
    if (n <= j) hi = j;
    else if (n >= i) lo = i;
    else return a[n]!;
  }
  return a[n]!;
}

interface Layout {
  chunks: number;
  width: number;
  rows4: number;
  bytes: number;
  ptr: Record<"qbits" | "qweights" | "hist" | "sum" | "lo" | "hi" | "mean" | "inv" | "dist" | "cand" | "score" | "scratch" | "picked" | "staging" | "bits" | "codes", number>;
}

function planLayout(rows: number, dimension: number): Layout {
  const chunks = Math.ceil(dimension / 128);
  const width = Math.ceil(dimension / 16) * 16;
  const rows4 = (rows + 3) & ~3;
  let next = 0;
  const take = (bytes: number) => {
    const at = next;
    next += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const ptr = {
    qbits: take(chunks * 16),
    qweights: take(width * 2),
    hist: take((chunks * 128 + 1) * 4),
    sum: take(width * 4),
    lo: take(width * 4),
    hi: take(width * 4),
    mean: take(width * 4),
    inv: take(width * 4),
    dist: take(rows4 * 4),
    // `select` writes one slot past what it keeps.
    cand: take((rows4 + 1) * 4),
    score: take(rows4 * 4),
    scratch: take(rows4 * 4),
    picked: take((rows4 + 1) * 4),
    staging: take(STAGING_ROWS * width * 4),
    bits: take(rows4 * chunks * 16),
    codes: take(rows * width),
  };
  return { chunks, width, rows4, bytes: next, ptr };
}
