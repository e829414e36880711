import type { Formula, Term } from "./pddl.js";
import type { FactStore, Predicates } from "./state.js";

/** What goal evaluation needs from a game: entity indexes by id and the entities of each type. */
export interface GoalContext {
  readonly predicates: Predicates;
  readonly entityIndex: ReadonlyMap<string, number>;
  /** Entities of a PDDL type (for variables that no positive atom binds, e.g. under `forall`). */
  entitiesOfType(type: string): readonly number[];
}

export type GoalTest = (facts: FactStore) => boolean;

type Env = Map<string, number>;

/**
 * Compiles a PDDL goal into a test over the fact store. Existentials are solved by joining their
 * positive atoms against the stored facts (not by enumerating every object of every type), which
 * keeps a two-object goal to a few hundred lookups.
 */
export function compileGoal(goal: Formula, ctx: GoalContext): GoalTest {
  let fresh = 0;
  // Rename bound variables apart so that nested quantifiers can be flattened into one join.
  const rename = (f: Formula, names: ReadonlyMap<string, string>): Formula => {
    const term = (t: Term): Term => ("variable" in t ? { variable: names.get(t.variable) ?? t.variable } : t);
    switch (f.kind) {
      case "atom":
        return { ...f, args: f.args.map(term) };
      case "equal":
        return { ...f, left: term(f.left), right: term(f.right) };
      case "not":
        return { ...f, operand: rename(f.operand, names) };
      case "and":
      case "or":
        return { ...f, operands: f.operands.map((o) => rename(o, names)) };
      case "imply":
        return { ...f, premise: rename(f.premise, names), conclusion: rename(f.conclusion, names) };
      case "exists":
      case "forall": {
        const inner = new Map(names);
        const variables = f.variables.map((v) => {
          const name = `${v.name}#${fresh++}`;
          inner.set(v.name, name);
          return { name, type: v.type };
        });
        return { ...f, variables, body: rename(f.body, inner) };
      }
    }
  };
  const renamed = rename(goal, new Map());
  return (facts) => holds(renamed, new Map(), facts, ctx);
}

function resolve(t: Term, env: Env, ctx: GoalContext): number | undefined | null {
  // null: a constant that names no entity of the game (an atom over it can never hold).
  if ("constant" in t) return ctx.entityIndex.get(t.constant) ?? null;
  return env.get(t.variable);
}

function holds(f: Formula, env: Env, facts: FactStore, ctx: GoalContext): boolean {
  switch (f.kind) {
    case "and":
    case "exists":
      return solve(flatten(f), [], env, facts, ctx);
    case "or":
      return f.operands.some((o) => holds(o, env, facts, ctx));
    case "not":
      return !holds(f.operand, env, facts, ctx);
    case "imply":
      return !holds(f.premise, env, facts, ctx) || holds(f.conclusion, env, facts, ctx);
    case "forall":
      return !solve([{ kind: "not", operand: f.body }], f.variables.map((v) => v), env, facts, ctx);
    case "equal": {
      const a = resolve(f.left, env, ctx);
      const b = resolve(f.right, env, ctx);
      return a !== undefined && a !== null && a === b;
    }
    case "atom": {
      const pred = ctx.predicates.lookup(f.predicate);
      if (pred === undefined) return false;
      let code = 0;
      for (const t of f.args) {
        const v = resolve(t, env, ctx);
        if (v === undefined || v === null) return false;
        code = code * facts.base + v;
      }
      return facts.has(pred, code);
    }
  }
}

/** Conjuncts of nested and/exists, with the existential variables they introduce. */
function flatten(f: Formula, out: { items: Formula[]; vars: { name: string; type: string }[] } = { items: [], vars: [] }) {
  if (f.kind === "and") for (const o of f.operands) flatten(o, out);
  else if (f.kind === "exists") {
    out.vars.push(...f.variables);
    flatten(f.body, out);
  } else out.items.push(f);
  return out;
}

/**
 * Backtracking join: test every conjunct whose variables are bound; otherwise bind variables
 * from the facts of the first positive atom with unbound variables; fall back to enumerating a
 * variable's type only when nothing else can bind it.
 */
function solve(
  conj: Formula[] | { items: Formula[]; vars: { name: string; type: string }[] },
  extraVars: { name: string; type: string }[],
  env: Env,
  facts: FactStore,
  ctx: GoalContext,
): boolean {
  const { items, vars } = Array.isArray(conj) ? { items: conj, vars: extraVars } : conj;
  const scoped = new Set(vars.map((v) => v.name));
  const varsOf = new Map(items.map((g) => [g, [...new Set(freeVariables(g))].filter((v) => scoped.has(v))] as const));
  const free = (g: Formula): string[] => varsOf.get(g)!.filter((v) => !env.has(v));
  const rec = (): boolean => {
    const open: Formula[] = [];
    for (const g of items) {
      if (free(g).length > 0) open.push(g);
      else if (!holds(g, env, facts, ctx)) return false;
    }
    if (open.length === 0) {
      const unbound = vars.find((v) => !env.has(v.name));
      if (!unbound) return true;
      return enumerate(unbound);
    }
    const driver = open.find((g) => g.kind === "atom");
    if (driver && driver.kind === "atom") {
      const pred = ctx.predicates.lookup(driver.predicate);
      if (pred === undefined) return false;
      const arity = driver.args.length;
      for (const code0 of facts.codes(pred)) {
        let code = code0;
        const values = new Array<number>(arity);
        for (let k = arity - 1; k >= 0; k--) {
          values[k] = code % facts.base;
          code = Math.floor(code / facts.base);
        }
        const bound: string[] = [];
        let ok = true;
        for (let k = 0; k < arity && ok; k++) {
          const t = driver.args[k]!;
          const current = resolve(t, env, ctx);
          if (current === null) ok = false;
          else if (current !== undefined) ok = current === values[k];
          else if ("variable" in t) {
            env.set(t.variable, values[k]!);
            bound.push(t.variable);
          }
        }
        const found = ok && rec();
        for (const v of bound) env.delete(v);
        if (found) return true;
      }
      return false;
    }
    const name = free(open[0]!)[0]!;
    return enumerate(vars.find((v) => v.name === name)!);
  };
  const enumerate = (v: { name: string; type: string }): boolean => {
    for (const e of ctx.entitiesOfType(v.type)) {
      env.set(v.name, e);
      const found = rec();
      env.delete(v.name);
      if (found) return true;
    }
    return false;
  };
  return rec();
}

function freeVariables(f: Formula): string[] {
  const out: string[] = [];
  const term = (t: Term) => {
    if ("variable" in t) out.push(t.variable);
  };
  const visit = (g: Formula, bound: Set<string>) => {
    switch (g.kind) {
      case "atom":
        g.args.forEach((t) => "variable" in t && !bound.has(t.variable) && term(t));
        break;
      case "equal":
        [g.left, g.right].forEach((t) => "variable" in t && !bound.has(t.variable) && term(t));
        break;
      case "not":
        visit(g.operand, bound);
        break;
      case "and":
      case "or":
        g.operands.forEach((o) => visit(o, bound));
        break;
      case "imply":
        visit(g.premise, bound);
        visit(g.conclusion, bound);
        break;
      case "exists":
      case "forall":
        visit(g.body, new Set([...bound, ...g.variables.map((v) => v.name)]));
        break;
    }
  };
  visit(f, new Set());
  return out;
}
