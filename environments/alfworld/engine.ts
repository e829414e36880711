import { InputError } from "../../src/errors.js";
import { type Operator, applicableOperators, applyOperator } from "./actions.js";
import type { AlfworldGame } from "./game.js";
import type { FactStore } from "./state.js";
import type { Mapping } from "./textgen.js";

export const DEFAULT_MAX_STEPS = 50;
export const NOTHING_HAPPENS = "Nothing happens.";

export interface AlfworldInfo {
  /** Every command the game accepts in the current state, sorted by code point. */
  admissibleCommands: string[];
  won: boolean;
  /** The `game.tw-pddl` the game was loaded from. */
  gamefile: string | undefined;
  [key: string]: unknown;
}

export interface AlfworldStep {
  observation: string;
  /** 1 when the goal holds after the step, else 0 (TextWorld's score). */
  reward: number;
  done: boolean;
  info: AlfworldInfo;
}

export interface EngineOptions {
  /** Episode length limit; every step counts, accepted or not. Default 50. */
  maxSteps?: number;
}

/**
 * One playable episode of a compiled game, with TextWorld's semantics: `reset()` gives the intro;
 * `step()` matches the trimmed command exactly against the admissible commands, applies it or
 * answers "Nothing happens.", then tests the goal. An episode is done when won or when the step
 * limit is reached; after that, `step()` returns the last result unchanged. Synchronous and
 * deterministic.
 */
export class AlfworldEngine {
  readonly maxSteps: number;
  private facts: FactStore;
  private commands = new Map<string, Operator>();
  private sortedCommands: string[] = [];
  private readonly commandCache = new Map<string, string>();
  private stepCount = 0;
  private last: AlfworldStep | undefined;
  private started = false;

  constructor(
    readonly game: AlfworldGame,
    options: EngineOptions = {},
  ) {
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!Number.isInteger(maxSteps) || maxSteps <= 0) throw new InputError(`maxSteps must be a positive integer, got ${maxSteps}`);
    this.maxSteps = maxSteps;
    this.facts = game.initialFacts.clone();
  }

  reset(): { observation: string; info: AlfworldInfo } {
    this.facts = this.game.initialFacts.clone();
    this.stepCount = 0;
    this.last = undefined;
    this.started = true;
    const observation = this.game.text.render("#intro#", this.facts);
    this.refreshCommands();
    return { observation, info: this.info(this.game.goal(this.facts)) };
  }

  step(command: string): AlfworldStep {
    if (!this.started) this.reset();
    if (this.last?.done) return this.last;
    const op = this.commands.get(command.trim());
    let observation = NOTHING_HAPPENS;
    if (op) {
      applyOperator(this.game, this.facts, op);
      const action = this.game.actions.get(op.action)!;
      observation = this.game.text.render(action.feedback, this.facts, this.mappingOf(op));
      this.refreshCommands();
    }
    this.stepCount++;
    const won = this.game.goal(this.facts);
    const done = won || this.stepCount >= this.maxSteps;
    this.last = { observation, reward: won ? 1 : 0, done, info: this.info(won) };
    return this.last;
  }

  get admissibleCommands(): readonly string[] {
    return this.sortedCommands;
  }

  get steps(): number {
    return this.stepCount;
  }

  get done(): boolean {
    return this.last?.done ?? false;
  }

  get won(): boolean {
    return this.game.goal(this.facts);
  }

  /** The current facts (read-only view for inspection and tests). */
  get state(): FactStore {
    return this.facts;
  }

  private info(won: boolean): AlfworldInfo {
    return { admissibleCommands: this.sortedCommands.slice(), won, gamefile: this.game.gamefile };
  }

  private refreshCommands(): void {
    const commands = new Map<string, Operator>();
    for (const op of applicableOperators(this.game, this.facts)) {
      const command = this.commandOf(op);
      if (!commands.has(command)) commands.set(command, op);
    }
    this.commands = commands;
    this.sortedCommands = [...commands.keys()].sort();
  }

  /**
   * Command templates of the ALFWorld grammar read only facts that no action changes (names,
   * `receptacleatlocation`), so the text of a grounded operator is computed once and cached.
   */
  private commandOf(op: Operator): string {
    const key = op.action + ":" + op.params.join(",");
    let command = this.commandCache.get(key);
    if (command === undefined) {
      command = this.game.text.render(this.game.actions.get(op.action)!.template, this.facts, this.mappingOf(op));
      if (this.game.staticTemplates.has(op.action)) this.commandCache.set(key, command);
    }
    return command;
  }

  private mappingOf(op: Operator): Mapping {
    const names = this.game.actions.get(op.action)!.parameters;
    const mapping: Mapping = new Map();
    for (let i = 0; i < names.length; i++) mapping.set(names[i]!, op.params[i]!);
    return mapping;
  }
}
