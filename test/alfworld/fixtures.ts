import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AlfworldEngine } from "../../environments/alfworld/engine.js";
import { type GameFileData, type GrammarVersion, parseGame } from "../../environments/alfworld/game.js";

const here = (name: string) => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

/** Goals in the forms ALFWorld generates, over the kitchen fixture's types. */
export const GOALS = {
  putAppleInFridge: "(exists (?r - receptacle) (exists (?o - object) (and (inReceptacle ?o ?r) (objectType ?o AppleType) (receptacleType ?r FridgeType))))",
  hotAppleOnCounter:
    "(exists (?r - receptacle) (exists (?o - object) (and (heatable ?o) (objectType ?o AppleType) (receptacleType ?r CounterTopType) (isHot ?o) (inReceptacle ?o ?r))))",
  bookUnderLamp: `(and (exists (?ot - object ?r - receptacle ?a - agent ?l - location)
      (and (objectType ?ot DeskLampType) (toggleable ?ot) (isToggled ?ot) (receptacleAtLocation ?r ?l) (atLocation ?a ?l) (inReceptacle ?ot ?r)))
    (exists (?o - object ?a - agent) (and (objectType ?o BookType) (holds ?a ?o))))`,
  twoOnCounter: `(exists (?r - receptacle) (exists (?o1 - object) (and (objectType ?o1 MugType) (receptacleType ?r CabinetType) (inReceptacle ?o1 ?r)
      (exists (?o2 - object) (and (not (= ?o1 ?o2)) (objectType ?o2 BookType) (receptacleType ?r CabinetType) (inReceptacle ?o2 ?r))))))`,
} as const;

export function kitchenData(goal: string = GOALS.putAppleInFridge, task = "put some apple in fridge."): GameFileData {
  return {
    pddl_domain: readFileSync(here("alfred.pddl"), "utf8"),
    grammar: readFileSync(here("alfred.twl2"), "utf8").replace("Your task is to: UNKNOWN GOAL.", `Your task is to: ${task}`),
    pddl_problem: readFileSync(here("kitchen.pddl"), "utf8").replace("GOAL", goal),
    solvable: true,
  };
}

export function kitchen(options: { goal?: string; task?: string; grammarVersion?: GrammarVersion; maxSteps?: number } = {}): AlfworldEngine {
  const game = parseGame(kitchenData(options.goal, options.task), { grammarVersion: options.grammarVersion, file: "kitchen.tw-pddl" });
  return new AlfworldEngine(game, { maxSteps: options.maxSteps });
}

/** Plays commands, failing loudly if one is not admissible (a test's script went wrong). */
export function play(engine: AlfworldEngine, commands: readonly string[]): string[] {
  return commands.map((c) => {
    if (!engine.admissibleCommands.includes(c)) throw new Error(`"${c}" is not admissible; admissible: ${engine.admissibleCommands.join(" | ")}`);
    return engine.step(c).observation;
  });
}
