import { MempError, hasKind } from "../../core/errors.js";
import { type FactStore, type Predicates, lowerBound } from "./state.js";

/** What the grammar needs to know about the entities of a game (index = rank in sorted id order). */
export interface EntityTable {
  readonly ids: readonly string[];
  readonly names: readonly string[];
  readonly types: readonly string[];
}

/** Placeholder name to entity index: an operator's parameters plus whatever queries bound. */
export type Mapping = Map<string, number>;

/** A grammar that cannot be rendered (a missing rule, an unparseable right-hand side or query). */
export class GrammarError extends MempError {
  static override readonly kind: string = "memp.GrammarError";

  static override isInstance(value: unknown): value is GrammarError {
    return hasKind(value, GrammarError.kind);
  }

  override readonly name = "GrammarError";
}

/**
 * Grammar queries, `pred(ph:type, ...) & not_pred(...)`, evaluated like TextWorld's
 * State.all_assignments (`not_pred` reads the facts actions deleted).
 */
interface QueryAtom {
  readonly pred: number;
  readonly negated: boolean;
  readonly placeholders: readonly string[];
  readonly types: readonly string[];
}
export type Query = readonly QueryAtom[];

export function compileQuery(text: string, predicates: Predicates): Query {
  return text.split("&").map((part) => {
    const m = /^\s*([\w-]+)\s*\(([^)]*)\)\s*$/.exec(part);
    if (!m) throw new GrammarError(`cannot parse the query "${text}"`);
    const args = m[2]!.split(",").map((a) => a.trim()).filter((a) => a !== "");
    const placeholders: string[] = [];
    const types: string[] = [];
    for (const arg of args) {
      const [ph, type] = arg.split(":").map((s) => s.trim());
      if (!ph || !type) throw new GrammarError(`query argument "${arg}" in "${text}" needs the form name:type`);
      placeholders.push(ph);
      types.push(type);
    }
    const negated = m[1]!.startsWith("not_");
    const name = negated ? m[1]!.slice(4) : m[1]!;
    return { pred: predicates.id(name, args.length), negated, placeholders, types };
  });
}

/**
 * Calls `visit` for every assignment of the query's free placeholders, in TextWorld's order:
 * conjuncts left to right, facts of each in sorted argument order. A placeholder may not take an
 * entity already bound to another one. `visit` returns true to stop early.
 */
export function forEachAssignment(query: Query, facts: FactStore, entities: EntityTable, mapping: Mapping, visit: (m: Mapping) => boolean | void): boolean {
  const base = facts.base;
  const step = (i: number): boolean => {
    if (i === query.length) return visit(mapping) === true;
    const atom = query[i]!;
    const arity = atom.placeholders.length;
    const codes = atom.negated ? facts.negatedCodes(atom.pred) : facts.codes(atom.pred);
    // Bound leading arguments narrow the code range (codes are sorted by argument tuple).
    let lo = 0;
    let hi = codes.length;
    let prefix = 0;
    let bound = 0;
    while (bound < arity) {
      const v = mapping.get(atom.placeholders[bound]!);
      if (v === undefined) break;
      prefix = prefix * base + v;
      bound++;
    }
    if (bound > 0) {
      const scale = base ** (arity - bound);
      lo = lowerBound(codes, prefix * scale);
      hi = lowerBound(codes, (prefix + 1) * scale);
    }
    const args = new Array<number>(arity);
    for (let c = lo; c < hi; c++) {
      let code = codes[c]!;
      for (let k = arity - 1; k >= 0; k--) {
        args[k] = code % base;
        code = Math.floor(code / base);
      }
      // Unify: bound placeholders must match; free ones take the entity if its type fits and
      // no other placeholder holds it.
      let added: string[] | undefined;
      let ok = true;
      for (let k = 0; k < arity && ok; k++) {
        const ph = atom.placeholders[k]!;
        const value = args[k]!;
        const current = mapping.get(ph);
        if (current !== undefined) ok = current === value;
        else if (entities.types[value] !== atom.types[k]) ok = false;
        else {
          for (const other of mapping.values()) if (other === value) ok = false;
          if (ok) {
            mapping.set(ph, value);
            (added ??= []).push(ph);
          }
        }
      }
      const stop = ok && step(i + 1);
      if (added) for (const ph of added) mapping.delete(ph);
      if (stop) return true;
    }
    return false;
  };
  return step(0);
}
