/** TravelPlanner in TypeScript: sandbox database, tools, episode rules, planner, plan parser and evaluator. */
export { TravelPlannerDatabase, DATABASE_FILES, FLIGHT_COLUMNS, ACCOMMODATION_COLUMNS, RESTAURANT_COLUMNS, ATTRACTION_COLUMNS } from "./database.js";
export type { DatabaseTables, LoadOptions as DatabaseLoadOptions } from "./database.js";
export { Table as CsvTable, PANDAS_NA_STRINGS, type Cell as CsvCell, type Dtype as CsvDtype } from "./table.js";
export { readCsvTable, parseCsvTable, type CsvReadOptions } from "./csvTable.js";
export { dataFrameToString, pyRepr, pyReprString, pyFixed, type DisplayColumn, type PyValue } from "./format.js";
export { parsePyLiteral, PyLiteralError } from "./pyLiteral.js";
export {
  flightSearch,
  accommodationSearch,
  restaurantSearch,
  attractionSearch,
  citySearch,
  distanceMatrix,
  distanceLookup,
  extractBeforeParenthesis,
  type DistanceInfo,
} from "./tools.js";
export {
  TravelPlannerSandbox,
  parseAction as parseTravelPlannerAction,
  ACTION_TYPES as TRAVELPLANNER_ACTION_TYPES,
  ACTION_COUNTER,
  INVALID_ACTION_OBSERVATION,
  MASKED_TEXT,
  type ActionType as TravelPlannerActionType,
  type ActionState,
  type ToolCallResult,
} from "./actions.js";
export { Notebook as TravelPlannerNotebook, type NotebookEntry } from "./notebook.js";
export { TwoStageEpisode, formatStep, queryFacts, FILTERED_ACTION_TEXT, NULL_ACTION_FEEDBACK, NULL_ACTION_OBSERVATION, type EpisodeOptions, type JsonLogEntry } from "./episode.js";
export { LlmPlanner, solePlan, countCl100kTokens, MAX_TOKEN_LENGTH_EXCEEDED, type Planner, type LlmPlannerOptions, type PlannerStrategy, type TokenCounter } from "./planner.js";
export { agentPrompt as travelPlannerAgentPrompt, ACTION_VOCABULARY as TRAVELPLANNER_ACTION_VOCABULARY, PLANNER_PROMPT, PLANNER_PROMPT_COT } from "./prompts.js";
export { parsePlan, parsePlanText, renderPlan, extractJsonPlan, PLAN_FIELDS, type ParsedPlan, type PlanDay, type ParsePlanOptions } from "./planParser.js";
export { createTravelPlannerTools, createTravelPlannerEpisodeTools, EPISODE_OVER_OBSERVATION, type TravelPlannerToolsOptions, type TravelPlannerEpisodeToolsOptions } from "./langchain.js";
export { demonstrationSteps, goldPlan, GoldPlanner, type DemonstrationStep } from "./demonstrations.js";
export { TravelPlannerEnvironment, type TravelPlannerEnvironmentOptions, type TravelPlannerInfo } from "./environment.js";
export { loadQueries, parseQueriesCsv, referenceEntries, setConstraintCount, LEVELS as TRAVELPLANNER_LEVELS, type TravelQuery, type LocalConstraint, type ReferenceEntry, type Level as TravelPlannerLevel } from "./queries.js";
export { buildReferenceEntries, referenceContent, referenceInformationText, referenceInformationFor } from "./reference.js";
export { readPlanFile, alignPlans, type PlanRecord } from "./plans.js";
export {
  evaluatePlan,
  evaluatePlans,
  OFFICIAL_DENOMINATORS,
  SPLITS as TRAVELPLANNER_SPLITS,
  type EvaluationReport,
  type PlanVerdict,
  type Scores,
  type GroupScores,
  type Split as TravelPlannerSplit,
  type ConstraintBox,
} from "./evaluator/evaluate.js";
export { COMMONSENSE_CHECKS, type Verdict } from "./evaluator/commonsense.js";
export { HARD_CHECKS, totalCost } from "./evaluator/hard.js";
