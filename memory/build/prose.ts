/**
 * Reading a model's prose when it did not answer in the JSON asked for. MemP keeps the model's
 * text as the procedure; small local models often ignore a JSON instruction but still write good
 * numbered steps. What is read here must still look like instructions: a refusal, a single
 * sentence or broken JSON is not taken for a procedure.
 */
import { looksLikeJsonAttempt } from "../../core/util/model-json.js";

export interface ProseProcedure {
  procedure: string[];
  pitfalls: string[];
  /** Text before the first step (an explanation, an analysis), without headings. */
  preamble: string;
}

const ITEM = /^\s*(?:(?:step\s*)?\d{1,2}\s*[.):]|\(\d{1,2}\)|[-*•+])\s+(.*\S)\s*$/i;
const PITFALL_HEADING = /\b(pitfalls?|avoid|mistakes?|cautions?|warnings?|don'?t|do not)\b/i;
const REFUSAL = /^(?:i'?m sorry|i am sorry|sorry\b|i cannot|i can'?t|i can not|i am unable|i'?m unable|as an ai\b|unfortunately\b)/i;

/** At least this many steps make a procedure: one sentence is an answer, not a procedure. */
const MIN_STEPS = 2;

export function readProcedureProse(text: string): ProseProcedure | undefined {
  if (looksLikeJsonAttempt(text)) return undefined;
  const body = unfence(text).replace(/\r\n?/g, "\n").trim();
  if (!body || REFUSAL.test(plain(body))) return undefined;
  return fromList(body) ?? fromParagraphs(body);
}

/** Numbered or bulleted lines; a heading that speaks of pitfalls sends the items after it there. */
function fromList(body: string): ProseProcedure | undefined {
  const procedure: string[] = [];
  const pitfalls: string[] = [];
  const preamble: string[] = [];
  let target: string[] | undefined;
  let last: { list: string[]; index: number } | undefined;
  let inPitfalls = false;
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    if (!line) {
      last = undefined;
      continue;
    }
    const item = ITEM.exec(raw);
    if (item) {
      target = inPitfalls ? pitfalls : procedure;
      target.push(plain(item[1]!));
      last = { list: target, index: target.length - 1 };
      continue;
    }
    if (isHeading(line)) {
      inPitfalls = PITFALL_HEADING.test(line);
      last = undefined;
      continue;
    }
    // A wrapped item: its next line carries on the same step.
    if (last && /^\s/.test(raw)) {
      last.list[last.index] = `${last.list[last.index]} ${plain(line)}`;
      continue;
    }
    if (procedure.length === 0 && pitfalls.length === 0) preamble.push(plain(line));
    last = undefined;
  }
  if (procedure.length < MIN_STEPS) return undefined;
  return { procedure, pitfalls: pitfalls.map(stripAvoid).filter(Boolean), preamble: preamble.join(" ").trim() };
}

/**
 * Paragraphs as steps, or the sentences of a single paragraph, when the text reads as a sequence
 * ("first", "then", "finally"...) and asks nothing back: two paragraphs of chatter are not a
 * procedure.
 */
function fromParagraphs(body: string): ProseProcedure | undefined {
  if (!SEQUENCE.test(body)) return undefined;
  const paragraphs = body
    .split(/\n\s*\n/)
    .map((p) => plain(p.replace(/\s*\n\s*/g, " ")))
    .filter((p) => p && !isHeading(p));
  const steps =
    paragraphs.length >= MIN_STEPS
      ? paragraphs
      : ((paragraphs[0] ?? "").match(/[^.!?]+(?:[.!?]+|$)/g) ?? []).map((s) => s.trim()).filter((s) => s.split(/\s+/).length >= 3);
  if (steps.length < MIN_STEPS || steps.some((s) => s.endsWith("?"))) return undefined;
  return { procedure: steps, pitfalls: [], preamble: "" };
}

const SEQUENCE = /\b(first|firstly|then|next|after(?:wards)?|finally|once|before|until|lastly|second|third)\b/i;

/** "Steps:", "## Pitfalls", "**What to avoid**": a line that names what follows. */
function isHeading(line: string): boolean {
  const t = line.trim();
  return /^#{1,6}\s/.test(t) || /^(\*\*|__)[^*_]+(\*\*|__):?$/.test(t) || (t.endsWith(":") && t.split(/\s+/).length <= 8);
}

function unfence(text: string): string {
  return text.replace(/^\s*```[\w-]*\s*$/gm, "");
}

/** Markdown emphasis and stray whitespace off a line of text. */
function plain(text: string): string {
  return text.replace(/(\*\*|__)(.*?)\1/g, "$2").replace(/\s+/g, " ").trim();
}

function stripAvoid(text: string): string {
  return text.replace(/^avoid(?:ing)?\s*:\s*/i, "").trim();
}

/**
 * Step numbers in a prose answer to "which steps are critical": "steps 2, 3 and 5", a numbered
 * list of "Step 4: ..." lines, or a bare list "2, 3, 5". Only numbers that name a step are read;
 * whatever else the prose counts (attempts, objects) is not taken for one.
 */
export function readStepNumbersProse(text: string): number[] | undefined {
  if (looksLikeJsonAttempt(text)) return undefined;
  const body = unfence(text).trim();
  const numbers: number[] = [];
  const bare = /^(?:[\s\d,;&\[\]()-]|and)+$/i.test(body) && /\d/.test(body);
  if (bare) {
    for (const m of body.matchAll(/\d+/g)) numbers.push(Number(m[0]));
  } else {
    for (const m of body.matchAll(/\bsteps?\s*#?\s*(\d+(?:\s*(?:,|&|and|or|to|-|–)\s*#?\s*\d+)*)/gi)) {
      const run = m[1]!;
      const range = /^(\d+)\s*(?:to|-|–)\s*(\d+)$/.exec(run.trim());
      if (range && Number(range[2]) >= Number(range[1]) && Number(range[2]) - Number(range[1]) < 50) {
        for (let n = Number(range[1]); n <= Number(range[2]); n++) numbers.push(n);
      } else {
        for (const d of run.matchAll(/\d+/g)) numbers.push(Number(d[0]));
      }
    }
  }
  const unique = [...new Set(numbers)];
  return unique.length > 0 ? unique : undefined;
}

/**
 * Facts in prose: "key: value" lines (bulleted or not), keys made snake_case. A line whose key or
 * value runs to a sentence is prose, not a fact.
 */
export function readFactsProse(text: string): Record<string, string> | undefined {
  if (looksLikeJsonAttempt(text)) return undefined;
  const facts: Record<string, string> = {};
  for (const raw of unfence(text).split("\n")) {
    const line = raw.replace(/^\s*(?:[-*•+]|\d{1,2}[.)])\s+/, "").trim();
    const m = /^([A-Za-z][\w \-]{0,40}?)\s*[:=]\s*(.+)$/.exec(plain(line));
    // Facts are short keyword values; a "Note: ..." sentence is commentary.
    if (!m || m[1]!.trim().split(/\s+/).length > 4 || m[2]!.trim().split(/\s+/).length > 8) continue;
    const key = m[1]!.trim().toLowerCase().replace(/[\s-]+/g, "_");
    const value = m[2]!.trim().replace(/^["'`]|["'`,]+$/g, "").trim();
    if (value) facts[key] = value;
  }
  return Object.keys(facts).length > 0 ? facts : undefined;
}
