/**
 * WebAssembly SIMD kernels for vector search. Debian's faiss is a generic x86-64 build (no AVX2),
 * and faiss-node copies arrays element by element, so on the machines we target a 128-bit SIMD
 * loop inside V8 scans faster than the native index. The modules are a few hundred bytes,
 * assembled here so that no binary blob is committed; they use only the SIMD of Node 20's V8
 * (no relaxed-simd).
 */

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const str = (s: string) => [...uleb(s.length), ...Buffer.from(s, "utf8")];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// Instructions used by the kernels.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const ADD = 0x6a, SUB = 0x6b, MUL = 0x6c, AND = 0x71, OR = 0x72, SHL = 0x74, SHR_U = 0x76;
const EQ = 0x46, LT_S = 0x48, GT_S = 0x4a, LE_S = 0x4c, GE_U = 0x4f, F32_ADD = 0x92;
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], IF = [0x04, 0x40], END = 0x0b;
const br = (d: number) => [0x0c, ...uleb(d)];
const brIf = (d: number) => [0x0d, ...uleb(d)];
const I32_LOAD = (offset = 0) => [0x28, 0x02, ...uleb(offset)];
const I32_STORE = [0x36, 0x02, 0x00];
const F32_STORE = [0x38, 0x02, 0x00];
const V128_LOAD = (offset: number) => simd(0x00, 0x02, ...uleb(offset)); // align hint 4 bytes
const V128_ZERO = simd(0x0c, ...new Array(16).fill(0));
const I16X8_ONES = simd(0x0c, ...new Array(8).fill([1, 0]).flat());
/** i8x16.shuffle picking i32 lanes (0-3 from the first operand, 4-7 from the second). */
const shuffle32 = (lanes: number[]) => simd(0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
const I32X4_SPLAT = 0x11, I32X4_EXTRACT = 0x1b, F32X4_EXTRACT = 0x1f, I32X4_LE_S = 0x3d;
const V128_XOR = 0x51, V128_ANY_TRUE = 0x53, I8X16_POPCNT = 0x62, I8X16_ADD = 0x6e;
const I16X8_EXTADD_PAIRWISE_I8X16_U = 0x7d;
const I16X8_EXTEND_LOW_I8X16_S = 0x87, I16X8_EXTEND_HIGH_I8X16_S = 0x88, I16X8_ADD = 0x8e;
const I32X4_ADD = 0xae, I32X4_DOT_I16X8_S = 0xba, F32X4_ADD = 0xe4, F32X4_SUB = 0xe5, F32X4_MUL = 0xe6;
const F32X4_GT = 0x44, F32X4_MIN = 0xe8, F32X4_MAX = 0xe9, F32X4_NEAREST = 0x6a, I32X4_TRUNC_SAT_F32X4_S = 0xf8;
const I8X16_BITMASK = 0x64, I8X16_NARROW_I16X8_S = 0x65, I16X8_NARROW_I32X4_S = 0x85;
const V128_STORE = simd(0x0b, 0x02, 0x00);
const I32_STORE16 = [0x3b, 0x01, 0x00];

/** `for (i = 0; i < n; i += step) body`, with `i` and `n` locals. */
const forRange = (i: number, n: number, step: number, body: number[]) => [
  ...i32c(0), ...set(i),
  ...BLOCK, ...LOOP,
  ...get(i), ...get(n), GE_U, ...brIf(1),
  ...body,
  ...get(i), ...i32c(step), ADD, ...set(i),
  ...br(0), END, END,
];
/** The address `base + index * 4`. */
const at4 = (base: number, index: number) => [...get(base), ...get(index), ...i32c(2), SHL, ADD];
/** Sum of the four i32 lanes of the v128 local `v` (which it overwrites with `value` first). */
const i32LaneSum = (v: number, value: number[]) => [
  ...value, ...tee(v), ...simd(I32X4_EXTRACT, 0),
  ...get(v), ...simd(I32X4_EXTRACT, 1), ADD,
  ...get(v), ...simd(I32X4_EXTRACT, 2), ADD,
  ...get(v), ...simd(I32X4_EXTRACT, 3), ADD,
];

interface Kernel {
  name: string;
  params: number;
  returns: boolean;
  /** Local declarations after the parameters, as [count, type] runs. */
  locals: Array<[number, number]>;
  code: number[];
}

/**
 * The float32 inner product of the query at `q` with the row at the local `p`, over `d` floats
 * (a multiple of 8), left on the stack. Two accumulators hide the add latency. The full scan and
 * the re-rank share this code, so that a row's score is the same bits whichever computed it.
 */
function rowDot(q: number, p: number, d: number, j: number, acc0: number, acc1: number): number[] {
  const addr = (ptr: number, offset: number) => [...at4(ptr, j), ...V128_LOAD(offset)];
  const mac = (acc: number, offset: number) => [...get(acc), ...addr(q, offset), ...addr(p, offset), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(acc)];
  const lane = (i: number) => [...get(acc0), ...simd(F32X4_EXTRACT, i)];
  return [
    ...V128_ZERO, ...set(acc0), ...V128_ZERO, ...set(acc1),
    ...forRange(j, d, 8, [...mac(acc0, 0), ...mac(acc1, 16)]),
    ...get(acc0), ...get(acc1), ...simd(F32X4_ADD), ...set(acc0),
    ...lane(0), ...lane(1), F32_ADD, ...lane(2), F32_ADD, ...lane(3), F32_ADD,
  ];
}

/** dot(q, base, n, d, out): out[r] = <q, base[r]> for r < n (float32 pointers in bytes). */
function dotKernel(): Kernel {
  const [q, base, n, d, out, r, j, p, acc0, acc1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const code = [
    ...get(base), ...set(p),
    ...forRange(r, n, 1, [
      ...at4(out, r), ...rowDot(q, p, d, j, acc0, acc1), ...F32_STORE,
      ...get(p), ...get(d), ...i32c(2), SHL, ADD, ...set(p),
    ]),
  ];
  return { name: "dot", params: 5, returns: false, locals: [[3, I32], [2, V128]], code };
}

/** dotRows(q, base, rows, count, d, out): out[i] = <q, base[rows[i]]> for i < count. */
function dotRowsKernel(): Kernel {
  const [q, base, rows, count, d, out, i, j, p, acc0, acc1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const code = forRange(i, count, 1, [
    ...get(base), ...at4(rows, i), ...I32_LOAD(), ...get(d), MUL, ...i32c(2), SHL, ADD, ...set(p),
    ...at4(out, i), ...rowDot(q, p, d, j, acc0, acc1), ...F32_STORE,
  ]);
  return { name: "dotRows", params: 6, returns: false, locals: [[3, I32], [2, V128]], code };
}

/**
 * hamming(q, codes, n4, out): out[r] = popcount(q XOR codes[r]) for r < n4 (a multiple of 4),
 * over rows of `chunks` 16-byte blocks. Specialised to one code width and unrolled, since loop
 * overhead would cost as much as the popcounts; the query's blocks stay in locals when few.
 * Per-byte counts add up as bytes (at most 8 a block) for up to 31 blocks before widening.
 * Four rows go together so that their totals come out of one transpose into one vector store,
 * instead of four lane extractions each.
 */
function hammingKernel(chunks: number): Kernel {
  const [q, codes, n4, out, r, p] = [0, 1, 2, 3, 4, 5];
  const sums = [6, 7, 8, 9], [t0, t1] = [10, 11];
  const hoisted = chunks <= 8;
  const qBlock = (c: number) => (hoisted ? get(12 + c) : [...get(q), ...V128_LOAD(16 * c)]);
  const rowBytes = 16 * chunks;
  const rowCount = (k: number) => {
    const block = (c: number) => [...qBlock(c), ...get(p), ...V128_LOAD(k * rowBytes + 16 * c), ...simd(V128_XOR), ...simd(I8X16_POPCNT)];
    const code: number[] = [];
    for (let g = 0; g < chunks; g += 31) {
      code.push(...block(g));
      for (let c = g + 1; c < Math.min(chunks, g + 31); c++) code.push(...block(c), ...simd(I8X16_ADD));
      code.push(...simd(I16X8_EXTADD_PAIRWISE_I8X16_U));
      if (g > 0) code.push(...simd(I16X8_ADD));
    }
    return [...code, ...I16X8_ONES, ...simd(I32X4_DOT_I16X8_S), ...set(sums[k]!)];
  };
  // [a, b, c, d] lane sums from four i32x4 partial sums, by two rounds of interleave-and-add.
  const pairUp = (x: number, y: number, lo: number[], hi: number[]) => [
    ...get(x), ...get(y), ...shuffle32(lo), ...get(x), ...get(y), ...shuffle32(hi), ...simd(I32X4_ADD),
  ];
  const code = [
    ...(hoisted ? Array.from({ length: chunks }, (_, c) => [...get(q), ...V128_LOAD(16 * c), ...set(12 + c)]).flat() : []),
    ...get(codes), ...set(p),
    ...forRange(r, n4, 4, [
      ...[0, 1, 2, 3].flatMap(rowCount),
      ...pairUp(sums[0]!, sums[1]!, [0, 4, 1, 5], [2, 6, 3, 7]), ...set(t0),
      ...pairUp(sums[2]!, sums[3]!, [0, 4, 1, 5], [2, 6, 3, 7]), ...set(t1),
      ...at4(out, r), ...pairUp(t0, t1, [0, 1, 4, 5], [2, 3, 6, 7]), ...V128_STORE,
      ...get(p), ...i32c(4 * rowBytes), ADD, ...set(p),
    ]),
  ];
  return { name: "hamming", params: 4, returns: false, locals: [[2, I32], [6 + (hoisted ? chunks : 0), V128]], code };
}

/**
 * histogram(values, n, hist): hist[values[r]]++ for r < n. A pass of its own: fused into the
 * Hamming loop it cost ten times as much.
 */
function histogramKernel(): Kernel {
  const [values, n, hist, r, a] = [0, 1, 2, 3, 4];
  const code = forRange(r, n, 1, [
    ...get(hist), ...at4(values, r), ...I32_LOAD(), ...i32c(2), SHL, ADD, ...tee(a),
    ...get(a), ...I32_LOAD(), ...i32c(1), ADD, ...I32_STORE,
  ]);
  return { name: "histogram", params: 3, returns: false, locals: [[2, I32]], code };
}

/**
 * select(values, n4, t, quota, out) -> count: writes to `out`, in increasing order, the rows
 * with values[r] < t and the first `quota` rows with values[r] == t. `n4` is a multiple of 4
 * (the padding holds values above any threshold). Most groups of four hold no candidate and are
 * passed over with one vector compare.
 */
function selectKernel(): Kernel {
  const [values, n4, t, quota, out, r, count, v, eq, take, tv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const lane = (l: number) => [
    ...at4(values, r), ...I32_LOAD(4 * l), ...set(v),
    ...get(v), ...get(t), EQ, ...set(eq),
    ...get(v), ...get(t), LT_S, ...get(eq), ...get(quota), ...i32c(0), GT_S, AND, OR, ...set(take),
    // Written unconditionally and kept only when taken, so that no branch depends on the data.
    ...at4(out, count), ...get(r), ...i32c(l), ADD, ...I32_STORE,
    ...get(count), ...get(take), ADD, ...set(count),
    ...get(quota), ...get(eq), ...get(take), AND, SUB, ...set(quota),
  ];
  const code = [
    ...get(t), ...simd(I32X4_SPLAT), ...set(tv),
    ...i32c(0), ...set(count),
    ...forRange(r, n4, 4, [
      ...at4(values, r), ...V128_LOAD(0), ...get(tv), ...simd(I32X4_LE_S), ...simd(V128_ANY_TRUE),
      ...IF, ...lane(0), ...lane(1), ...lane(2), ...lane(3), END,
    ]),
    ...get(count),
  ];
  return { name: "select", params: 5, returns: true, locals: [[5, I32], [1, V128]], code };
}

/**
 * dotI8Rows(q, codes, rows, count, w, out): out[i] = sum over j of q[j] * codes[rows[i]][j], for
 * int16 weights `q` and int8 codes of `w` bytes a row (a multiple of 16), `count` a multiple of
 * 4. The codes are widened to int16 so that i32x4.dot_i16x8_s does the multiply-adds; the sum
 * wraps in i32, exact as long as the true sum fits. The rows are scattered over tens of MB, so
 * the time goes in cache and TLB misses: four rows walked together keep four misses in flight.
 */
function dotI8RowsKernel(): Kernel {
  const [q, codes, rows, count, w, out, i, j] = [0, 1, 2, 3, 4, 5, 6, 7];
  const p = [8, 9, 10, 11], acc = [12, 13, 14, 15], [x, lo, hi, a] = [16, 17, 18, 19];
  const rowAt = (k: number) => [...get(codes), ...at4(rows, i), ...I32_LOAD(4 * k), ...get(w), MUL, ADD, ...set(p[k]!)];
  const mac = (k: number) => [
    ...get(p[k]!), ...get(j), ADD, ...V128_LOAD(0), ...set(x),
    ...get(acc[k]!),
    ...get(x), ...simd(I16X8_EXTEND_LOW_I8X16_S), ...get(lo), ...simd(I32X4_DOT_I16X8_S),
    ...get(x), ...simd(I16X8_EXTEND_HIGH_I8X16_S), ...get(hi), ...simd(I32X4_DOT_I16X8_S),
    ...simd(I32X4_ADD), ...simd(I32X4_ADD), ...set(acc[k]!),
  ];
  const store = (k: number) => [...get(out), ...get(i), ...i32c(k), ADD, ...i32c(2), SHL, ADD, ...i32LaneSum(x, get(acc[k]!)), ...I32_STORE];
  const all = (f: (k: number) => number[]) => [0, 1, 2, 3].flatMap(f);
  const code = forRange(i, count, 4, [
    ...all(rowAt),
    ...all((k) => [...V128_ZERO, ...set(acc[k]!)]),
    ...forRange(j, w, 16, [
      ...get(q), ...get(j), ...i32c(1), SHL, ADD, ...tee(a), ...V128_LOAD(0), ...set(lo),
      ...get(a), ...V128_LOAD(16), ...set(hi),
      ...all(mac),
    ]),
    ...all(store),
  ]);
  return { name: "dotI8Rows", params: 6, returns: false, locals: [[6, I32], [7, V128], [1, I32]], code };
}

/**
 * stats(src, rows, w, sum, lo, hi): per float32 column of `rows` rows of `w` bytes (a multiple
 * of 16), adds the values to sum[] and lowers lo[] / raises hi[] to their extremes.
 */
function statsKernel(): Kernel {
  const [src, rows, w, sum, lo, hi, r, j, p, a, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const update = (ptr: number, op: number[]) => [...get(ptr), ...get(j), ADD, ...tee(a), ...get(a), ...V128_LOAD(0), ...get(v), ...op, ...V128_STORE];
  const code = [
    ...get(src), ...set(p),
    ...forRange(r, rows, 1, [
      ...forRange(j, w, 16, [
        ...get(p), ...get(j), ADD, ...V128_LOAD(0), ...set(v),
        ...update(sum, simd(F32X4_ADD)), ...update(lo, simd(F32X4_MIN)), ...update(hi, simd(F32X4_MAX)),
      ]),
      ...get(p), ...get(w), ADD, ...set(p),
    ]),
  ];
  return { name: "stats", params: 6, returns: false, locals: [[4, I32], [1, V128]], code };
}

/**
 * encode(src, rows, w, mean, inv, codes, bits, bitBytes): for rows of `w` floats (a multiple of
 * 16), with x = value - mean[j]: codes[j] = round(x * inv[j]) saturated to int8, and bit j of
 * the row's binary code (byte j >> 3, bit j & 7) = x > 0. Rows of codes are `w` bytes apart,
 * binary codes `bitBytes` apart.
 */
function encodeKernel(): Kernel {
  const [src, rows, w, mean, inv, codes, bits, bitBytes, r, j, p] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const x = [11, 12, 13, 14];
  const centred = (k: number) => [...get(p), ...get(j), ...i32c(2), SHL, ADD, ...V128_LOAD(16 * k), ...get(mean), ...get(j), ...i32c(2), SHL, ADD, ...V128_LOAD(16 * k), ...simd(F32X4_SUB), ...set(x[k]!)];
  const code8 = (k: number) => [...get(x[k]!), ...get(inv), ...get(j), ...i32c(2), SHL, ADD, ...V128_LOAD(16 * k), ...simd(F32X4_MUL), ...simd(F32X4_NEAREST), ...simd(I32X4_TRUNC_SAT_F32X4_S)];
  const sign = (k: number) => [...get(x[k]!), ...V128_ZERO, ...simd(F32X4_GT)];
  const narrow = (lane: (k: number) => number[]) => [
    ...lane(0), ...lane(1), ...simd(I16X8_NARROW_I32X4_S), ...lane(2), ...lane(3), ...simd(I16X8_NARROW_I32X4_S), ...simd(I8X16_NARROW_I16X8_S),
  ];
  const code = [
    ...get(src), ...set(p),
    ...forRange(r, rows, 1, [
      ...forRange(j, w, 16, [
        ...[0, 1, 2, 3].flatMap(centred),
        ...get(codes), ...get(j), ADD, ...narrow(code8), ...V128_STORE,
        ...get(bits), ...get(j), ...i32c(3), SHR_U, ADD, ...narrow(sign), ...simd(I8X16_BITMASK), ...I32_STORE16,
      ]),
      ...get(p), ...get(w), ...i32c(2), SHL, ADD, ...set(p),
      ...get(codes), ...get(w), ADD, ...set(codes),
      ...get(bits), ...get(bitBytes), ADD, ...set(bits),
    ]),
  ];
  return { name: "encode", params: 8, returns: false, locals: [[3, I32], [4, V128]], code };
}

function moduleBytes(kernels: Kernel[]): Uint8Array {
  const signature = (k: Kernel) => [0x60, ...vec(new Array(k.params).fill([I32])), ...vec(k.returns ? [[I32]] : [])];
  const types: string[] = [];
  const typeOf = kernels.map((k) => {
    const key = signature(k).join(",");
    if (!types.includes(key)) types.push(key);
    return types.indexOf(key);
  });
  const body = (k: Kernel) => {
    const b = [...vec(k.locals.map(([count, type]) => [...uleb(count), type])), ...k.code, END];
    return [...uleb(b.length), ...b];
  };
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types.map((t) => t.split(",").map(Number)))),
    ...section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, 0x01]])),
    ...section(3, vec(typeOf.map((t) => uleb(t)))),
    ...section(7, vec(kernels.map((k, i) => [...str(k.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(kernels.map(body))),
  ]);
}

// The ES lib has no WebAssembly types (they live in the DOM lib), so the few we use are here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmModule {
  readonly __brand?: "WasmModule";
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const PAGE = 65536;

const modules = new Map<string, WasmModule | null>();
function compiled(key: string, kernels: () => Kernel[]): WasmModule | null {
  if (!modules.has(key)) {
    let module: WasmModule | null = null;
    try {
      if (wasm) module = new wasm.Module(moduleBytes(kernels()));
    } catch {
      module = null;
    }
    modules.set(key, module);
  }
  return modules.get(key)!;
}

/** A wasm memory of at least `bytes` with the kernels of `module` bound to it. */
function instantiate(module: WasmModule, bytes: number): { memory: WasmMemory; exports: Record<string, unknown> } {
  const memory = new wasm!.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
  return { memory, exports: new wasm!.Instance(module, { env: { memory } }).exports };
}

/** Rows of float32 vectors copied into wasm memory, scanned with the SIMD kernel. */
export class SimdScanner {
  private readonly memory: WasmMemory;
  private readonly dot: (q: number, base: number, n: number, d: number, out: number) => void;
  private readonly dotRows: (q: number, base: number, rows: number, count: number, d: number, out: number) => void;
  readonly rows: number;
  readonly dimension: number;
  /** Floats per stored row: the dimension rounded up to 8, zero-padded. */
  readonly stride: number;
  private readonly queryPtr: number;
  private readonly basePtr: number;
  private readonly outPtr: number;
  private readonly rowsPtr: number;

  private constructor(module: WasmModule, data: Float32Array, dimension: number) {
    this.dimension = dimension;
    this.rows = data.length / dimension;
    this.stride = Math.ceil(dimension / 8) * 8;
    const bytes = (this.stride * (this.rows + 1) + 2 * this.rows) * 4;
    const { memory, exports } = instantiate(module, bytes);
    this.memory = memory;
    this.dot = exports.dot as SimdScanner["dot"];
    this.dotRows = exports.dotRows as SimdScanner["dotRows"];
    this.queryPtr = 0;
    this.basePtr = this.stride * 4;
    this.outPtr = this.basePtr + this.stride * this.rows * 4;
    this.rowsPtr = this.outPtr + this.rows * 4;
    const heap = new Float32Array(this.memory.buffer);
    if (this.stride === dimension) heap.set(data, this.basePtr / 4);
    else for (let r = 0; r < this.rows; r++) heap.set(data.subarray(r * dimension, (r + 1) * dimension), this.basePtr / 4 + r * this.stride);
  }

  /** Undefined where the runtime has no WebAssembly SIMD. */
  static create(data: Float32Array, dimension: number): SimdScanner | undefined {
    const module = compiled("exact", () => [dotKernel(), dotRowsKernel()]);
    return module ? new SimdScanner(module, data, dimension) : undefined;
  }

  /** The stored rows, `stride` floats apart (a view into wasm memory). */
  get vectors(): Float32Array {
    return new Float32Array(this.memory.buffer, this.basePtr, this.rows * this.stride);
  }

  /** Inner products of `query` with every row (a view into wasm memory, valid until the next call). */
  scores(query: Float32Array): Float32Array {
    this.setQuery(query);
    this.dot(this.queryPtr, this.basePtr, this.rows, this.stride, this.outPtr);
    return new Float32Array(this.memory.buffer, this.outPtr, this.rows);
  }

  /**
   * Inner products of `query` with the given rows, in their order: the same float32 values
   * `scores` gives for them (a view into wasm memory, valid until the next call).
   */
  rescore(query: Float32Array, rows: Int32Array): Float32Array {
    if (rows.length > this.rows) throw new RangeError(`rescore: ${rows.length} rows asked of ${this.rows}`);
    this.setQuery(query);
    new Int32Array(this.memory.buffer, this.rowsPtr, rows.length).set(rows);
    this.dotRows(this.queryPtr, this.basePtr, this.rowsPtr, rows.length, this.stride, this.outPtr);
    return new Float32Array(this.memory.buffer, this.outPtr, rows.length);
  }

  private setQuery(query: Float32Array): void {
    const heap = new Float32Array(this.memory.buffer, this.queryPtr, this.stride);
    heap.fill(0);
    heap.set(query.subarray(0, this.dimension));
  }
}

/** The kernels of the quantized first pass, over one memory (see quantized.ts). */
export interface FilterKernels {
  readonly memory: { readonly buffer: ArrayBuffer };
  hamming(q: number, codes: number, n4: number, out: number): void;
  histogram(values: number, n: number, hist: number): void;
  select(values: number, n4: number, t: number, quota: number, out: number): number;
  dotI8Rows(q: number, codes: number, rows: number, count: number, w: number, out: number): void;
  stats(src: number, rows: number, w: number, sum: number, lo: number, hi: number): void;
  encode(src: number, rows: number, w: number, mean: number, inv: number, codes: number, bits: number, bitBytes: number): void;
}

/**
 * The first-pass kernels for binary codes of `chunks` 16-byte blocks, bound to a fresh memory of
 * at least `bytes`; undefined where the runtime has no WebAssembly SIMD.
 */
export function filterKernels(chunks: number, bytes: number): FilterKernels | undefined {
  const module = compiled(`filter:${chunks}`, () => [hammingKernel(chunks), histogramKernel(), selectKernel(), dotI8RowsKernel(), statsKernel(), encodeKernel()]);
  if (!module) return undefined;
  const { memory, exports } = instantiate(module, bytes);
  return {
    memory,
    hamming: exports.hamming as FilterKernels["hamming"],
    histogram: exports.histogram as FilterKernels["histogram"],
    select: exports.select as FilterKernels["select"],
    dotI8Rows: exports.dotI8Rows as FilterKernels["dotI8Rows"],
    stats: exports.stats as FilterKernels["stats"],
    encode: exports.encode as FilterKernels["encode"],
  };
}
