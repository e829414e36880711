/** TravelPlanner agents and the experiment suite. */
export { TwoStageReactAgent, type TwoStageReactAgentOptions } from "./react.js";
export { ToolCallingAgent, TOOL_SYSTEM_PROMPT, type ToolCallingAgentOptions } from "./tools.js";
export { DemonstrationAgent, playDemonstration, travelPlannerDemonstrations, querySource, type DemonstrationRun, type DemonstrationsOptions } from "./demonstration.js";
export { scoreAnswer, type AnswerScore } from "./score.js";
export { travelPlannerSuite, TRAVELPLANNER_SUITE_SPLITS, type TravelPlannerSuiteOptions, type TravelPlannerSuiteSplit, type TravelPlannerSetupOptions } from "./suite.js";
