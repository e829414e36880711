export { AlfworldEngine, DEFAULT_MAX_STEPS, NOTHING_HAPPENS, type AlfworldInfo, type AlfworldStep, type EngineOptions } from "./engine.js";
export {
  loadGameFile,
  parseGame,
  parseGameJson,
  applyGrammarVersion,
  resolveGameFile,
  GRAMMAR_VERSIONS,
  type AlfworldGame,
  type GameFileData,
  type GrammarVersion,
  type LoadOptions,
} from "./game.js";
export { AlfworldEnvironment, actionVocabulary } from "./environment.js";
export {
  listGames,
  readTaskInfo,
  ALFWORLD_SPLITS,
  SPLIT_FOLDERS,
  TASK_TYPES,
  TASK_NAMES,
  type AlfworldSplit,
  type GameEntry,
  type TaskName,
  type TaskParams,
  type TaskType,
} from "./splits.js";
export { AlfworldExpert, parseTaskSentence, taskSentence, type ExpertDecision, type ExpertOptions, type ExpertTask } from "./expert.js";
export { learnReceptaclePriors, type ReceptaclePriors } from "./priors.js";
export { TRAIN_RECEPTACLE_PRIORS } from "./priors.data.js";
export { createAlfworldTools, type AlfworldTools, type AlfworldToolTarget, type CommandToolName } from "./tools.js";
export { GrammarError } from "./query.js";
