import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../core/errors.js";
import { type GoalTest, compileGoal } from "./goal.js";
import { type PddlDomain, parseDomain, parseProblem, receptacleTypeConstants } from "./pddl.js";
import { FactStore, Predicates } from "./state.js";
import type { EntityTable } from "./query.js";
import { TextGenerator } from "./textgen.js";
import { type ActionText, parseTwl2 } from "./twl2.js";
import { displayNames } from "./names.js";
import { GRAMMAR_VERSIONS, type GrammarVersion, applyGrammarVersion } from "./versions.js";

export { GRAMMAR_VERSIONS, type GrammarVersion, applyGrammarVersion } from "./versions.js";

export interface LoadOptions {
  /** Default `2.1.2`, the wording MemP's prompts use. */
  grammarVersion?: GrammarVersion;
}

/** The raw content of a `game.tw-pddl` file. */
export interface GameFileData {
  pddl_domain: string;
  grammar: string;
  pddl_problem: string;
  solvable?: boolean;
}

/** Everything about a game that does not change while it is played, compiled at load time. */
export interface AlfworldGame {
  /** Path of the `game.tw-pddl` it came from, if any. */
  readonly gamefile: string | undefined;
  readonly grammarVersion: GrammarVersion;
  readonly entities: EntityTable;
  readonly entityIndex: ReadonlyMap<string, number>;
  readonly predicates: Predicates;
  readonly pred: PredicateIds;
  readonly text: TextGenerator;
  /** Templates and feedback symbols of the live actions, by lower-cased action name. */
  readonly actions: ReadonlyMap<string, ActionText & { readonly parameters: readonly string[] }>;
  /** Actions whose command template reads no fact an action can change, so its text can be cached. */
  readonly staticTemplates: ReadonlySet<string>;
  readonly initialFacts: FactStore;
  readonly goal: GoalTest;
  readonly agent: number;
  /** Location of each receptacle (-1 for other entities); receptacles never move. */
  readonly receptacleLocation: Int32Array;
  /** Receptacles by location, in entity order. */
  readonly receptaclesAt: ReadonlyMap<number, readonly number[]>;
  readonly receptacles: readonly number[];
  /** Receptacle types the CleanObject action accepts (from the domain's precondition). */
  readonly cleaningTypes: ReadonlySet<number>;
  readonly typeConstants: { readonly microwave: number; readonly fridge: number; readonly knives: readonly number[] };
}

export type PredicateIds = Record<(typeof PREDICATES)[number], number>;

const PREDICATES = [
  "atlocation",
  "receptacleatlocation",
  "objectatlocation",
  "openable",
  "opened",
  "inreceptacle",
  "pickupable",
  "holds",
  "holdsany",
  "objecttype",
  "receptacletype",
  "cancontain",
  "cleanable",
  "isclean",
  "heatable",
  "ishot",
  "coolable",
  "iscool",
  "toggleable",
  "istoggled",
  "ison",
  "sliceable",
  "issliced",
  "checked",
] as const;

const ARITY: Record<(typeof PREDICATES)[number], number> = {
  atlocation: 2, receptacleatlocation: 2, objectatlocation: 2, openable: 1, opened: 1, inreceptacle: 2, pickupable: 1, holds: 2,
  holdsany: 1, objecttype: 2, receptacletype: 2, cancontain: 2, cleanable: 1, isclean: 1, heatable: 1, ishot: 1, coolable: 1,
  iscool: 1, toggleable: 1, istoggled: 1, ison: 1, sliceable: 1, issliced: 1, checked: 1,
};

/** Reads a trial folder or its `game.tw-pddl` and compiles the game. */
export function loadGameFile(path: string, options: LoadOptions = {}): AlfworldGame {
  const file = resolveGameFile(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InputError(`cannot read the game file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file, cause: err });
  }
  return parseGame(parseGameJson(text, file), { ...options, file });
}

/** A trial folder resolves to its `game.tw-pddl`; a file path is taken as is. */
export function resolveGameFile(path: string): string {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new InputError(`no such game file or trial folder`, { file: path, cause: err });
  }
  return isDir ? join(path, "game.tw-pddl") : path;
}

export function parseGameJson(text: string, file?: string): GameFileData {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON${jsonPosition(text, err as Error)}`, { file, cause: err });
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new InputError("a game file must hold a JSON object", { file });
  const record = data as Record<string, unknown>;
  for (const field of ["pddl_domain", "grammar", "pddl_problem"] as const) {
    if (typeof record[field] !== "string") throw new InputError(`expected a string`, { file, field });
  }
  if (record.solvable !== undefined && typeof record.solvable !== "boolean") throw new InputError("expected a boolean", { file, field: "solvable" });
  return record as unknown as GameFileData;
}

function jsonPosition(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return `: ${err.message}`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const column = pos - before.lastIndexOf("\n");
  return ` at line ${line}, column ${column}`;
}

/** Compiles the content of a game file. `file` only serves error messages and `gamefile`. */
export function parseGame(raw: GameFileData, options: LoadOptions & { file?: string } = {}): AlfworldGame {
  const version = options.grammarVersion ?? "2.1.2";
  if (!GRAMMAR_VERSIONS.includes(version)) throw new InputError(`unknown grammar version "${version}" (expected ${GRAMMAR_VERSIONS.join(" or ")})`);
  const file = options.file;
  const data = applyGrammarVersion(raw, version);
  const problem = parseProblem(data.pddl_problem, { file, field: "pddl_problem" });
  const domain = parseDomain(data.pddl_domain, { file, field: "pddl_domain" });
  const grammar = parseTwl2(data.grammar, { file, field: "grammar" });

  // Entities are the arguments of the initial facts (as TextWorld builds its entity infos).
  const declared = new Map(problem.objects.map((o) => [o.name, o.type]));
  const idSet = new Set<string>();
  for (const fact of problem.init) for (const arg of fact.args) idSet.add(arg);
  const ids = [...idSet].sort();
  const types = ids.map((id) => {
    const type = declared.get(id);
    if (type === undefined) throw new InputError(`"${id}" appears in :init but is not declared in :objects`, { file, field: "pddl_problem" });
    return type;
  });
  const entities: EntityTable = { ids, names: displayNames(ids), types };
  const entityIndex = new Map(ids.map((id, i) => [id, i]));

  const predicates = new Predicates();
  const pred = Object.fromEntries(PREDICATES.map((p) => [p, predicates.id(p, ARITY[p])])) as PredicateIds;
  const facts = new FactStore(Math.max(ids.length, 2));
  for (const fact of problem.init) {
    const p = predicates.id(fact.predicate, fact.args.length);
    if (predicates.arities[p] !== fact.args.length) {
      throw new InputError(`predicate "${fact.predicate}" is used with ${fact.args.length} and ${predicates.arities[p]} arguments`, { file, field: "pddl_problem" });
    }
    facts.add(p, facts.encode(fact.args.map((a) => entityIndex.get(a)!)));
  }

  const agents = types.flatMap((t, i) => (t === "agent" ? [i] : []));
  if (agents.length !== 1) throw new InputError(`expected exactly one agent, found ${agents.length}`, { file, field: "pddl_problem" });
  const receptacleLocation = new Int32Array(ids.length).fill(-1);
  const receptaclesAt = new Map<number, number[]>();
  for (const code of facts.codes(pred.receptacleatlocation)) {
    const r = Math.floor(code / facts.base);
    const l = code % facts.base;
    receptacleLocation[r] = l;
    let list = receptaclesAt.get(l);
    if (!list) receptaclesAt.set(l, (list = []));
    list.push(r);
  }
  const receptacles = ids.flatMap((_, i) => (receptacleLocation[i]! >= 0 ? [i] : []));

  const actions = liveActions(domain, grammar.actions, file);
  const constant = (id: string) => entityIndex.get(id) ?? -1;
  const cleanAction = domain.actions.get("cleanobject");
  const cleaningTypes = new Set(receptacleTypeConstants(cleanAction?.precondition).map(constant).filter((i) => i >= 0));

  const text = new TextGenerator(grammar.rules, predicates, entities);
  const changing = new Set(CHANGING_PREDICATES.map((p) => pred[p]));
  const staticTemplates = new Set(
    [...actions].filter(([, a]) => [...text.predicatesRead(a.template)].every((p) => !changing.has(p))).map(([name]) => name),
  );

  return {
    gamefile: file,
    staticTemplates,
    grammarVersion: version,
    entities,
    entityIndex,
    predicates,
    pred,
    text,
    actions,
    initialFacts: facts,
    goal: compileGoal(problem.goal, {
      predicates,
      entityIndex,
      entitiesOfType: (type) => types.flatMap((t, i) => (t === type ? [i] : [])),
      file,
    }),
    agent: agents[0]!,
    receptacleLocation,
    receptaclesAt,
    receptacles,
    cleaningTypes,
    typeConstants: {
      microwave: constant("microwavetype"),
      fridge: constant("fridgetype"),
      knives: ["knifetype", "butterknifetype"].map(constant).filter((i) => i >= 0),
    },
  };
}

/** Predicates some action effect writes (see actions.ts). */
const CHANGING_PREDICATES = [
  "checked", "atlocation", "opened", "inreceptacle", "holds", "holdsany", "objectatlocation", "isclean", "ishot", "iscool", "ison", "istoggled", "issliced",
] as const;

/**
 * The action schemas the engine implements (actions.ts), with the parameter types it grounds them
 * with, in order. The domain decides which are live; it may not define others.
 */
export const ENGINE_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  look: ["agent", "location"],
  inventory: ["agent"],
  help: ["agent"],
  examinereceptacle: ["agent", "receptacle"],
  examineobject: ["agent", "object"],
  gotolocation: ["agent", "location", "location", "receptacle"],
  openobject: ["agent", "location", "receptacle"],
  closeobject: ["agent", "location", "receptacle"],
  pickupobject: ["agent", "location", "object", "receptacle"],
  putobject: ["agent", "location", "object", "receptacle", "otype", "rtype"],
  cleanobject: ["agent", "location", "receptacle", "object"],
  heatobject: ["agent", "location", "receptacle", "object"],
  coolobject: ["agent", "location", "receptacle", "object"],
  toggleobject: ["agent", "location", "object", "receptacle"],
  sliceobject: ["agent", "location", "object", "object"],
};

function liveActions(domain: PddlDomain, texts: ReadonlyMap<string, ActionText>, file: string | undefined) {
  const out = new Map<string, ActionText & { parameters: readonly string[] }>();
  for (const [name, action] of domain.actions) {
    const types = ENGINE_ACTIONS[name];
    if (!types) throw new InputError(`the domain defines the action "${name}", which the engine does not implement`, { file, field: "pddl_domain" });
    const declared = action.parameters.map((p) => p.type);
    if (declared.join(" ") !== types.join(" ")) {
      throw new InputError(`action "${name}" has parameters (${declared.join(", ")}); the engine expects (${types.join(", ")})`, { file, field: "pddl_domain" });
    }
    const text = texts.get(name);
    if (!text) throw new InputError(`the grammar has no template for the action "${name}"`, { file, field: "grammar" });
    out.set(name, { ...text, parameters: action.parameters.map((p) => p.name) });
  }
  return out;
}
