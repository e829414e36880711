import { InputError } from "../../core/errors.js";

/** One alternative of a grammar rule: used when its condition (a query) has a satisfying assignment. */
export interface GrammarRule {
  readonly condition?: string;
  readonly rhs: string;
}

export interface ActionText {
  /** The command template, e.g. `take {o} from {r}`. */
  readonly template: string;
  /** The feedback symbol string, e.g. `#PickupObject.feedback#`. */
  readonly feedback: string;
}

/** A parsed `.twl2` text grammar: the merged rule table and the per-action templates. */
export interface Twl2Grammar {
  readonly rules: ReadonlyMap<string, readonly GrammarRule[]>;
  /** Keyed by lower-cased action name, which is how Fast Downward names operators. */
  readonly actions: ReadonlyMap<string, ActionText>;
}

interface Where {
  file?: string;
  field?: string;
}

/**
 * Parses TextWorld's twl2 format: top-level `grammar :: """{json}""";` blocks and
 * `action Name { template :: "..."; feedback :: "..."; grammar :: """{json}"""; }` entries.
 * All grammar blocks merge into one rule table.
 */
export function parseTwl2(text: string, where: Where = {}): Twl2Grammar {
  const scanner = new Scanner(text, where);
  const rules = new Map<string, GrammarRule[]>();
  const actions = new Map<string, ActionText>();
  const mergeBlock = (block: string, pos: number, isActionGrammar: boolean) => {
    for (const [name, alternatives] of Object.entries(parseRuleBlock(block, () => scanner.lineAt(pos), isActionGrammar, where))) rules.set(name, alternatives);
  };
  for (;;) {
    scanner.skipSpace();
    if (scanner.done()) break;
    const keyword = scanner.word();
    if (keyword === "grammar") {
      scanner.expect("::");
      const { value, pos } = scanner.string();
      scanner.expect(";");
      mergeBlock(value, pos, false);
    } else if (keyword === "action") {
      const name = scanner.word();
      scanner.expect("{");
      let template: string | undefined;
      let feedback: string | undefined;
      for (;;) {
        scanner.skipSpace();
        if (scanner.tryConsume("}")) break;
        const key = scanner.word();
        scanner.expect("::");
        const { value, pos } = scanner.string();
        scanner.expect(";");
        if (key === "template") template = value;
        else if (key === "feedback") feedback = value;
        else if (key === "grammar") mergeBlock(value, pos, true);
        else throw scanner.error(`unknown action entry "${key}"`);
      }
      if (template === undefined || feedback === undefined) throw scanner.error(`action "${name}" needs a template and a feedback`);
      actions.set(name.toLowerCase(), { template, feedback });
    } else throw scanner.error(`expected "grammar" or "action", got "${keyword}"`);
  }
  return { rules, actions };
}

/** `line` is computed only for an error message: counting lines on every block would be quadratic. */
function parseRuleBlock(block: string, line: () => number, isActionGrammar: boolean, where: Where): Record<string, GrammarRule[]> {
  let lines = dedent(block).split("\n");
  // Inside action grammars, TextWorld drops commented-out lines before decoding the JSON.
  if (isActionGrammar) lines = lines.filter((l) => !l.trimStart().startsWith("#"));
  let decoded: unknown;
  try {
    decoded = JSON.parse(lines.join("\n"));
  } catch (err) {
    throw new InputError(`grammar block starting at line ${line()}${where.field ? ` of ${where.field}` : ""} is not valid JSON (${(err as Error).message})`, { file: where.file });
  }
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) {
    throw new InputError(`grammar block starting at line ${line()} must be a JSON object`, { file: where.file });
  }
  const out: Record<string, GrammarRule[]> = {};
  for (const [name, value] of Object.entries(decoded)) {
    if (!Array.isArray(value) || !value.every((r) => typeof r === "object" && r !== null && typeof r.rhs === "string")) {
      throw new InputError(`grammar rule "${name}" (block at line ${line()}) must be a list of {condition?, rhs}`, { file: where.file });
    }
    out[name] = value.map((r: { condition?: unknown; rhs: string }) =>
      typeof r.condition === "string" && r.condition.trim() !== "" ? { condition: r.condition, rhs: r.rhs } : { rhs: r.rhs },
    );
  }
  return out;
}

function dedent(text: string): string {
  const lines = text.split("\n");
  let indent = Infinity;
  for (const l of lines) if (l.trim() !== "") indent = Math.min(indent, l.length - l.trimStart().length);
  return indent === Infinity ? text : lines.map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join("\n");
}

class Scanner {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly where: Where,
  ) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!;
      if (c === " " || c === "\t" || c === "\n" || c === "\r") this.pos++;
      else if (c === "#") while (this.pos < this.text.length && this.text[this.pos] !== "\n") this.pos++;
      else break;
    }
  }

  word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][\w.-]*/.exec(this.text.slice(this.pos, this.pos + 200));
    if (!m) throw this.error("expected a name");
    this.pos += m[0].length;
    return m[0];
  }

  tryConsume(token: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.tryConsume(token)) throw this.error(`expected "${token}"`);
  }

  /** `"""block"""` or `"text"`; both are taken verbatim (no escapes). */
  string(): { value: string; pos: number } {
    this.skipSpace();
    const pos = this.pos;
    const quote = this.text.startsWith('"""', this.pos) ? '"""' : this.text.startsWith('"', this.pos) ? '"' : undefined;
    if (!quote) throw this.error("expected a string");
    const end = this.text.indexOf(quote, this.pos + quote.length);
    if (end < 0) throw this.error("unterminated string");
    const value = this.text.slice(this.pos + quote.length, end);
    this.pos = end + quote.length;
    return { value, pos };
  }

  error(message: string): InputError {
    const line = this.lineAt(this.pos);
    const column = this.pos - this.text.lastIndexOf("\n", this.pos - 1);
    return new InputError(`grammar syntax error at line ${line}, column ${column}${this.where.field ? ` (in ${this.where.field})` : ""}: ${message}`, { file: this.where.file });
  }

  lineAt(pos: number): number {
    let line = 1;
    for (let i = 0; i < pos; i++) if (this.text.charCodeAt(i) === 10) line++;
    return line;
  }
}
