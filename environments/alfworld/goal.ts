import { InputError } from "../../core/errors.js";
import type { Formula, Term, TypedName } from "./pddl.js";
import type { FactStore, Predicates } from "./state.js";

/** What goal evaluation needs from a game: entity indexes by id and the entities of each type. */
export interface GoalContext {
  readonly predicates: Predicates;
  readonly entityIndex: ReadonlyMap<string, number>;
  /** Entities of a PDDL type (for variables that no positive atom binds, e.g. under `forall`). */
  entitiesOfType(type: string): readonly number[];
  /** For error messages. */
  readonly file?: string;
}

export type GoalTest = (facts: FactStore) => boolean;

/** Variable slots hold an entity index, or UNBOUND. */
const UNBOUND = -1;
/** A constant that names no entity of the game: an atom over it never holds. */
const MISSING = -2;

type Test = (env: Int32Array, facts: FactStore) => boolean;
/** An atom argument: a variable slot (>= 0) or a constant entity, encoded as -(index + 3). */
type Arg = number;

interface CompiledAtom {
  readonly pred: number | undefined;
  readonly args: readonly Arg[];
}

/** One step of a conjunction's join plan. */
type PlanStep =
  | { readonly kind: "check"; readonly test: Test }
  | { readonly kind: "scan"; readonly atom: CompiledAtom }
  | { readonly kind: "domain"; readonly slot: number; readonly entities: readonly number[] };

/**
 * Compiles a PDDL goal into a test over the fact store. Every variable gets a slot; each
 * conjunction (with the existentials it introduces) gets a static join plan: scan the facts of a
 * positive atom to bind variables, check every conjunct as soon as its variables are bound, and
 * enumerate a type only for a variable no positive atom binds. A two-object goal costs a few
 * hundred lookups, not objects squared.
 */
export function compileGoal(goal: Formula, ctx: GoalContext): GoalTest {
  let slots = 0;
  const arg = (t: Term, scope: ReadonlyMap<string, number>): Arg => {
    if ("variable" in t) {
      const slot = scope.get(t.variable);
      if (slot === undefined) throw new InputError(`the goal uses ?${t.variable}, which no quantifier introduces`, { file: ctx.file, field: "pddl_problem" });
      return slot;
    }
    const e = ctx.entityIndex.get(t.constant);
    return e === undefined ? MISSING : -(e + 3);
  };
  const value = (a: Arg, env: Int32Array): number => (a >= 0 ? env[a]! : a === MISSING ? MISSING : -a - 3);

  const atomTest = (atom: CompiledAtom): Test => (env, facts) => {
    if (atom.pred === undefined) return false;
    let code = 0;
    for (const a of atom.args) {
      const v = value(a, env);
      if (v < 0) return false;
      code = code * facts.base + v;
    }
    return facts.has(atom.pred, code);
  };

  const compile = (f: Formula, scope: ReadonlyMap<string, number>): Test => {
    switch (f.kind) {
      case "atom":
        return atomTest({ pred: ctx.predicates.lookup(f.predicate), args: f.args.map((t) => arg(t, scope)) });
      case "equal": {
        const l = arg(f.left, scope);
        const r = arg(f.right, scope);
        return (env) => {
          const a = value(l, env);
          return a >= 0 && a === value(r, env);
        };
      }
      case "not": {
        const inner = compile(f.operand, scope);
        return (env, facts) => !inner(env, facts);
      }
      case "or": {
        const parts = f.operands.map((o) => compile(o, scope));
        return (env, facts) => parts.some((p) => p(env, facts));
      }
      case "imply": {
        const premise = compile(f.premise, scope);
        const conclusion = compile(f.conclusion, scope);
        return (env, facts) => !premise(env, facts) || conclusion(env, facts);
      }
      case "forall": {
        // forall x: body  ==  not (exists x: not body)
        const counter = conjunction([{ kind: "not", operand: f.body }], f.variables, scope);
        return (env, facts) => !counter(env, facts);
      }
      case "and":
      case "exists":
        return conjunction([f], [], scope);
    }
  };

  /** Flattens nested and/exists and plans the join over the variables they introduce. */
  const conjunction = (formulas: readonly Formula[], variables: readonly TypedName[], outer: ReadonlyMap<string, number>): Test => {
    const scope = new Map(outer);
    const local: { slot: number; type: string }[] = [];
    const introduce = (vars: readonly TypedName[]) => {
      for (const v of vars) {
        const slot = slots++;
        scope.set(v.name, slot);
        local.push({ slot, type: v.type });
      }
    };
    introduce(variables);
    const items: Formula[] = [];
    const flatten = (f: Formula) => {
      if (f.kind === "and") f.operands.forEach(flatten);
      else if (f.kind === "exists") {
        introduce(f.variables);
        flatten(f.body);
      } else items.push(f);
    };
    formulas.forEach(flatten);
    const localSlots = new Set(local.map((l) => l.slot));
    const compiled = items.map((f) => ({
      f,
      test: compile(f, scope),
      atom: f.kind === "atom" ? { pred: ctx.predicates.lookup(f.predicate), args: f.args.map((t) => arg(t, scope)) } : undefined,
      slots: [...new Set(slotsOf(f, scope))].filter((s) => localSlots.has(s)),
    }));
    const plan: PlanStep[] = [];
    const bound = new Set<number>();
    const pending = compiled.slice();
    while (pending.length > 0) {
      for (let i = 0; i < pending.length; ) {
        if (pending[i]!.slots.every((s) => bound.has(s))) plan.push({ kind: "check", test: pending.splice(i, 1)[0]!.test });
        else i++;
      }
      if (pending.length === 0) break;
      const driver = pending.find((c) => c.atom !== undefined);
      if (driver) {
        plan.push({ kind: "scan", atom: driver.atom! });
        driver.slots.forEach((s) => bound.add(s));
      } else {
        const slot = pending[0]!.slots.find((s) => !bound.has(s))!;
        plan.push({ kind: "domain", slot, entities: ctx.entitiesOfType(local.find((l) => l.slot === slot)!.type) });
        bound.add(slot);
      }
    }
    for (const l of local) if (!bound.has(l.slot)) plan.push({ kind: "domain", slot: l.slot, entities: ctx.entitiesOfType(l.type) });
    return (env, facts) => run(plan, 0, env, facts);
  };

  const top = compile(goal, new Map());
  const size = () => slots;
  return (facts) => top(new Int32Array(size()).fill(UNBOUND), facts);
}

function run(plan: readonly PlanStep[], i: number, env: Int32Array, facts: FactStore): boolean {
  if (i === plan.length) return true;
  const step = plan[i]!;
  if (step.kind === "check") return step.test(env, facts) && run(plan, i + 1, env, facts);
  if (step.kind === "domain") {
    for (const e of step.entities) {
      env[step.slot] = e;
      if (run(plan, i + 1, env, facts)) return (env[step.slot] = UNBOUND), true;
    }
    env[step.slot] = UNBOUND;
    return false;
  }
  const { pred, args } = step.atom;
  if (pred === undefined) return false;
  const base = facts.base;
  const arity = args.length;
  const bindings: number[] = [];
  for (const code0 of facts.codes(pred)) {
    let code = code0;
    let ok = true;
    bindings.length = 0;
    for (let k = arity - 1; k >= 0 && ok; k--) {
      const v = code % base;
      code = Math.floor(code / base);
      const a = args[k]!;
      if (a >= 0) {
        const current = env[a]!;
        if (current === UNBOUND) {
          env[a] = v;
          bindings.push(a);
        } else ok = current === v;
      } else ok = a !== MISSING && -a - 3 === v;
    }
    const found = ok && run(plan, i + 1, env, facts);
    for (const s of bindings) env[s] = UNBOUND;
    if (found) return true;
  }
  return false;
}

function slotsOf(f: Formula, scope: ReadonlyMap<string, number>): number[] {
  const out: number[] = [];
  const term = (t: Term, bound: ReadonlySet<string>) => {
    if ("variable" in t && !bound.has(t.variable)) {
      const s = scope.get(t.variable);
      if (s !== undefined) out.push(s);
    }
  };
  const visit = (g: Formula, bound: ReadonlySet<string>): void => {
    switch (g.kind) {
      case "atom":
        g.args.forEach((t) => term(t, bound));
        break;
      case "equal":
        term(g.left, bound);
        term(g.right, bound);
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
