import { type SExpr, type SList, type Source, isAtom, isList, parseSExpressions, syntaxError } from "./sexpr.js";

/** A term of a formula: a variable (`?o`, stored without the `?`) or a constant entity id. */
export type Term = { readonly variable: string } | { readonly constant: string };

export interface TypedName {
  readonly name: string;
  readonly type: string;
}

/** First-order formulas as they occur in PDDL goals (and domain preconditions). */
export type Formula =
  | { readonly kind: "atom"; readonly predicate: string; readonly args: readonly Term[] }
  | { readonly kind: "equal"; readonly left: Term; readonly right: Term }
  | { readonly kind: "not"; readonly operand: Formula }
  | { readonly kind: "and" | "or"; readonly operands: readonly Formula[] }
  | { readonly kind: "imply"; readonly premise: Formula; readonly conclusion: Formula }
  | { readonly kind: "exists" | "forall"; readonly variables: readonly TypedName[]; readonly body: Formula };

/** A ground atom: predicate and entity ids, all lower-case. */
export interface GroundAtom {
  readonly predicate: string;
  readonly args: readonly string[];
}

export interface PddlProblem {
  readonly name: string;
  /** Declared objects with their types, in declaration order. */
  readonly objects: readonly TypedName[];
  /** The `:init` atoms, without `=`/numeric fluents. */
  readonly init: readonly GroundAtom[];
  readonly goal: Formula;
}

export interface PddlAction {
  readonly name: string;
  readonly parameters: readonly TypedName[];
  readonly precondition: SExpr | undefined;
  readonly effect: SExpr | undefined;
}

export interface PddlDomain {
  readonly name: string;
  /** Live (not commented out) actions keyed by lower-cased name. */
  readonly actions: ReadonlyMap<string, PddlAction>;
}

export function parseProblem(text: string, source: Source = {}): PddlProblem {
  const define = single(parseSExpressions(text, source), source, "problem");
  let name = "";
  let objects: TypedName[] = [];
  let init: GroundAtom[] | undefined;
  let goal: Formula | undefined;
  for (const section of define.items.slice(1)) {
    if (!isList(section)) throw syntaxError(source, section.line, section.column, `unexpected "${section.value}" in the problem`);
    const head = section.items[0];
    if (isAtom(head, "problem")) name = atomAt(section, 1, source, "a problem name");
    else if (isAtom(head, ":domain")) continue;
    else if (isAtom(head, ":objects")) objects = parseTypedList(section.items.slice(1), source);
    else if (isAtom(head, ":init")) init = section.items.slice(1).flatMap((fact) => parseInitFact(fact, source));
    else if (isAtom(head, ":goal")) goal = parseFormula(expectItem(section, 1, source, "a goal formula"), source);
    else if (isAtom(head, ":metric") || isAtom(head, ":requirements")) continue;
    else throw syntaxError(source, section.line, section.column, `unknown problem section ${describe(head)}`);
  }
  if (!init) throw syntaxError(source, define.line, define.column, "the problem has no :init section");
  if (!goal) throw syntaxError(source, define.line, define.column, "the problem has no :goal section");
  return { name, objects, init, goal };
}

export function parseDomain(text: string, source: Source = {}): PddlDomain {
  const define = single(parseSExpressions(text, source), source, "domain");
  let name = "";
  const actions = new Map<string, PddlAction>();
  for (const section of define.items.slice(1)) {
    if (!isList(section)) throw syntaxError(source, section.line, section.column, `unexpected "${section.value}" in the domain`);
    const head = section.items[0];
    if (isAtom(head, "domain")) name = atomAt(section, 1, source, "a domain name");
    else if (isAtom(head, ":action")) {
      const action = parseAction(section, source);
      actions.set(action.name, action);
    }
  }
  return { name, actions };
}

function parseAction(section: SList, source: Source): PddlAction {
  const name = atomAt(section, 1, source, "an action name");
  let parameters: TypedName[] = [];
  let precondition: SExpr | undefined;
  let effect: SExpr | undefined;
  for (let i = 2; i < section.items.length; i += 2) {
    const key = section.items[i]!;
    const value = section.items[i + 1];
    if (!isAtom(key) || value === undefined) throw syntaxError(source, key.line, key.column, `malformed action "${name}"`);
    if (key.value === ":parameters") {
      if (!isList(value)) throw syntaxError(source, value.line, value.column, "expected a parameter list");
      parameters = parseTypedList(value.items, source);
    } else if (key.value === ":precondition") precondition = value;
    else if (key.value === ":effect") effect = value;
  }
  return { name, parameters, precondition, effect };
}

function single(exprs: SExpr[], source: Source, what: string): SList {
  const define = exprs[0];
  if (!isList(define) || !isAtom(define.items[0], "define")) {
    const at = define ?? { line: 1, column: 1 };
    throw syntaxError(source, at.line, at.column, `expected "(define (${what} ...) ...)"`);
  }
  if (exprs.length > 1) throw syntaxError(source, exprs[1]!.line, exprs[1]!.column, "unexpected text after the definition");
  return define;
}

/** `a b - type c - type2 d` (an untyped tail is of type `object`, as in PDDL). */
function parseTypedList(items: readonly SExpr[], source: Source): TypedName[] {
  const out: TypedName[] = [];
  let pending: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (!isAtom(item)) throw syntaxError(source, item.line, item.column, "expected a name in a typed list");
    if (item.value === "-") {
      const type = items[++i];
      if (!isAtom(type)) throw syntaxError(source, item.line, item.column, 'expected a type after "-"');
      for (const name of pending) out.push({ name, type: type.value });
      pending = [];
    } else pending.push(item.value.startsWith("?") ? item.value.slice(1) : item.value);
  }
  for (const name of pending) out.push({ name, type: "object" });
  return out;
}

function parseInitFact(fact: SExpr, source: Source): GroundAtom[] {
  if (!isList(fact) || fact.items.length === 0) throw syntaxError(source, fact.line, fact.column, "expected an atom in :init");
  const head = fact.items[0]!;
  if (!isAtom(head)) throw syntaxError(source, fact.line, fact.column, "expected a predicate name");
  if (head.value === "=") return []; // numeric fluents (total-cost, distance) play no part in the text game
  const args = fact.items.slice(1).map((arg) => {
    if (!isAtom(arg)) throw syntaxError(source, arg.line, arg.column, "expected an object name");
    return arg.value;
  });
  return [{ predicate: head.value, args }];
}

export function parseFormula(expr: SExpr, source: Source): Formula {
  if (!isList(expr)) throw syntaxError(source, expr.line, expr.column, `expected a formula, got "${expr.value}"`);
  const head = expr.items[0];
  if (!isAtom(head)) {
    // `()` is the empty precondition.
    if (head === undefined) return { kind: "and", operands: [] };
    throw syntaxError(source, expr.line, expr.column, "expected a connective or predicate name");
  }
  const rest = expr.items.slice(1);
  switch (head.value) {
    case "and":
    case "or":
      return { kind: head.value, operands: rest.map((f) => parseFormula(f, source)) };
    case "not":
      return { kind: "not", operand: parseFormula(expectItem(expr, 1, source, "an operand"), source) };
    case "imply":
      return {
        kind: "imply",
        premise: parseFormula(expectItem(expr, 1, source, "a premise"), source),
        conclusion: parseFormula(expectItem(expr, 2, source, "a conclusion"), source),
      };
    case "exists":
    case "forall": {
      const vars = expectItem(expr, 1, source, "a variable list");
      if (!isList(vars)) throw syntaxError(source, vars.line, vars.column, "expected a variable list");
      return { kind: head.value, variables: parseTypedList(vars.items, source), body: parseFormula(expectItem(expr, 2, source, "a body"), source) };
    }
    case "=":
      return { kind: "equal", left: parseTerm(expectItem(expr, 1, source, "a term"), source), right: parseTerm(expectItem(expr, 2, source, "a term"), source) };
    default:
      return { kind: "atom", predicate: head.value, args: rest.map((t) => parseTerm(t, source)) };
  }
}

function parseTerm(expr: SExpr, source: Source): Term {
  if (!isAtom(expr)) throw syntaxError(source, expr.line, expr.column, "expected a variable or an object name");
  return expr.value.startsWith("?") ? { variable: expr.value.slice(1) } : { constant: expr.value };
}

function expectItem(list: SList, index: number, source: Source, what: string): SExpr {
  const item = list.items[index];
  if (item === undefined) throw syntaxError(source, list.line, list.column, `expected ${what}`);
  return item;
}

function atomAt(list: SList, index: number, source: Source, what: string): string {
  const item = expectItem(list, index, source, what);
  if (!isAtom(item)) throw syntaxError(source, item.line, item.column, `expected ${what}`);
  return item.value;
}

/** Every `(receptacletype ?r <constant>)` atom inside an s-expression: the appliance types an action accepts. */
export function receptacleTypeConstants(expr: SExpr | undefined): string[] {
  if (!isList(expr)) return [];
  const [head, , type] = expr.items;
  if (isAtom(head, "receptacletype") && isAtom(type) && !type.value.startsWith("?")) return [type.value];
  return expr.items.flatMap(receptacleTypeConstants);
}

function describe(expr: SExpr | undefined): string {
  return expr?.kind === "atom" ? `"${expr.value}"` : "(...)";
}
