import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { CorruptFileError } from "../../core/errors.js";

/**
 * A growable row-major matrix of float32 vectors. Row i belongs to the i-th entry of the store,
 * so no id mapping is stored beside it.
 */
export class VectorMatrix {
  readonly dimension: number;
  private data: Float32Array;
  private rows = 0;

  constructor(dimension: number, capacity = 16, data?: Float32Array) {
    this.dimension = dimension;
    if (data) {
      if (data.length % dimension !== 0) throw new RangeError("data length is not a multiple of the dimension");
      this.data = data;
      this.rows = data.length / dimension;
    } else {
      this.data = new Float32Array(Math.max(1, capacity) * dimension);
    }
  }

  get size(): number {
    return this.rows;
  }

  /** A view of the live rows (no copy). */
  get view(): Float32Array {
    return this.data.subarray(0, this.rows * this.dimension);
  }

  row(i: number): Float32Array {
    return this.data.subarray(i * this.dimension, (i + 1) * this.dimension);
  }

  /** Makes room for `extra` more rows at once (bulk loads grow the buffer a single time). */
  reserveMore(extra: number): void {
    this.reserve(this.rows + extra);
  }

  /** A new matrix holding the rows that pass `keep`, in order. */
  filtered(keep: (i: number) => boolean): VectorMatrix {
    const out = new VectorMatrix(this.dimension, this.rows);
    for (let r = 0; r < this.rows; r++) if (keep(r)) out.push(this.row(r));
    return out;
  }

  push(vector: ArrayLike<number>): number {
    if (vector.length !== this.dimension) throw new RangeError(`expected a ${this.dimension}-dim vector, got ${vector.length}`);
    this.reserve(this.rows + 1);
    this.data.set(vector, this.rows * this.dimension);
    return this.rows++;
  }

  set(i: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dimension) throw new RangeError(`expected a ${this.dimension}-dim vector, got ${vector.length}`);
    this.data.set(vector, i * this.dimension);
  }

  /** Keeps the rows whose index passes `keep`, in order. */
  compact(keep: (i: number) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.rows; r++) {
      if (!keep(r)) continue;
      if (w !== r) this.data.copyWithin(w * this.dimension, r * this.dimension, (r + 1) * this.dimension);
      w++;
    }
    this.rows = w;
  }

  private reserve(rows: number): void {
    if (rows * this.dimension <= this.data.length) return;
    const next = new Float32Array(Math.max(rows, Math.ceil(this.data.length / this.dimension) * 2) * this.dimension);
    next.set(this.view);
    this.data = next;
  }
}

// faiss's own serialisation of IndexFlatIP ("IxFI"), so index.faiss is a real faiss index file
// (faiss.read_index reads it) that we can also write and read without the native addon.
const HEADER_BYTES = 4 + 4 + 8 + 8 + 8 + 1 + 4 + 8;

export function encodeFlatIP(m: VectorMatrix): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  let o = header.write("IxFI", 0, "latin1");
  o = header.writeInt32LE(m.dimension, o);
  o = header.writeBigInt64LE(BigInt(m.size), o);
  o = header.writeBigInt64LE(1n << 20n, o); // dummy, as faiss writes it
  o = header.writeBigInt64LE(1n << 20n, o);
  o = header.writeUInt8(1, o); // is_trained
  o = header.writeInt32LE(0, o); // METRIC_INNER_PRODUCT
  header.writeBigUInt64LE(BigInt(m.size * m.dimension), o);
  const view = m.view;
  return Buffer.concat([header, Buffer.from(view.buffer, view.byteOffset, view.byteLength)]);
}

/**
 * Reads an index file so that its float data lands 4-byte aligned in memory (the header is 45
 * bytes), which lets the matrix view the bytes in place instead of copying them.
 */
export function readFlatIPFile(path: string): VectorMatrix {
  return decodeFlatIP(readIndexBytes(path), path);
}

/** An index file's bytes, placed so that `decodeFlatIP` can view its floats without a copy. */
export function readIndexBytes(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const pad = (4 - (HEADER_BYTES % 4)) % 4;
    const backing = Buffer.allocUnsafeSlow(size + pad);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, backing, pad + off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return backing.subarray(pad, pad + off);
  } finally {
    closeSync(fd);
  }
}

export function decodeFlatIP(buf: Buffer, file: string): VectorMatrix {
  if (buf.length < HEADER_BYTES) throw new CorruptFileError(file, `truncated faiss index (${buf.length} bytes)`);
  const magic = buf.toString("latin1", 0, 4);
  if (magic !== "IxFI") throw new CorruptFileError(file, `not a flat inner-product faiss index (magic "${magic}")`);
  const d = buf.readInt32LE(4);
  const n = Number(buf.readBigInt64LE(8));
  const floats = Number(buf.readBigUInt64LE(HEADER_BYTES - 8));
  if (d <= 0 || floats !== n * d || buf.length !== HEADER_BYTES + floats * 4) {
    throw new CorruptFileError(file, `faiss index header does not match its size (d=${d}, n=${n}, ${buf.length} bytes)`);
  }
  const start = buf.byteOffset + HEADER_BYTES;
  if (start % 4 === 0) return new VectorMatrix(d, 0, new Float32Array(buf.buffer, start, floats));
  const data = new Float32Array(floats);
  Buffer.from(data.buffer).set(buf.subarray(HEADER_BYTES));
  return new VectorMatrix(d, 0, data);
}

/**
 * The vector scaled to unit length (a copy; a zero vector stays zero). Stores keep unit vectors,
 * so that an inner product is the cosine the contract promises whatever the embedder returns.
 */
export function unitVector(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * scale;
  return out;
}
