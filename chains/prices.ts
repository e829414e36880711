/**
 * Dollar estimates from token counts. The table is a starting point, in US dollars per million
 * tokens; prices change, so `--prices FILE` (a JSON object of the same shape) replaces or adds
 * entries. A model that is in no table gets tokens only, never a guessed price.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { InputError } from "../core/errors.js";
import type { TokenUsage } from "./usage.js";

export interface Price {
  /** Dollars per million prompt tokens. */
  input: number;
  /** Dollars per million completion tokens. */
  output: number;
}

export type PriceTable = Record<string, Price>;

export const DEFAULT_PRICES: PriceTable = {
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4.1": { input: 2, output: 8 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "claude-3-5-sonnet": { input: 3, output: 15 },
};

const PriceFileSchema = z.record(z.string(), z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }).strict());

/** The default table with the user's file on top. */
export function loadPrices(file?: string): PriceTable {
  if (!file) return { ...DEFAULT_PRICES };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InputError(`cannot read the price table: ${(err as Error).message}`, { file, cause: err });
  }
  const parsed = PriceFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`expected {"<model>": {"input": <dollars per 1M tokens>, "output": <dollars per 1M tokens>}}: ${issue.message}`, { file, field: issue.path.join(".") });
  }
  return { ...DEFAULT_PRICES, ...parsed.data };
}

/** The price of a model: an exact name, else the name without a provider prefix or date suffix. */
export function priceOf(table: PriceTable, model: string): Price | undefined {
  const bare = model.replace(/^.*\//, "");
  return table[model] ?? table[bare] ?? table[bare.replace(/-\d{4}-\d{2}-\d{2}$|-\d{8}$/, "")];
}

export function costOf(price: Price | undefined, usage: TokenUsage): number | null {
  if (!price) return null;
  return (usage.input * price.input + usage.output * price.output) / 1e6;
}
