/**
 * pgvector values on the wire. Vectors go out in pgvector's binary format (int16 dimension,
 * int16 unused, big-endian float4s): exact, and a quarter of the bytes and none of the float
 * formatting a text literal costs, which is most of a bulk load's client time. They come back as
 * text, whose shortest-round-trip digits parse back to the same float32 values.
 */

/** One `vector` parameter (pg sends a Buffer as a binary parameter). */
export function vectorParam(v: Float32Array): Buffer {
  const buf = Buffer.allocUnsafe(4 + 4 * v.length);
  writeVector(buf, 0, v);
  return buf;
}

/**
 * One `vector[]` parameter in PostgreSQL's binary array format; `oid` is the element type's oid
 * (the `vector` type is created by the extension, so its oid differs between databases).
 */
export function vectorArrayParam(vs: readonly Float32Array[], oid: number): Buffer {
  let size = 20;
  for (const v of vs) size += 8 + 4 * v.length;
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt32BE(1, 0); // dimensions
  buf.writeInt32BE(0, 4); // no NULL elements
  buf.writeUInt32BE(oid, 8);
  buf.writeInt32BE(vs.length, 12);
  buf.writeInt32BE(1, 16); // lower bound
  let at = 20;
  for (const v of vs) {
    buf.writeInt32BE(4 + 4 * v.length, at);
    at = writeVector(buf, at + 4, v);
  }
  return buf;
}

function writeVector(buf: Buffer, at: number, v: Float32Array): number {
  buf.writeInt16BE(v.length, at);
  buf.writeInt16BE(0, at + 2);
  const body = buf.subarray(at + 4, at + 4 + 4 * v.length);
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(body);
  // Float32Array holds host (little-endian) order; the wire wants network order.
  if (littleEndian) body.swap32();
  return at + 4 + 4 * v.length;
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Parses pgvector's text output, `[0.1,0.2,...]`. */
export function parseVector(text: string): Float32Array {
  const inner = text.trim().slice(1, -1);
  if (inner === "") return new Float32Array(0);
  const parts = inner.split(",");
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) out[i] = Number(parts[i]);
  return out;
}
