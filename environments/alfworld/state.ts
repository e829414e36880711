/**
 * The fact store. Entities are numbered by their rank in sorted id order, and a fact of arity k
 * is encoded as one number (its argument ranks in base N), so numeric order of the codes is the
 * (arg1 id, arg2 id, ...) order in which TextWorld enumerates facts. Each predicate keeps a sorted
 * code array (for ordered queries) and a set (for membership tests).
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

class CodeSet {
  readonly codes: number[];
  readonly members: Set<number>;

  constructor(codes: number[] = []) {
    this.codes = codes;
    this.members = new Set(codes);
  }

  add(code: number): boolean {
    if (this.members.has(code)) return false;
    this.members.add(code);
    const codes = this.codes;
    let lo = 0;
    let hi = codes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (codes[mid]! < code) lo = mid + 1;
      else hi = mid;
    }
    codes.splice(lo, 0, code);
    return true;
  }

  delete(code: number): boolean {
    if (!this.members.delete(code)) return false;
    const codes = this.codes;
    let lo = 0;
    let hi = codes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (codes[mid]! < code) lo = mid + 1;
      else hi = mid;
    }
    codes.splice(lo, 1);
    return true;
  }

  clone(): CodeSet {
    return new CodeSet(this.codes.slice());
  }
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
    return this.positive[pred]?.members.has(code) ?? false;
  }

  hasNegated(pred: number, code: number): boolean {
    return this.negative[pred]?.members.has(code) ?? false;
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
