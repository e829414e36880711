import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DatasetSpec } from "./download.js";

const countGames = (dir: string): number => {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const task of readdirSync(dir)) {
    const taskDir = join(dir, task);
    for (const trial of safeList(taskDir)) if (existsSync(join(taskDir, trial, "game.tw-pddl"))) n++;
  }
  return n;
};

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * ALFWorld's official game-file release (the one `alfworld-download` fetches): the ALFRED
 * metadata and the TextWorld PDDL games, both under json_2.1.1/. The engine applies the 2.1.2
 * grammar patch itself at load time, so the 2.1.1 files serve both grammar versions.
 */
export const ALFWORLD_DATASET: DatasetSpec = {
  name: "alfworld",
  archives: [
    { url: "https://github.com/alfworld/alfworld/releases/download/0.2.2/json_2.1.1_json.zip", file: "json_2.1.1_json.zip" },
    { url: "https://github.com/alfworld/alfworld/releases/download/0.2.2/json_2.1.1_tw-pddl.zip", file: "json_2.1.1_tw-pddl.zip" },
  ],
  installs: ["json_2.1.1"],
  verify(dir) {
    const root = join(dir, "json_2.1.1");
    if (!existsSync(root)) return "no json_2.1.1/ folder";
    for (const split of ["train", "valid_seen", "valid_unseen"]) {
      if (countGames(join(root, split)) === 0) return `no game.tw-pddl files under json_2.1.1/${split}`;
    }
    return undefined;
  },
};

const TP_TABLES = [
  "flights/clean_Flights_2022.csv",
  "accommodations/clean_accommodations_2022.csv",
  "restaurants/clean_restaurant_2022.csv",
  "attractions/attractions.csv",
  "googleDistanceMatrix/distance.csv",
  "background/citySet_with_states.txt",
];

/** TravelPlanner's official sandbox database (the `database/` folder of the official release). */
export const TRAVELPLANNER_DATASET: DatasetSpec = {
  name: "travelplanner",
  archives: [{ url: "https://drive.usercontent.google.com/download?id=1pF1Sw6pBmq2sFkJvm-LzJOqrmfWoQgxE&export=download&confirm=t", file: "database.zip" }],
  installs: ["database"],
  verify(dir) {
    for (const t of TP_TABLES) if (!existsSync(join(dir, "database", t))) return `missing database/${t}`;
    return undefined;
  },
};

export const DATASETS: Record<string, DatasetSpec> = { alfworld: ALFWORLD_DATASET, travelplanner: TRAVELPLANNER_DATASET };
