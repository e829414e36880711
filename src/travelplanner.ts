/**
 * memp-langchain/travelplanner: the TravelPlanner sandbox (database, tools, the two-stage episode
 * rules), the planner, the plan parser and the official evaluator, scripted demonstrations, and
 * the agents that play it.
 */
export { TravelPlannerDatabase, type DatabaseTables, type LoadOptions as DatabaseLoadOptions } from "../environments/travelplanner/database.js";
export { flightSearch, accommodationSearch, restaurantSearch, attractionSearch, citySearch, distanceMatrix } from "../environments/travelplanner/tools.js";
export { TravelPlannerSandbox, type ToolCallResult } from "../environments/travelplanner/actions.js";
export { TwoStageEpisode, queryFacts, type EpisodeOptions, type JsonLogEntry } from "../environments/travelplanner/episode.js";
export { TravelPlannerEnvironment, type TravelPlannerEnvironmentOptions, type TravelPlannerInfo } from "../environments/travelplanner/environment.js";
export { LlmPlanner, solePlan, type Planner, type LlmPlannerOptions, type PlannerStrategy } from "../environments/travelplanner/planner.js";
export { agentPrompt, PLANNER_PROMPT, PLANNER_PROMPT_COT, ACTION_VOCABULARY } from "../environments/travelplanner/prompts.js";
export { parsePlan, parsePlanText, renderPlan, PLAN_FIELDS, type ParsedPlan, type PlanDay } from "../environments/travelplanner/planParser.js";
export { createTravelPlannerTools, createTravelPlannerEpisodeTools, type TravelPlannerToolsOptions } from "../environments/travelplanner/langchain.js";
export { loadQueries, LEVELS, type TravelQuery, type Level } from "../environments/travelplanner/queries.js";
export { referenceInformationFor } from "../environments/travelplanner/reference.js";
export { readPlanFile, alignPlans, type PlanRecord } from "../environments/travelplanner/plans.js";
export { evaluatePlan, evaluatePlans, SPLITS, OFFICIAL_DENOMINATORS, type EvaluationReport, type PlanVerdict, type Scores, type GroupScores, type Split } from "../environments/travelplanner/evaluator/evaluate.js";
export { COMMONSENSE_CHECKS, type Verdict } from "../environments/travelplanner/evaluator/commonsense.js";
export { HARD_CHECKS } from "../environments/travelplanner/evaluator/hard.js";
export { demonstrationSteps, goldPlan, GoldPlanner, type DemonstrationStep } from "../environments/travelplanner/demonstrations.js";
export * from "../chains/travelplanner/index.js";
