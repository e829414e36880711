import { existsSync } from "node:fs";

/**
 * Resolves a real-data folder from the environment variable a user would set. Under CI=true a
 * missing folder is a failure (the data is promised there); elsewhere the caller skips.
 */
export function dataDir(envVar: "ALFWORLD_DATA" | "TRAVELPLANNER_DATA"): string | undefined {
  const dir = process.env[envVar];
  if (dir && existsSync(dir)) return dir;
  if (process.env.CI === "true") {
    throw new Error(`${envVar} must point at the shared data under CI (got ${dir ?? "nothing"})`);
  }
  return undefined;
}
