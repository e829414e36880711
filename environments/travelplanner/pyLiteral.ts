/**
 * A parser for Python literals (`ast.literal_eval` subset): strings with escapes and implicit
 * concatenation, numbers, True/False/None, lists, tuples and dicts. The official query CSV stores
 * `date`, `local_constraint` and `reference_information` this way, and some official plan files
 * hold plans as Python reprs. Never `eval`.
 */
import type { PyValue } from "./format.js";

export class PyLiteralError extends Error {
  override readonly name = "PyLiteralError";
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at offset ${position}`);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\", "'": "'", '"': '"', n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0",
};

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail("unexpected trailing text");
    return v;
  }

  private fail(msg: string): never {
    throw new PyLiteralError(msg, this.i);
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail("unexpected end of input");
    if (c === "[") return this.sequence("[", "]");
    if (c === "(") return this.sequence("(", ")");
    if (c === "{") return this.dict();
    if (c === "'" || c === '"' || ((c === "r" || c === "u" || c === "R" || c === "U") && /['"]/.test(this.s[this.i + 1] ?? ""))) {
      let out = this.string();
      // Adjacent literals concatenate, as in Python source.
      for (;;) {
        const save = this.i;
        this.ws();
        const n = this.s[this.i];
        if (n === "'" || n === '"') out += this.string();
        else {
          this.i = save;
          return out;
        }
      }
    }
    const word = /^(None|True|False|-?inf|nan)\b/.exec(this.s.slice(this.i, this.i + 6));
    if (word) {
      this.i += word[1]!.length;
      switch (word[1]) {
        case "None": return null;
        case "True": return true;
        case "False": return false;
        case "nan": return Number.NaN;
        case "inf": return Number.POSITIVE_INFINITY;
        default: return Number.NEGATIVE_INFINITY;
      }
    }
    const num = /^[+-]?(?:\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(this.s.slice(this.i, this.i + 64));
    if (num) {
      this.i += num[0].length;
      return Number(num[0].replace(/_/g, ""));
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private sequence(open: string, close: string): PyValue[] {
    this.i++; // open
    const out: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      const c = this.s[this.i];
      if (c === ",") this.i++;
      else if (c !== close) this.fail(`expected "," or "${close}" in ${open}${close}`);
    }
  }

  private dict(): { [key: string]: PyValue } {
    this.i++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return out;
      }
      const key = this.value();
      if (typeof key !== "string" && typeof key !== "number") this.fail("dict keys must be strings or numbers");
      this.ws();
      if (this.s[this.i] !== ":") this.fail('expected ":"');
      this.i++;
      out[String(key)] = this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === ",") this.i++;
      else if (c !== "}") this.fail('expected "," or "}"');
    }
  }

  private string(): string {
    let raw = false;
    while (/[rRuU]/.test(this.s[this.i]!)) {
      if (/[rR]/.test(this.s[this.i]!)) raw = true;
      this.i++;
    }
    const quote = this.s[this.i]!;
    const triple = this.s.startsWith(quote.repeat(3), this.i);
    const q = triple ? quote.repeat(3) : quote;
    this.i += q.length;
    let out = "";
    for (;;) {
      if (this.i >= this.s.length) this.fail("unterminated string");
      if (this.s.startsWith(q, this.i)) {
        this.i += q.length;
        return out;
      }
      const c = this.s[this.i]!;
      if (c === "\\") {
        const n = this.s[this.i + 1];
        if (n === undefined) this.fail("unterminated string");
        if (raw) {
          out += c + n;
          this.i += 2;
          continue;
        }
        if (n in SIMPLE_ESCAPES && !(n === "0" && /[0-7]/.test(this.s[this.i + 2] ?? ""))) {
          out += SIMPLE_ESCAPES[n];
          this.i += 2;
        } else if (n === "x" || n === "u" || n === "U") {
          const len = n === "x" ? 2 : n === "u" ? 4 : 8;
          const hex = this.s.slice(this.i + 2, this.i + 2 + len);
          if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${n} escape`);
          out += String.fromCodePoint(parseInt(hex, 16));
          this.i += 2 + len;
        } else if (/[0-7]/.test(n)) {
          const oct = /^[0-7]{1,3}/.exec(this.s.slice(this.i + 1, this.i + 4))![0];
          out += String.fromCodePoint(parseInt(oct, 8));
          this.i += 1 + oct.length;
        } else if (n === "\n") {
          this.i += 2; // line continuation
        } else {
          out += c + n; // unknown escapes stay verbatim in Python
          this.i += 2;
        }
        continue;
      }
      if (!triple && c === "\n") this.fail("newline in string");
      out += c;
      this.i++;
    }
  }
}

/** Parses one Python literal; throws PyLiteralError with the offset of the problem. */
export function parsePyLiteral(text: string): PyValue {
  return new Parser(text).parse();
}
