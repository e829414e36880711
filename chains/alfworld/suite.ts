import { AlfworldEnvironment, actionVocabulary } from "../../environments/alfworld/environment.js";
import { GRAMMAR_VERSIONS, type GrammarVersion } from "../../environments/alfworld/game.js";
import { ALFWORLD_SPLITS, listGames, type AlfworldSplit, type GameEntry, type TaskName } from "../../environments/alfworld/splits.js";
import { alfworldDataDir } from "../../core/config.js";
import { InputError } from "../../core/errors.js";
import { modelFor, type ExperimentSuite, type EpisodeItem, type SetupOptions } from "../suite.js";
import { expertTrajectories, oneShotDemos, type Demonstration } from "./expert.js";
import { AlfworldReactAgent } from "./react.js";
import { ReplayAgent } from "./replay.js";
import { AlfworldToolAgent } from "./tools.js";

export const DEFAULT_GRAMMAR: GrammarVersion = "2.1.2";

function grammarOf(value: string | undefined): GrammarVersion {
  const grammar = value ?? DEFAULT_GRAMMAR;
  if (!(GRAMMAR_VERSIONS as readonly string[]).includes(grammar)) throw new InputError(`unknown ALFWorld grammar "${grammar}" (expected ${GRAMMAR_VERSIONS.join(" or ")})`, { field: "--grammar" });
  return grammar as GrammarVersion;
}

/**
 * ALFWorld for the experiment loops. `dev` is valid_seen (140 games), `test` valid_unseen (134),
 * `train` the train games; an episode's source is its `<task folder>/<trial>`, which is also
 * what the expert's trajectories record, so a train game never retrieves its own demonstration.
 */
export function alfworldSuite(options: { dataDir?: string } = {}): ExperimentSuite<AlfworldEnvironment> {
  const dataDir = options.dataDir ?? alfworldDataDir();
  const games = new Map<string, GameEntry>();
  const demos = new Map<GrammarVersion, Promise<Partial<Record<TaskName, Demonstration>>>>();
  const gamesOf = (split: AlfworldSplit) => listGames(split, dataDir);

  const demonstrationFor = (taskName: string, grammar: GrammarVersion): Promise<Demonstration | undefined> => {
    if (!demos.has(grammar)) demos.set(grammar, oneShotDemos(gamesOf("train"), { grammarVersion: grammar }));
    return demos.get(grammar)!.then((all) => all[taskName as TaskName]);
  };

  return {
    env: "alfworld",
    splits: ALFWORLD_SPLITS,
    actionVocabulary: (grammar) => actionVocabulary(grammarOf(grammar)),

    items(split) {
      if (!(ALFWORLD_SPLITS as readonly string[]).includes(split)) {
        throw new InputError(`unknown ALFWorld split "${split}" (expected ${ALFWORLD_SPLITS.join(", ")})`, { field: "--split" });
      }
      return gamesOf(split as AlfworldSplit).map((g, index): EpisodeItem => {
        games.set(g.name, g);
        return { name: g.name, index, taskType: g.taskName, source: g.name };
      });
    },

    async setup(item, setup: SetupOptions) {
      const game = games.get(item.name);
      if (!game) throw new InputError(`no ALFWorld game named "${item.name}" among the listed splits`);
      const grammar = grammarOf(setup.grammar);
      const env = AlfworldEnvironment.fromFile(game.gamefile, { grammarVersion: grammar, maxSteps: setup.maxSteps });
      if (setup.agent === "replay") return { env, agent: new ReplayAgent({ seed: setup.seed }) };
      if (setup.agent === "tools") return { env, agent: new AlfworldToolAgent({ model: modelFor(setup), middleware: setup.middleware }) };
      const demonstration = setup.fewShot ? await demonstrationFor(item.taskType, grammar) : undefined;
      if (setup.fewShot && !demonstration) throw new InputError(`no solved train game of type "${item.taskType}" to show as a demonstration`);
      return { env, agent: new AlfworldReactAgent({ model: modelFor(setup), demonstration }) };
    },

    async judge(_item, result) {
      return { success: result.won, reward: result.won ? 1 : 0 };
    },

    async demonstrations(o) {
      const train = gamesOf("train").slice(0, o.limit);
      const runs = await expertTrajectories(train, { seed: o.seed, grammarVersion: grammarOf(o.grammar) });
      return runs.filter((r) => r.won).map((r) => r.trajectory);
    },

    describe: (o) => ({ dataDir, grammar: grammarOf(o.grammar) }),
  };
}
