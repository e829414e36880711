import type { ResetResult, StepResult, TextEnvironment } from "../types.js";
import { AlfworldEngine, type AlfworldInfo, type EngineOptions } from "./engine.js";
import { taskSentence } from "./expert.js";
import { type AlfworldGame, type GrammarVersion, type LoadOptions, loadGameFile } from "./game.js";

/** The action forms of each grammar version, as a prompt lists them. */
export function actionVocabulary(version: GrammarVersion): string {
  const put = version === "2.1.1" ? "put {obj} in/on {recep}" : "move {obj} to {recep}";
  const forms = [
    "go to {recep}",
    "open {recep}",
    "close {recep}",
    "take {obj} from {recep}",
    put,
    "examine {something}",
    "use {obj}",
    "heat {obj} with {recep}",
    "clean {obj} with {recep}",
    "cool {obj} with {recep}",
    "look",
    "inventory",
  ];
  return forms.map((f, i) => `${i + 1}. ${f}`).join("\n");
}

/**
 * The project's `TextEnvironment` over the (synchronous) engine: what the ReAct executor, the
 * experiment loops and the LangChain tools drive.
 */
export class AlfworldEnvironment implements TextEnvironment<AlfworldInfo> {
  readonly name = "alfworld";
  readonly engine: AlfworldEngine;
  private currentTask = "";

  constructor(game: AlfworldGame, options: EngineOptions = {}) {
    this.engine = new AlfworldEngine(game, options);
  }

  /** Loads a trial folder or `game.tw-pddl`. */
  static fromFile(path: string, options: LoadOptions & EngineOptions = {}): AlfworldEnvironment {
    return new AlfworldEnvironment(loadGameFile(path, options), options);
  }

  get game(): AlfworldGame {
    return this.engine.game;
  }

  get actionVocabulary(): string {
    return actionVocabulary(this.engine.game.grammarVersion);
  }

  get task(): string {
    return this.currentTask;
  }

  get won(): boolean {
    return this.engine.won;
  }

  get done(): boolean {
    return this.engine.done;
  }

  get admissibleCommands(): readonly string[] {
    return this.engine.admissibleCommands;
  }

  async reset(): Promise<ResetResult<AlfworldInfo>> {
    const result = this.engine.reset();
    this.currentTask = taskSentence(result.observation) ?? "";
    return result;
  }

  async step(action: string): Promise<StepResult<AlfworldInfo>> {
    return this.engine.step(action);
  }
}
