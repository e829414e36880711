/**
 * The fact store. Entities are numbered by their rank in sorted id order, and a fact of arity k
 * is encoded as one number (its argument ranks in base N), so numeric order of the codes is the
 * (arg1 id, arg2 id, ...) order in which TextWorld enumerates facts. Each predicate keeps its
 * codes in one sorted array, which serves ordered queries and membership tests alike.
 *
 * Besides the true facts, the store keeps the "negated" facts TextWorld's state mirror holds:
 * every fact an action deleted, until an action adds it back. The grammar reads some of them
 * (`not_inreceptacle` in the `look` text).
 */
export class Predicates {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  readonly arities: number[] = [];

  /** The id of a predicate, registering it on first use. */
  id(name: string, arity: number): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
      this.arities.push(arity);
    }
    return id;
  }

  lookup(name: string): number | undefined {
    return this.ids.get(name);
  }
}

/**
 * A sorted array of fact codes. Membership is a binary search: predicates hold at most a few
 * hundred facts, and a plain array is cheap to copy on reset (a hash set is not).
 */
class CodeSet {
  constructor(readonly codes: number[] = []) {}

  has(code: number): boolean {
    const i = lowerBound(this.codes, code);
    return i < this.codes.length && this.codes[i] === code;
  }

  add(code: number): boolean {
    const i = lowerBound(this.codes, code);
    if (i < this.codes.length && this.codes[i] === code) return false;
    this.codes.splice(i, 0, code);
    return true;
  }

  delete(code: number): boolean {
    const i = lowerBound(this.codes, code);
    if (i >= this.codes.length || this.codes[i] !== code) return false;
    this.codes.splice(i, 1);
    return true;
  }

  clone(): CodeSet {
    return new CodeSet(this.codes.slice());
  }
}

/** Index of the first code >= value. */
export function lowerBound(codes: readonly number[], value: number): number {
  let lo = 0;
  let hi = codes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (codes[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const EMPTY: readonly number[] = [];

export class FactStore {
  private readonly positive: (CodeSet | undefined)[];
  private readonly negative: (CodeSet | undefined)[];

  /** `base` is the number of entities; codes are written in that base. */
  constructor(
    readonly base: number,
    positive: (CodeSet | undefined)[] = [],
    negative: (CodeSet | undefined)[] = [],
  ) {
    this.positive = positive;
    this.negative = negative;
  }

  encode1(a: number): number {
    return a;
  }

  encode2(a: number, b: number): number {
    return a * this.base + b;
  }

  encode(args: readonly number[]): number {
    let code = 0;
    for (const a of args) code = code * this.base + a;
    return code;
  }

  has(pred: number, code: number): boolean {
    return this.positive[pred]?.has(code) ?? false;
  }

  hasNegated(pred: number, code: number): boolean {
    return this.negative[pred]?.has(code) ?? false;
  }

  /** Sorted codes of the true facts of a predicate (do not mutate). */
  codes(pred: number): readonly number[] {
    return this.positive[pred]?.codes ?? EMPTY;
  }

  /** Sorted codes of the deleted facts of a predicate (TextWorld's `not_<pred>` facts). */
  negatedCodes(pred: number): readonly number[] {
    return this.negative[pred]?.codes ?? EMPTY;
  }

  /** TextWorld's `apply`: adding a fact removes its negation, and the other way round. */
  add(pred: number, code: number): void {
    (this.positive[pred] ??= new CodeSet()).add(code);
    this.negative[pred]?.delete(code);
  }

  delete(pred: number, code: number): void {
    this.positive[pred]?.delete(code);
    (this.negative[pred] ??= new CodeSet()).add(code);
  }

  clone(): FactStore {
    return new FactStore(
      this.base,
      this.positive.map((s) => s?.clone()),
      this.negative.map((s) => s?.clone()),
    );
  }
}
