import { type EntityTable, GrammarError, type Mapping, type Query, compileQuery, forEachAssignment } from "./query.js";
import type { FactStore, Predicates } from "./state.js";
import type { GrammarRule } from "./twl2.js";

// ---------------------------------------------------------------------------------------------
// Right-hand sides: literal text, #nonterminal#, {expression | query} and [list] symbols.

type Expr =
  | { readonly t: "str"; readonly value: string }
  | { readonly t: "attr"; readonly placeholder: string; readonly attr: string | undefined }
  | { readonly t: "symbol"; readonly name: string }
  | { readonly t: "concat" | "or"; readonly parts: readonly Expr[] };

type Sym =
  | { readonly t: "text"; readonly text: string }
  | { readonly t: "symbol"; readonly name: string }
  | { readonly t: "eval"; readonly expr: Expr; readonly query: Query | undefined }
  | { readonly t: "list"; readonly item: Extract<Sym, { t: "eval" }> };

type Compiled = readonly Sym[];

function compileRhs(rhs: string, predicates: Predicates): Compiled {
  const out: Sym[] = [];
  let i = 0;
  const fail = (why: string) => new GrammarError(`cannot parse grammar text "${rhs}": ${why}`);
  const readEval = (): Extract<Sym, { t: "eval" }> => {
    const end = rhs.indexOf("}", i);
    if (end < 0) throw fail('"{" is never closed');
    const body = rhs.slice(i + 1, end);
    i = end + 1;
    const bar = body.indexOf("|");
    const expr = compileExpr(bar < 0 ? body : body.slice(0, bar), rhs);
    return { t: "eval", expr, query: bar < 0 ? undefined : compileQuery(body.slice(bar + 1), predicates) };
  };
  while (i < rhs.length) {
    const c = rhs[i]!;
    if (c === "#") {
      const end = rhs.indexOf("#", i + 1);
      if (end < 0) throw fail('"#" is never closed');
      out.push({ t: "symbol", name: rhs.slice(i + 1, end) });
      i = end + 1;
    } else if (c === "{") out.push(readEval());
    else if (c === "[") {
      i++;
      while (rhs[i] === " ") i++;
      if (rhs[i] !== "{") throw fail('a list must hold one "{expression | query}"');
      const item = readEval();
      while (rhs[i] === " ") i++;
      if (rhs[i] !== "]") throw fail('"[" is never closed');
      i++;
      out.push({ t: "list", item });
    } else if ("]}|;<>\"".includes(c)) throw fail(`unexpected "${c}"`);
    else {
      let end = i;
      while (end < rhs.length && !"#{[]}|;<>\"".includes(rhs[end]!)) end++;
      out.push({ t: "text", text: rhs.slice(i, end) });
      i = end;
    }
  }
  return out;
}

/** The expression forms ALFWorld's grammar uses: `o.name`, `'text'`, `a + b`, `a or b`, `#symbol#`, `o`. */
function compileExpr(text: string, rhs: string): Expr {
  const orParts = splitTopLevel(text, " or ");
  if (orParts.length > 1) return { t: "or", parts: orParts.map((p) => compileExpr(p, rhs)) };
  const plusParts = splitTopLevel(text, "+");
  if (plusParts.length > 1) return { t: "concat", parts: plusParts.map((p) => compileExpr(p, rhs)) };
  const s = text.trim();
  const quoted = /^'([^']*)'$/.exec(s) ?? /^"([^"]*)"$/.exec(s);
  if (quoted) return { t: "str", value: quoted[1]! };
  const symbol = /^#([^#]+)#$/.exec(s);
  if (symbol) return { t: "symbol", name: symbol[1]! };
  const attr = /^([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?$/.exec(s);
  if (attr) return { t: "attr", placeholder: attr[1]!, attr: attr[2] };
  throw new GrammarError(`cannot parse the expression "${s}" in "${rhs}"`);
}

function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

// ---------------------------------------------------------------------------------------------

interface CompiledRule {
  readonly condition: Query | undefined;
  readonly rhs: string;
}

/**
 * Renders text from the grammar against a state: a symbol's first rule whose condition has a
 * satisfying assignment wins (conditions test, they do not bind), lists are rendered "a, b, and c"
 * with the grammar's own separators. Right-hand sides compile on first use, so a broken rule that
 * is never reached (ALFWorld ships one) does not stop a game from loading.
 */
export class TextGenerator {
  private readonly rules = new Map<string, readonly CompiledRule[]>();
  private readonly compiled = new Map<string, Compiled>();

  constructor(
    rules: ReadonlyMap<string, readonly GrammarRule[]>,
    private readonly predicates: Predicates,
    private readonly entities: EntityTable,
  ) {
    for (const [name, alternatives] of rules) {
      this.rules.set(
        name,
        alternatives.map((r) => ({ condition: r.condition === undefined ? undefined : compileQuery(r.condition, predicates), rhs: r.rhs })),
      );
    }
  }

  /** Renders a symbol string such as `#intro#`, `take {o} from {r}` or `#PutObject.feedback#`. */
  render(text: string, facts: FactStore, mapping: Mapping = new Map()): string {
    return this.renderSyms(this.compile(text), facts, mapping);
  }

  /** The predicates a text reads through queries, transitively (used to know what can be cached). */
  predicatesRead(text: string, seen = new Set<string>()): Set<number> {
    const out = new Set<number>();
    const visitExpr = (e: Expr): void => {
      if (e.t === "symbol") for (const p of this.symbolPredicates(e.name, seen)) out.add(p);
      else if (e.t === "concat" || e.t === "or") e.parts.forEach(visitExpr);
    };
    const visitQuery = (q: Query | undefined) => q?.forEach((a) => out.add(a.pred));
    for (const sym of this.compile(text)) {
      if (sym.t === "symbol") for (const p of this.symbolPredicates(sym.name, seen)) out.add(p);
      else if (sym.t === "eval") (visitExpr(sym.expr), visitQuery(sym.query));
      else if (sym.t === "list") (visitExpr(sym.item.expr), visitQuery(sym.item.query));
    }
    return out;
  }

  private symbolPredicates(name: string, seen: Set<string>): Set<number> {
    const out = new Set<number>();
    if (seen.has(name)) return out;
    seen.add(name);
    for (const rule of this.rules.get(name) ?? []) {
      rule.condition?.forEach((a) => out.add(a.pred));
      for (const p of this.predicatesRead(rule.rhs, seen)) out.add(p);
    }
    return out;
  }

  private compile(text: string): Compiled {
    let c = this.compiled.get(text);
    if (!c) {
      c = compileRhs(text, this.predicates);
      this.compiled.set(text, c);
    }
    return c;
  }

  private renderSyms(syms: Compiled, facts: FactStore, mapping: Mapping): string {
    let out = "";
    for (const sym of syms) {
      switch (sym.t) {
        case "text":
          out += sym.text;
          break;
        case "symbol":
          out += this.derive(sym.name, facts, mapping);
          break;
        case "eval":
          if (sym.query === undefined) out += this.evaluate(sym.expr, facts, mapping);
          else out += this.items(sym, facts, mapping).join("");
          break;
        case "list":
          out += this.formatList(this.items(sym.item, facts, mapping), facts, mapping);
          break;
      }
    }
    return out;
  }

  private items(sym: Extract<Sym, { t: "eval" }>, facts: FactStore, mapping: Mapping): string[] {
    const items: string[] = [];
    forEachAssignment(sym.query!, facts, this.entities, mapping, (m) => {
      items.push(this.evaluate(sym.expr, facts, m));
    });
    return items;
  }

  private formatList(items: string[], facts: FactStore, mapping: Mapping): string {
    if (items.length === 0) return this.derive("list_empty", facts, mapping);
    if (items.length === 1) return items[0]!;
    const separator = this.derive("list_separator", facts, mapping);
    const last = this.derive("list_last_separator", facts, mapping);
    return items.slice(0, -1).join(separator) + last + items[items.length - 1]!;
  }

  private derive(name: string, facts: FactStore, mapping: Mapping): string {
    const rules = this.rules.get(name);
    if (!rules) throw new GrammarError(`the grammar has no rule "${name}"`);
    for (const rule of rules) {
      if (rule.condition === undefined || forEachAssignment(rule.condition, facts, this.entities, mapping, () => true)) {
        return this.renderSyms(this.compile(rule.rhs), facts, mapping);
      }
    }
    throw new GrammarError(`no rule of "${name}" applies`);
  }

  private evaluate(expr: Expr, facts: FactStore, mapping: Mapping): string {
    switch (expr.t) {
      case "str":
        return expr.value;
      case "symbol":
        return this.derive(expr.name, facts, mapping);
      case "concat":
        return expr.parts.map((p) => this.evaluate(p, facts, mapping)).join("");
      case "or":
        for (const p of expr.parts) {
          const v = this.evaluate(p, facts, mapping);
          if (v !== "") return v;
        }
        return "";
      case "attr": {
        const entity = mapping.get(expr.placeholder);
        if (entity === undefined) throw new GrammarError(`"${expr.placeholder}" is not bound`);
        switch (expr.attr) {
          case undefined:
          case "name":
            return this.entities.names[entity]!;
          case "id":
            return this.entities.ids[entity]!;
          case "indefinite":
            return "a";
          case "definite":
            return "the";
          case "type":
            return this.entities.types[entity]!;
          default:
            throw new GrammarError(`unknown entity attribute "${expr.attr}"`);
        }
      }
    }
  }
}
