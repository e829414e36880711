import { join } from "node:path";
import type { Command } from "commander";
import { expertTrajectories } from "../../chains/alfworld/expert.js";
import { playDemonstration } from "../../chains/travelplanner/demonstration.js";
import { ALFWORLD_SPLITS, type AlfworldSplit, listGames } from "../../environments/alfworld/splits.js";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { loadQueries } from "../../environments/travelplanner/queries.js";
import { travelPlannerDataDir } from "../../core/config.js";
import { InputError } from "../../core/errors.js";
import type { Trajectory } from "../../core/trajectory.js";
import { toJsonl } from "../../core/util/jsonl.js";
import { createProgress } from "../../core/util/progress.js";
import { checkOutputFile, writeUserFile } from "../../core/util/user-files.js";
import { EXIT_BAD_INPUT, ExitStatus, nonEmptyPath, nonNegativeInt, oneOf, positiveInt, UsageError } from "./run.js";

const ENVS = ["alfworld", "travelplanner"] as const;
type Env = (typeof ENVS)[number];
/** Every split name of either environment; which ones an environment accepts is checked per env. */
const SPLIT_NAMES = [...new Set<string>([...ALFWORLD_SPLITS, "validation"])];

interface TrajectoriesOptions {
  env: Env;
  split: string;
  out: string;
  limit?: number;
  seed: number;
  data?: string;
}

/** Adds `memp trajectories`: solved runs without a model, for building an offline memory. */
export function registerTrajectoriesCommand(program: Command): void {
  program
    .command("trajectories")
    .description("Write demonstration trajectories (JSONL, the memory's trajectory format): ALFWorld expert runs, or TravelPlanner runs scripted from the train gold plans")
    .requiredOption("--env <env>", "environment: alfworld | travelplanner", oneOf("--env", ENVS))
    .option("--split <split>", "alfworld: train | dev | test; travelplanner: train (the split with gold plans)", oneOf("--split", SPLIT_NAMES), "train")
    .requiredOption("--out <file>", "output JSONL file", nonEmptyPath("--out"))
    .option("--limit <n>", "at most this many games or queries (in split order)", positiveInt("--limit"))
    .option("--seed <n>", "ALFWorld expert seed (game i uses seed + i)", nonNegativeInt("--seed"), 0)
    .option("--data <dir>", "TravelPlanner data folder (default: $TRAVELPLANNER_DATA)", nonEmptyPath("--data"))
    .action((opts: TrajectoriesOptions) => {
      // Before the runs, which take minutes: a bad --out should not be found only at the end.
      checkOutputFile(opts.out);
      return opts.env === "alfworld" ? alfworldTrajectories(opts) : travelPlannerTrajectories(opts);
    });
}

/** Nothing to write is a failed command: the file is left as it was, and the exit code says so. */
function nothingSolved(what: string): never {
  process.stderr.write(`memp: no trajectory was written: ${what}\n`);
  throw new ExitStatus(EXIT_BAD_INPUT);
}

async function alfworldTrajectories(opts: TrajectoriesOptions): Promise<void> {
  if (!(ALFWORLD_SPLITS as readonly string[]).includes(opts.split)) throw new UsageError(`--split must be one of ${ALFWORLD_SPLITS.join(", ")} for alfworld; got "${opts.split}"`);
  const games = listGames(opts.split as AlfworldSplit).slice(0, opts.limit);
  const progress = createProgress(games.length, "trajectories");
  const runs = await expertTrajectories(games, { seed: opts.seed, onGame: (e) => progress.increment(1, e.taskName) });
  progress.stop();
  const won = runs.filter((r) => r.won).length;
  if (won === 0) nothingSolved(runs.length === 0 ? `the ${opts.split} split has no games` : `the expert solved none of the ${runs.length} games`);
  writeUserFile(opts.out, toJsonl(runs.map((r) => r.trajectory)));
  process.stderr.write(`wrote ${runs.length} trajectories (${won} solved) to ${opts.out}\n`);
}

async function travelPlannerTrajectories(opts: TrajectoriesOptions): Promise<void> {
  if (opts.split !== "train") {
    throw new InputError(`--split ${opts.split}: TravelPlanner trajectories are scripted from gold plans, and only the train split has them`);
  }
  const dir = opts.data ?? travelPlannerDataDir();
  const queries = loadQueries(join(dir, "queries", "train.jsonl")).slice(0, opts.limit);
  const db = await TravelPlannerDatabase.load(dir);
  const progress = createProgress(queries.length, "trajectories");
  const solved: Trajectory[] = [];
  const failed: number[] = [];
  for (const query of queries) {
    const run = await playDemonstration(db, query);
    // A run the evaluator rejects would teach a failing procedure: it is reported, not written.
    if (run.score.success) solved.push(run.trajectory);
    else failed.push(query.idx);
    progress.increment(1, `query ${query.idx}`);
  }
  progress.stop();
  if (solved.length === 0) nothingSolved(`the evaluator rejected the plans of all ${queries.length} queries (${failed.join(", ")})`);
  writeUserFile(opts.out, toJsonl(solved));
  const note = failed.length === 0 ? "" : `; left out ${failed.length} whose plan failed the evaluator (queries ${failed.join(", ")})`;
  process.stderr.write(`wrote ${solved.length} trajectories (${solved.length} solved) to ${opts.out}${note}\n`);
}
