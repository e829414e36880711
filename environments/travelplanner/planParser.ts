/**
 * From the planner's text plan to the official plan JSON (a list of day objects with days,
 * current_city, transportation, breakfast, attraction, lunch, dinner, accommodation).
 * Deterministic when the text follows the "Day N:" / "Field: value" layout; optionally an injected
 * chat model converts free-form text, as the official pipeline does with GPT-4.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage } from "@langchain/core/messages";
import { z } from "zod";
import { ModelOutputError } from "../../core/errors.js";
import { invokeForJson, parseModelJson } from "../../core/util/model-json.js";
import { MAX_TOKEN_LENGTH_EXCEEDED } from "./planner.js";
import { parsePyLiteral } from "./pyLiteral.js";

export const PLAN_FIELDS = ["current_city", "transportation", "breakfast", "attraction", "lunch", "dinner", "accommodation"] as const;
export type PlanField = (typeof PLAN_FIELDS)[number];

export type PlanDay = { days: number } & Record<PlanField, string>;

export interface ParsedPlan {
  /** null when the text holds no usable plan (the official pipeline then submits null). */
  plan: PlanDay[] | null;
  method: "deterministic" | "llm" | "none";
  /** Why no plan came out, when none did. */
  reason?: string;
}

const LABELS: Record<string, PlanField> = {
  "current city": "current_city",
  "current_city": "current_city",
  transportation: "transportation",
  transport: "transportation",
  breakfast: "breakfast",
  attraction: "attraction",
  attractions: "attraction",
  lunch: "lunch",
  dinner: "dinner",
  accommodation: "accommodation",
  accommodations: "accommodation",
};

/** Strips markdown decoration around a line: bullets, emphasis, heading marks. */
function undecorate(line: string): string {
  return line.replace(/^[\s>#*\-•]+/, "").replace(/\*\*|__/g, "").trim();
}

/** Official post-processing conventions: '$' removed; empty values become '-'. */
function cleanValue(value: string): string {
  const v = value.replace(/\$/g, "").trim();
  return v === "" ? "-" : v;
}

/** Parses plans laid out as the planner prompt asks; null when the text does not follow it. */
export function parsePlanText(text: string): PlanDay[] | null {
  const days: PlanDay[] = [];
  let currentDay: PlanDay | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = undecorate(raw);
    if (line === "") continue;
    const header = /^Day\s+(\d+)\s*:?\s*(.*)$/i.exec(line);
    if (header && !/^(current|transportation)/i.test(header[2] ?? "")) {
      currentDay = { days: Number(header[1]), current_city: "-", transportation: "-", breakfast: "-", attraction: "-", lunch: "-", dinner: "-", accommodation: "-" };
      days.push(currentDay);
      continue;
    }
    if (!currentDay) continue;
    const field = /^([A-Za-z_ ]+?)\s*:\s*(.*)$/.exec(line);
    if (!field) continue;
    const key = LABELS[field[1]!.toLowerCase()];
    if (key) currentDay[key] = cleanValue(field[2]!);
  }
  if (days.length === 0) return null;
  // A day without a current city means the layout was not followed.
  if (days.some((d) => d.current_city === "-")) return null;
  return days;
}

const FIELD_LABELS: Record<PlanField, string> = {
  current_city: "Current City",
  transportation: "Transportation",
  breakfast: "Breakfast",
  attraction: "Attraction",
  lunch: "Lunch",
  dinner: "Dinner",
  accommodation: "Accommodation",
};

/**
 * A plan written out in the layout the planner prompt asks for ("Day N:" blocks of "Field: value"
 * lines), which `parsePlanText` reads back to the same days. Days are numbered by position.
 */
export function renderPlan(days: readonly Record<string, unknown>[]): string {
  return days.map((d, i) => [`Day ${i + 1}:`, ...PLAN_FIELDS.map((f) => `${FIELD_LABELS[f]}: ${String(d[f])}`)].join("\n")).join("\n\n");
}

function conversionPrompt(text: string): string {
  return `Convert the travel plan below into JSON. Output a list with one object per day, each with exactly the keys "days" (the day number), "current_city", "transportation", "breakfast", "attraction", "lunch", "dinner" and "accommodation".
Rules:
- Use "from A to B" for current_city on a day that travels between cities.
- Write restaurants, attractions and accommodations as "Name, City"; separate attractions with ';' and end each with ';'.
- Keep flight numbers as "Flight Number: F0000000, from A to B, Departure Time: HH:MM, Arrival Time: HH:MM".
- Write '-' for anything missing or unspecific (such as eating at home or on the road).
- Remove every '$' sign.
Put the JSON between \`\`\`json and \`\`\`.

Text:
${text}
JSON:
`;
}

const PlanJson = z.array(z.record(z.string(), z.unknown())).min(1, "expected at least one day");

/**
 * Reads a plan out of a model reply: JSON first (fences and prose tolerated), then the first
 * fenced block as a Python literal, which is how the official pipeline reads it (`eval`).
 */
export function extractJsonPlan(reply: string): PlanDay[] | null {
  const json = parseModelJson(reply, PlanJson);
  if (json.ok) return json.value as PlanDay[];
  const fenced = /```(?:json|python)?\s*([\s\S]*?)```/.exec(reply);
  try {
    const value = PlanJson.safeParse(parsePyLiteral((fenced ? fenced[1]! : reply).trim()));
    return value.success ? (value.data as PlanDay[]) : null;
  } catch {
    return null;
  }
}

export interface ParsePlanOptions {
  /** Used when the text does not follow the plan layout. */
  model?: BaseChatModel;
}

/** Text plan → plan JSON: deterministic first, then the model if one is given. */
export async function parsePlan(text: string, options: ParsePlanOptions = {}): Promise<ParsedPlan> {
  if (text.trim() === "" || text.trim() === MAX_TOKEN_LENGTH_EXCEEDED) {
    return { plan: null, method: "none", reason: text.trim() === "" ? "empty planner output" : MAX_TOKEN_LENGTH_EXCEEDED };
  }
  const deterministic = parsePlanText(text);
  if (deterministic) return { plan: deterministic, method: "deterministic" };
  if (!options.model) return { plan: null, method: "none", reason: 'the text does not follow the "Day N:" plan layout and no model was given' };
  try {
    // One retry that shows the model what was wrong with its reply; then the plan is null, as officially.
    const plan = await invokeForJson(options.model, [new HumanMessage(conversionPrompt(text))], PlanJson, { retries: 1 });
    return { plan: plan as PlanDay[], method: "llm" };
  } catch (err) {
    if (ModelOutputError.isInstance(err)) {
      const fallback = extractJsonPlan(err.output);
      if (fallback) return { plan: fallback, method: "llm" };
      return { plan: null, method: "none", reason: err.message };
    }
    throw err;
  }
}
