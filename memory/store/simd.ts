/**
 * A WebAssembly SIMD kernel for the exact inner-product scan. Debian's faiss is a generic x86-64
 * build (no AVX2), and faiss-node copies arrays element by element, so on the machines we target
 * a 128-bit SIMD loop inside V8 scans faster than the native index. The module is a few dozen
 * bytes, assembled here so that no binary blob is committed.
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

// Instructions used by the kernel.
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32c = (n: number) => [0x41, ...sleb(n)];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const ADD = 0x6a, SHL = 0x74, GE_U = 0x4f, F32_ADD = 0x92;
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], END = 0x0b;
const br = (d: number) => [0x0c, ...uleb(d)];
const brIf = (d: number) => [0x0d, ...uleb(d)];
const V128_LOAD = (offset: number) => simd(0x00, 0x02, ...uleb(offset)); // align hint 4 bytes
const F32X4_ADD = 0xe4, F32X4_MUL = 0xe6, F32X4_EXTRACT = 0x1f;

/**
 * dot(q, base, n, d, out): out[r] = <q, base[r]> for r < n, with d a multiple of 8 (float32
 * pointers in bytes). Two accumulators hide the add latency.
 */
function kernelBody(): number[] {
  const [q, base, n, d, out, r, j, p, acc0, acc1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const zero = simd(0x0c, ...new Array(16).fill(0));
  const addr = (ptr: number, offset: number) => [...get(ptr), ...get(j), ...i32c(2), SHL, ADD, ...V128_LOAD(offset)];
  const mac = (acc: number, offset: number) => [...get(acc), ...addr(q, offset), ...addr(p, offset), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(acc)];
  const lane = (i: number) => [...get(acc0), ...simd(F32X4_EXTRACT, i)];
  const code = [
    ...get(base), ...set(p),
    ...BLOCK, ...LOOP,
    ...get(r), ...get(n), GE_U, ...brIf(1),
    ...zero, ...set(acc0), ...zero, ...set(acc1), ...i32c(0), ...set(j),
    ...BLOCK, ...LOOP,
    ...get(j), ...get(d), GE_U, ...brIf(1),
    ...mac(acc0, 0), ...mac(acc1, 16),
    ...get(j), ...i32c(8), ADD, ...set(j),
    ...br(0), END, END,
    ...get(acc0), ...get(acc1), ...simd(F32X4_ADD), ...set(acc0),
    ...get(out), ...get(r), ...i32c(2), SHL, ADD,
    ...lane(0), ...lane(1), F32_ADD, ...lane(2), F32_ADD, ...lane(3), F32_ADD,
    0x38, 0x02, 0x00, // f32.store align=4 offset=0
    ...get(p), ...get(d), ...i32c(2), SHL, ADD, ...set(p),
    ...get(r), ...i32c(1), ADD, ...set(r),
    ...br(0), END, END,
    END,
  ];
  const locals = vec([[...uleb(3), I32], [...uleb(2), V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

function moduleBytes(): Uint8Array {
  const type = section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0x00]]));
  const imports = section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, 0x01]]));
  const funcs = section(3, vec([[0x00]]));
  const exports = section(7, vec([[...str("dot"), 0x00, 0x00]]));
  const code = section(10, vec([kernelBody()]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...imports, ...funcs, ...exports, ...code]);
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

/** Rows of float32 vectors copied into wasm memory, scanned with the SIMD kernel. */
export class SimdScanner {
  private readonly memory: WasmMemory;
  private readonly dot: (q: number, base: number, n: number, d: number, out: number) => void;
  readonly rows: number;
  private readonly stride: number;
  private readonly queryPtr: number;
  private readonly basePtr: number;
  private readonly outPtr: number;

  private constructor(module: WasmModule, data: Float32Array, dimension: number) {
    this.rows = data.length / dimension;
    this.stride = Math.ceil(dimension / 8) * 8;
    const bytes = (this.stride * (this.rows + 1) + this.rows) * 4;
    this.memory = new wasm!.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
    const instance = new wasm!.Instance(module, { env: { memory: this.memory } });
    this.dot = instance.exports.dot as SimdScanner["dot"];
    this.queryPtr = 0;
    this.basePtr = this.stride * 4;
    this.outPtr = this.basePtr + this.stride * this.rows * 4;
    const heap = new Float32Array(this.memory.buffer);
    if (this.stride === dimension) heap.set(data, this.basePtr / 4);
    else for (let r = 0; r < this.rows; r++) heap.set(data.subarray(r * dimension, (r + 1) * dimension), this.basePtr / 4 + r * this.stride);
  }

  /** Undefined where the runtime has no WebAssembly SIMD. */
  static create(data: Float32Array, dimension: number): SimdScanner | undefined {
    const module = compiledModule();
    return module ? new SimdScanner(module, data, dimension) : undefined;
  }

  /** Inner products of `query` with every row (a view into wasm memory, valid until the next call). */
  scores(query: Float32Array): Float32Array {
    const heap = new Float32Array(this.memory.buffer);
    heap.fill(0, 0, this.stride);
    heap.set(query, 0);
    this.dot(this.queryPtr, this.basePtr, this.rows, this.stride, this.outPtr);
    return heap.subarray(this.outPtr / 4, this.outPtr / 4 + this.rows);
  }
}

let compiled: WasmModule | null | undefined;
function compiledModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = wasm ? new wasm.Module(moduleBytes()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}
