import { InputError } from "../../core/errors.js";
import { type Operator, agentLocation, applyOperator, localOperators, movementOperators } from "./actions.js";
import type { AlfworldGame } from "./game.js";
import type { FactStore } from "./state.js";
import type { Mapping } from "./query.js";

export const DEFAULT_MAX_STEPS = 50;
/** The answer to any command that is not admissible (TextWorld's exact text). */
export const NOTHING_HAPPENS = "Nothing happens.";

interface Moves {
  readonly sorted: readonly string[];
  readonly byCommand: ReadonlyMap<string, Operator>;
}
const NO_MOVES: Moves = { sorted: [], byCommand: new Map() };

/**
 * Texts derived from a game's static facts, shared by every engine over the same game: command
 * texts of grounded operators (for templates that read only static facts) and the movement
 * commands of each location.
 */
interface GameMemo {
  readonly commands: Map<string, Map<number | string, string>>;
  readonly moves: Map<number, Moves>;
}
const memos = new WeakMap<AlfworldGame, GameMemo>();
function memoOf(game: AlfworldGame): GameMemo {
  let memo = memos.get(game);
  if (!memo) memos.set(game, (memo = { commands: new Map(), moves: new Map() }));
  return memo;
}

export interface AlfworldInfo {
  /** Every command the game accepts in the current state, sorted by code point (a frozen array). */
  admissibleCommands: readonly string[];
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
  /** Current non-movement commands and their operators, sorted by command. */
  private localCommands: { command: string; op: Operator }[] = [];
  private moves: Moves = NO_MOVES;
  private sortedCommands: readonly string[] = [];
  private readonly memo: GameMemo;
  private lastWon = false;
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
    this.memo = memoOf(game);
  }

  reset(): { observation: string; info: AlfworldInfo } {
    this.facts = this.game.initialFacts.clone();
    this.stepCount = 0;
    this.last = undefined;
    this.started = true;
    const observation = this.game.text.render("#intro#", this.facts);
    this.refreshCommands();
    this.lastWon = this.game.goal(this.facts);
    return { observation, info: this.info(this.lastWon) };
  }

  step(command: string): AlfworldStep {
    if (!this.started) this.reset();
    if (this.last?.done) return this.last;
    const op = this.operatorFor(command.trim());
    let observation = NOTHING_HAPPENS;
    if (op) {
      applyOperator(this.game, this.facts, op);
      const action = this.game.actions.get(op.action)!;
      observation = this.game.text.render(action.feedback, this.facts, this.mappingOf(op));
      this.refreshCommands();
      this.lastWon = this.game.goal(this.facts);
    }
    // A rejected command leaves the state, hence the goal, as it was.
    this.stepCount++;
    const won = this.lastWon;
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
    return this.lastWon;
  }

  /** The current facts (read-only view for inspection and tests). */
  get state(): FactStore {
    return this.facts;
  }

  private info(won: boolean): AlfworldInfo {
    return { admissibleCommands: this.sortedCommands, won, gamefile: this.game.gamefile };
  }

  private operatorFor(command: string): Operator | undefined {
    for (const c of this.localCommands) if (c.command === command) return c.op;
    return this.moves.byCommand.get(command);
  }

  /**
   * Recomputes the admissible commands: the movement commands of the agent's location (cached
   * per location, already sorted) merged with the few local ones. The list is frozen and shared
   * with the caller; it is replaced, never changed.
   */
  private refreshCommands(): void {
    const here = agentLocation(this.game, this.facts);
    let moves = this.memo.moves.get(here);
    if (!moves) {
      const entries = movementOperators(this.game, here).map((op) => ({ command: this.commandOf(op), op }));
      entries.sort((a, b) => (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
      moves = { sorted: entries.map((e) => e.command), byCommand: new Map(entries.map((e) => [e.command, e.op])) };
      this.memo.moves.set(here, moves);
    }
    this.moves = moves;
    const local: { command: string; op: Operator }[] = [];
    for (const op of localOperators(this.game, this.facts, here)) {
      const command = this.commandOf(op);
      if (!moves.byCommand.has(command) && !local.some((c) => c.command === command)) local.push({ command, op });
    }
    local.sort((a, b) => (a.command < b.command ? -1 : a.command > b.command ? 1 : 0));
    this.localCommands = local;
    // Merge two sorted lists (code-point order, as Python's sorted()).
    const merged: string[] = new Array(moves.sorted.length + local.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < moves.sorted.length && j < local.length) merged[k++] = moves.sorted[i]! < local[j]!.command ? moves.sorted[i++]! : local[j++]!.command;
    while (i < moves.sorted.length) merged[k++] = moves.sorted[i++]!;
    while (j < local.length) merged[k++] = local[j++]!.command;
    this.sortedCommands = Object.freeze(merged);
  }

  /**
   * Command templates of the ALFWorld grammar read only facts that no action changes (names,
   * `receptacleatlocation`), so the text of a grounded operator is computed once and cached.
   */
  private commandOf(op: Operator): string {
    if (!this.game.staticTemplates.has(op.action)) return this.renderCommand(op);
    let byParams = this.memo.commands.get(op.action);
    if (!byParams) this.memo.commands.set(op.action, (byParams = new Map()));
    // Parameters as one number in base (entity count) when it fits, else as text.
    const base = this.facts.base;
    let key: number | string = 0;
    if (base ** op.params.length <= Number.MAX_SAFE_INTEGER) for (const p of op.params) key = key * base + p;
    else key = op.params.join(",");
    let command = byParams.get(key);
    if (command === undefined) byParams.set(key, (command = this.renderCommand(op)));
    return command;
  }

  private renderCommand(op: Operator): string {
    return this.game.text.render(this.game.actions.get(op.action)!.template, this.facts, this.mappingOf(op));
  }

  private mappingOf(op: Operator): Mapping {
    const names = this.game.actions.get(op.action)!.parameters;
    const mapping: Mapping = new Map();
    for (let i = 0; i < names.length; i++) mapping.set(names[i]!, op.params[i]!);
    return mapping;
  }
}
