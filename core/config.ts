import { homedir } from "node:os";
import { join } from "node:path";
import { getEnvironmentVariable } from "@langchain/core/utils/env";

/** Every environment variable the project reads goes through here. */
export function env(name: string): string | undefined {
  const value = getEnvironmentVariable(name);
  return value === undefined || value === "" ? undefined : value;
}

/** Where downloads and caches live unless the user says otherwise. */
export function cacheHome(): string {
  return env("MEMP_CACHE_DIR") ?? join(env("XDG_CACHE_HOME") ?? join(homedir(), ".cache"), "memp");
}

export function alfworldDataDir(): string {
  return env("ALFWORLD_DATA") ?? join(cacheHome(), "alfworld");
}

export function travelPlannerDataDir(): string {
  return env("TRAVELPLANNER_DATA") ?? join(cacheHome(), "travelplanner");
}
