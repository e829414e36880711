/** Number formats shared by the tables and the chart data. Missing values print as an em dash. */
export const MISSING = "—";

export function percent(rate: number | null | undefined, digits = 1): string {
  return rate === null || rate === undefined ? MISSING : (rate * 100).toFixed(digits);
}

export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? MISSING : value.toFixed(digits);
}

export function integer(value: number | null | undefined): string {
  return value === null || value === undefined ? MISSING : Math.round(value).toString();
}

/** Dollars; small per-episode costs keep four decimals so they do not all read $0.00. */
export function dollars(value: number | null | undefined): string {
  if (value === null || value === undefined) return MISSING;
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;
}
