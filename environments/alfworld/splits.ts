import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { alfworldDataDir } from "../../core/config.js";
import { ConfigError, InputError } from "../../core/errors.js";

export type AlfworldSplit = "train" | "dev" | "test";
export const ALFWORLD_SPLITS: readonly AlfworldSplit[] = ["train", "dev", "test"];

/** `dev` is ALFWorld's eval_in_distribution (valid_seen), `test` its eval_out_of_distribution (valid_unseen). */
export const SPLIT_FOLDERS: Record<AlfworldSplit, string> = { train: "train", dev: "valid_seen", test: "valid_unseen" };

export const TASK_TYPES = [
  "pick_and_place_simple",
  "look_at_obj_in_light",
  "pick_clean_then_place_in_recep",
  "pick_heat_then_place_in_recep",
  "pick_cool_then_place_in_recep",
  "pick_two_obj_and_place",
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** MemP's (and ReAct's) short names for the task types, used to pick few-shot examples. */
export type TaskName = "put" | "examine" | "clean" | "heat" | "cool" | "puttwo";
export const TASK_NAMES: Record<TaskType, TaskName> = {
  pick_and_place_simple: "put",
  look_at_obj_in_light: "examine",
  pick_clean_then_place_in_recep: "clean",
  pick_heat_then_place_in_recep: "heat",
  pick_cool_then_place_in_recep: "cool",
  pick_two_obj_and_place: "puttwo",
};

/** What the ALFRED metadata says about the task (`traj_data.json` `pddl_params`). */
export interface TaskParams {
  objectTarget: string;
  parentTarget: string;
  toggleTarget: string;
  mrecepTarget: string;
  objectSliced: boolean;
}

export interface GameEntry {
  /** Absolute or data-relative path of `game.tw-pddl`. */
  readonly gamefile: string;
  readonly trialDir: string;
  /** `<task folder>/<trial folder>`, the key MemP records results under. */
  readonly name: string;
  readonly split: AlfworldSplit;
  readonly taskType: TaskType;
  readonly taskName: TaskName;
  readonly params: TaskParams;
}

/**
 * The games of a split, selected with ALFWorld's own filter (`collect_game_files`): a trial
 * counts if its path mentions neither `movable` nor `Sliced`, its task type is one of the six,
 * and it has a `game.tw-pddl` marked `"solvable": true`. ALFWorld walks the file system in
 * whatever order it returns; here the games come sorted by path, so runs are reproducible.
 */
export function listGames(split: AlfworldSplit, dataDir: string = alfworldDataDir()): GameEntry[] {
  const root = join(dataDir, "json_2.1.1", SPLIT_FOLDERS[split]);
  if (!existsSync(root)) {
    throw new ConfigError(`ALFWorld data not found: ${root} does not exist (set ALFWORLD_DATA to the folder holding json_2.1.1/, or run "memp data download alfworld")`);
  }
  const out: GameEntry[] = [];
  for (const trialDir of trialFolders(root)) {
    if (trialDir.includes("movable") || trialDir.includes("Sliced")) continue;
    const traj = readTrajData(join(trialDir, "traj_data.json"));
    if (!(TASK_TYPES as readonly string[]).includes(traj.taskType)) continue;
    const gamefile = join(trialDir, "game.tw-pddl");
    if (!existsSync(gamefile) || !isSolvable(gamefile)) continue;
    const taskType = traj.taskType as TaskType;
    out.push({
      gamefile,
      trialDir,
      name: relative(root, trialDir).split(sep).slice(-2).join("/"),
      split,
      taskType,
      taskName: TASK_NAMES[taskType],
      params: traj.params,
    });
  }
  return out;
}

/** Task type and parameters of a trial folder (from its traj_data.json), when it has one. */
export function readTaskInfo(trialDir: string): { taskType: TaskType; taskName: TaskName; params: TaskParams } | undefined {
  const file = join(trialDir, "traj_data.json");
  if (!existsSync(file)) return undefined;
  const traj = readTrajData(file);
  if (!(TASK_TYPES as readonly string[]).includes(traj.taskType)) return undefined;
  return { taskType: traj.taskType as TaskType, taskName: TASK_NAMES[traj.taskType as TaskType], params: traj.params };
}

function trialFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === "traj_data.json")) out.push(dir);
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name));
  };
  walk(root);
  return out.sort();
}

function readTrajData(file: string): { taskType: string; params: TaskParams } {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`invalid JSON (${(err as Error).message})`, { file, cause: err });
  }
  const p = (data.pddl_params ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    taskType: str(data.task_type),
    params: {
      objectTarget: str(p.object_target),
      parentTarget: str(p.parent_target),
      toggleTarget: str(p.toggle_target),
      mrecepTarget: str(p.mrecep_target),
      objectSliced: p.object_sliced === true,
    },
  };
}

/** ALFWorld skips files without a `solvable` key, and unsolvable ones. */
function isSolvable(gamefile: string): boolean {
  const text = readFileSync(gamefile, "utf8");
  try {
    return (JSON.parse(text) as { solvable?: unknown }).solvable === true;
  } catch (err) {
    throw new InputError(`invalid JSON (${(err as Error).message})`, { file: gamefile, cause: err });
  }
}
