import type { MemoryEntry } from "../types.js";

/**
 * Leaves out entries built from one episode source (`provenance.game`: an ALFWorld
 * `task/trial`, a TravelPlanner `travelplanner/<split>/<idx>`), and, when `env` is given, only
 * those of that environment. An evaluation episode must not be shown the record of itself, while
 * entries from other sources with the same task text stay retrievable.
 */
export function excludeSource(env: string | undefined, game: string): (entry: MemoryEntry) => boolean {
  return (entry) => entry.provenance.game === game && (env === undefined || entry.provenance.env === env);
}
