/**
 * TravelPlanner for the experiment loops: the train and validation queries as episodes, an
 * environment whose Planner is an LLM planner over the agent's model, the text (two-stage) or
 * tool-calling agent, the evaluator's verdict, scripted demonstrations from the gold plans, and
 * the official summary metrics.
 */
import { join } from "node:path";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { TravelPlannerEnvironment } from "../../environments/travelplanner/environment.js";
import { queryFacts } from "../../environments/travelplanner/episode.js";
import { evaluatePlans } from "../../environments/travelplanner/evaluator/evaluate.js";
import { LlmPlanner } from "../../environments/travelplanner/planner.js";
import { ACTION_VOCABULARY } from "../../environments/travelplanner/prompts.js";
import { loadQueries, type TravelQuery } from "../../environments/travelplanner/queries.js";
import { travelPlannerDataDir } from "../../core/config.js";
import { InputError } from "../../core/errors.js";
import type { EpisodeResult } from "../episode.js";
import { modelFor, type EpisodeItem, type EpisodeSetup, type ExperimentSuite, type SetupOptions, type EpisodeVerdict } from "../suite.js";
import { querySource, travelPlannerDemonstrations } from "./demonstration.js";
import { TwoStageReactAgent } from "./react.js";
import { scoreAnswer } from "./score.js";
import { ToolCallingAgent } from "./tools.js";

export const TRAVELPLANNER_SUITE_SPLITS = ["train", "validation"] as const;
export type TravelPlannerSuiteSplit = (typeof TRAVELPLANNER_SUITE_SPLITS)[number];

export interface TravelPlannerSuiteOptions {
  /** The folder holding `database/` and `queries/` (default: $TRAVELPLANNER_DATA). */
  dataDir?: string;
}

/** SetupOptions plus the memory guidance for the agent prompt (until SetupOptions carries it). */
export type TravelPlannerSetupOptions = SetupOptions & { guidelines?: string };

function checkSplit(split: string): TravelPlannerSuiteSplit {
  if (split === "test") {
    throw new InputError("the TravelPlanner test split has no labels (its queries publish no constraints to check plans against): evaluate test plans on the official leaderboard", { field: "split" });
  }
  if (!(TRAVELPLANNER_SUITE_SPLITS as readonly string[]).includes(split)) {
    throw new InputError(`unknown TravelPlanner split "${split}" (use ${TRAVELPLANNER_SUITE_SPLITS.join(" or ")})`, { field: "split" });
  }
  return split as TravelPlannerSuiteSplit;
}

export function travelPlannerSuite(options: TravelPlannerSuiteOptions = {}): ExperimentSuite<TravelPlannerEnvironment> {
  const dir = options.dataDir ?? travelPlannerDataDir();
  const queryFile = (split: TravelPlannerSuiteSplit) => join(dir, "queries", `${split}.jsonl`);
  let db: Promise<TravelPlannerDatabase> | undefined;
  let loaded: TravelPlannerDatabase | undefined;
  const database = (): Promise<TravelPlannerDatabase> => {
    db ??= TravelPlannerDatabase.load(dir).then(
      (d) => (loaded = d),
      (err: unknown) => {
        db = undefined; // a later call may succeed once the data is in place
        throw err;
      },
    );
    return db;
  };
  const queriesBySplit = new Map<TravelPlannerSuiteSplit, TravelQuery[]>();
  const queries = (split: string): TravelQuery[] => {
    const s = checkSplit(split);
    let qs = queriesBySplit.get(s);
    if (!qs) {
      qs = loadQueries(queryFile(s));
      queriesBySplit.set(s, qs);
    }
    return qs;
  };
  const queryOf = (item: EpisodeItem): TravelQuery => {
    const m = /^travelplanner\/([^/]+)\/(\d+)$/.exec(item.source);
    if (!m) throw new InputError(`not a TravelPlanner episode source: "${item.source}" (expected travelplanner/<split>/<idx>)`, { field: "source" });
    const idx = Number(m[2]);
    const q = queries(m[1]!).find((x) => x.idx === idx);
    if (!q) throw new InputError(`the ${m[1]} split has no query ${idx}`, { file: queryFile(checkSplit(m[1]!)), field: "idx" });
    return q;
  };

  return {
    env: "travelplanner",
    splits: TRAVELPLANNER_SUITE_SPLITS,

    actionVocabulary: () => ACTION_VOCABULARY,

    async items(split) {
      const qs = queries(split);
      // Loaded here so that describe(), which is synchronous, can report the tables.
      await database();
      return qs.map((q, index) => ({ name: String(q.idx), index, taskType: q.level, source: querySource(split, q) }));
    },

    // fewShot has no meaning here: the official two-stage agent prompt is zero-shot.
    async setup(item, setup: TravelPlannerSetupOptions): Promise<EpisodeSetup<TravelPlannerEnvironment>> {
      if (setup.agent === "replay") throw new InputError("the replay agent plays ALFWorld only (it replays game commands); use --agent react or tools for TravelPlanner", { field: "--agent" });
      const model = modelFor(setup);
      const query = queryOf(item);
      const env = new TravelPlannerEnvironment({
        db: await database(),
        planner: new LlmPlanner({ model }),
        query,
        maxSteps: setup.maxSteps,
        ...(setup.guidelines ? { guidelines: setup.guidelines } : {}),
      });
      const agent = setup.agent === "tools" ? new ToolCallingAgent({ model, middleware: setup.middleware }) : new TwoStageReactAgent({ model });
      return { env, agent };
    },

    async judge(item, _result: EpisodeResult, env): Promise<EpisodeVerdict> {
      const answer = env.current.answer;
      const query = queryOf(item);
      const score = await scoreAnswer(await database(), query, answer);
      return {
        success: score.success,
        reward: score.success ? 1 : 0,
        // The query's fields go with the trajectory, so entries built online serve fact retrieval.
        facts: queryFacts(query),
        details: {
          delivered: score.delivered,
          commonsensePass: score.commonsensePass,
          hardPass: score.hardPass,
          commonsense: score.verdict.commonsense,
          hard: score.verdict.hard,
          answer,
          plan: score.plan,
          ...(env.current.stopReason === undefined ? {} : { stopReason: env.current.stopReason }),
        },
      };
    },

    async demonstrations(opts) {
      return travelPlannerDemonstrations(await database(), queries("train"), { limit: opts.limit });
    },

    async summarize(split, episodes) {
      checkSplit(split);
      const db = await database();
      const qs = episodes.map((e) => queryOf(e.item));
      const plans = episodes.map((e) => e.details?.plan ?? null);
      // Denominators are the episodes run (8 commonsense checks per query, 1 + its set local
      // constraints for hard), not the official split constants: a run may cover part of a split
      // (--limit, a resumed run), and the official constants would then understate every rate.
      const { aggregate } = evaluatePlans(db, qs, plans);
      return { ...aggregate, episodes: episodes.length };
    },

    describe() {
      return {
        database: join(dir, "database"),
        queries: Object.fromEntries(TRAVELPLANNER_SUITE_SPLITS.map((s) => [s, queryFile(s)])),
        ...(loaded
          ? {
              flights: loaded.flights.rowCount,
              accommodations: loaded.accommodations.rowCount,
              restaurants: loaded.restaurants.rowCount,
              attractions: loaded.attractions.rowCount,
              distances: loaded.distances.rowCount,
              cities: loaded.citySet.length,
            }
          : {}),
      };
    },
  };
}
