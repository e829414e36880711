import { InputError } from "../../core/errors.js";

/** A parsed s-expression: an atom (lower-cased, as Fast Downward reads PDDL) or a list. */
export type SExpr = SAtom | SList;
export interface SAtom {
  readonly kind: "atom";
  readonly value: string;
  readonly line: number;
  readonly column: number;
}
export interface SList {
  readonly kind: "list";
  readonly items: SExpr[];
  readonly line: number;
  readonly column: number;
}

/** Where a PDDL text came from, so that syntax errors can name the file and the position. */
export interface Source {
  file?: string;
  /** Which part of the file the text is (e.g. `pddl_problem`), for files that embed several texts. */
  field?: string;
}

/**
 * Reads PDDL text the way Fast Downward's lisp parser does: `;` comments run to the end of the
 * line, parentheses are tokens of their own, everything else splits on whitespace and is
 * lower-cased. A stray comma stays part of its token, which matters (see `pddl.ts`).
 */
export function parseSExpressions(text: string, source: Source = {}): SExpr[] {
  const roots: SExpr[] = [];
  const stack: { items: SExpr[]; line: number; column: number }[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = text.length;
  const push = (expr: SExpr) => (stack.length > 0 ? stack[stack.length - 1]!.items.push(expr) : roots.push(expr));
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      lineStart = i;
    } else if (c === 59 /* ; */) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
    } else if (c === 40 /* ( */) {
      stack.push({ items: [], line, column: i - lineStart + 1 });
      i++;
    } else if (c === 41 /* ) */) {
      const open = stack.pop();
      if (!open) throw syntaxError(source, line, i - lineStart + 1, 'unexpected ")"');
      push({ kind: "list", items: open.items, line: open.line, column: open.column });
      i++;
    } else if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
    } else {
      const start = i;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 40 || d === 41 || d === 59 || d === 32 || d === 9 || d === 10 || d === 13 || d === 12 || d === 11) break;
        i++;
      }
      push({ kind: "atom", value: text.slice(start, i).toLowerCase(), line, column: start - lineStart + 1 });
    }
  }
  const unclosed = stack.pop();
  if (unclosed) throw syntaxError(source, unclosed.line, unclosed.column, '"(" is never closed');
  return roots;
}

export function syntaxError(source: Source, line: number, column: number, message: string): InputError {
  const where = source.field ? ` (in ${source.field})` : "";
  return new InputError(`PDDL syntax error at line ${line}, column ${column}${where}: ${message}`, { file: source.file });
}

export function isAtom(expr: SExpr | undefined, value?: string): expr is SAtom {
  return expr !== undefined && expr.kind === "atom" && (value === undefined || expr.value === value);
}

export function isList(expr: SExpr | undefined): expr is SList {
  return expr !== undefined && expr.kind === "list";
}
