import { existsSync } from "node:fs";
import { join } from "node:path";

/** Where a checkout finds the shared data when the variables are unset: `../shared/data` beside it. */
const BESIDE = join(__dirname, "..", "..", "..", "shared", "data");
const FOLDERS = { ALFWORLD_DATA: "alfworld", TRAVELPLANNER_DATA: "travelplanner" } as const;
const said = new Set<string>();

/**
 * Resolves a real-data folder: the environment variable a user would set, else the shared data
 * beside the checkout. Under CI=true a missing folder is a failure (the data is promised there);
 * elsewhere the caller skips, and the reason is said once per variable.
 */
export function dataDir(envVar: keyof typeof FOLDERS): string | undefined {
  const set = process.env[envVar];
  const dir = set || join(BESIDE, FOLDERS[envVar]);
  if (existsSync(dir)) {
    // Child processes (the CLI under test) read the same variable.
    process.env[envVar] = dir;
    return dir;
  }
  if (process.env.CI === "true") {
    throw new Error(`${envVar} must point at the shared data under CI (got ${set ?? "nothing"}, and ${dir} does not exist)`);
  }
  if (!said.has(envVar)) {
    said.add(envVar);
    process.stderr.write(`skipping the tests that need real ${FOLDERS[envVar]} data: set ${envVar} (nothing at ${dir})\n`);
  }
  return undefined;
}
