import { Embeddings, type EmbeddingsParams } from "@langchain/core/embeddings";
import { ConfigError } from "../../core/errors.js";

export interface LocalHashEmbeddingsParams extends EmbeddingsParams {
  /** Output dimension (default 384). */
  dimension?: number;
  /** Smallest and largest character n-gram taken inside each word (default 3..5). */
  charNgrams?: [number, number];
  /** Document frequencies of features, from `fit()`; without them every feature weighs the same. */
  idf?: IdfTable;
}

/** Document frequencies over hashed features: the state `fit()` learns and a memory persists. */
export interface IdfTable {
  documents: number;
  /** feature hash (as a decimal string) -> number of documents containing it */
  df: Record<string, number>;
}

const STOPWORDS = new Set(
  "a an the of to in on at for from with by and or is are be it its this that then into onto some any your you".split(" "),
);

/**
 * A network-free embedder: hashed word unigrams, word bigrams and in-word character n-grams,
 * sublinear term frequency, optional IDF learnt from a corpus, signed feature hashing (so that
 * collisions cancel instead of piling up), L2-normalised. Deterministic across runs and machines.
 */
export class LocalHashEmbeddings extends Embeddings {
  readonly dimension: number;
  readonly charNgrams: [number, number];
  private readonly idfTable?: IdfTable;
  private readonly idfWeights?: Map<number, number>;
  private readonly unseenIdf: number;

  constructor(params: LocalHashEmbeddingsParams = {}) {
    super(params);
    this.dimension = params.dimension ?? 384;
    this.charNgrams = params.charNgrams ?? [3, 5];
    if (!Number.isInteger(this.dimension) || this.dimension < 8) throw new ConfigError(`dimension must be an integer >= 8, got ${this.dimension}`);
    this.idfTable = params.idf;
    if (params.idf) {
      const n = params.idf.documents;
      this.idfWeights = new Map();
      for (const [h, df] of Object.entries(params.idf.df)) this.idfWeights.set(Number(h), Math.log((1 + n) / (1 + df)) + 1);
      this.unseenIdf = Math.log(1 + n) + 1;
    } else {
      this.unseenIdf = 1;
    }
  }

  /** A stable identifier: changes whenever the vectors it produces would change. */
  get id(): string {
    const base = `local:hash-v1:d${this.dimension}:c${this.charNgrams.join("-")}`;
    return this.idfTable ? `${base}:idf-${fingerprint(this.idfTable)}` : base;
  }

  get idf(): IdfTable | undefined {
    return this.idfTable;
  }

  /** Returns a copy of this embedder with IDF weights learnt from `texts`. */
  fit(texts: string[]): LocalHashEmbeddings {
    const df = new Map<number, number>();
    for (const text of texts) {
      for (const h of new Set(this.features(text).keys())) df.set(h, (df.get(h) ?? 0) + 1);
    }
    const table: IdfTable = { documents: texts.length, df: {} };
    for (const [h, n] of [...df].sort((a, b) => a[0] - b[0])) table.df[String(h)] = n;
    return new LocalHashEmbeddings({ dimension: this.dimension, charNgrams: this.charNgrams, idf: table });
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => Array.from(this.embedSync(t)));
  }

  async embedQuery(text: string): Promise<number[]> {
    return Array.from(this.embedSync(text));
  }

  /** The synchronous core, for callers that want a Float32Array without the Promise overhead. */
  embedSync(text: string): Float32Array {
    const out = new Float32Array(this.dimension);
    for (const [h, tf] of this.features(text)) {
      const idf = this.idfWeights ? (this.idfWeights.get(h) ?? this.unseenIdf) : 1;
      const w = (1 + Math.log(tf)) * idf;
      const bucket = (h >>> 1) % this.dimension;
      out[bucket]! += h & 1 ? w : -w;
    }
    let norm = 0;
    for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < out.length; i++) out[i]! *= inv;
    }
    return out;
  }

  /** Feature hash -> count. Word features weigh double: they carry most of the meaning. */
  private features(text: string): Map<number, number> {
    const counts = new Map<number, number>();
    const add = (h: number, by: number) => counts.set(h, (counts.get(h) ?? 0) + by);
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    const [lo, hi] = this.charNgrams;
    let prev: string | undefined;
    for (const word of words) {
      const stop = STOPWORDS.has(word);
      add(fnv1a(`w:${word}`), stop ? 0.25 : 2);
      if (prev !== undefined) add(fnv1a(`b:${prev} ${word}`), 1);
      prev = word;
      if (stop) continue;
      const padded = `<${word}>`;
      for (let n = lo; n <= hi; n++) {
        for (let i = 0; i + n <= padded.length; i++) add(fnv1a(`c:${padded.slice(i, i + n)}`), 0.5);
      }
    }
    return counts;
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function fingerprint(table: IdfTable): string {
  let h = fnv1a(String(table.documents));
  for (const [k, v] of Object.entries(table.df)) h = Math.imul(h ^ fnv1a(`${k}=${v}`), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
