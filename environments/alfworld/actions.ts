import type { AlfworldGame } from "./game.js";
import type { FactStore } from "./state.js";

/** A grounded operator: an action name and its parameters (entity indexes, in the domain's order). */
export interface Operator {
  readonly action: string;
  readonly params: readonly number[];
}

/**
 * Every applicable operator of the live actions in a state, as Fast Downward grounds them for
 * TextWorld, including the two normalisation effects that show in the game:
 * - `GotoLocation` to the agent's own location is a no-op operator, which the translator drops,
 *   so no `go to` is offered for any receptacle at the current location;
 * - `examineObject` survives only in its `holds` branch (the other branch has a parameter of the
 *   misspelled type `location,`, which has no objects), so only the held object can be examined.
 * Candidates come from indexes (agent location, receptacles there, what they hold, the held
 * object) rather than from a generic grounder.
 */
export function applicableOperators(game: AlfworldGame, facts: FactStore): Operator[] {
  const here = agentLocation(game, facts);
  return [...movementOperators(game, here), ...localOperators(game, facts, here)];
}

/**
 * `go to` every receptacle at another location. These depend only on where the agent is (the
 * receptacle positions never change), so the engine computes them once per location.
 */
export function movementOperators(game: AlfworldGame, here: number): Operator[] {
  if (here < 0 || !game.actions.has("gotolocation")) return [];
  const ops: Operator[] = [];
  for (const r of game.receptacles) {
    const lend = game.receptacleLocation[r]!;
    if (lend !== here) ops.push({ action: "gotolocation", params: [game.agent, here, lend, r] });
  }
  return ops;
}

/** Every applicable operator other than movement. */
export function localOperators(game: AlfworldGame, facts: FactStore, here: number): Operator[] {
  const { pred, agent, actions } = game;
  const ops: Operator[] = [];
  const local = here < 0 ? [] : (game.receptaclesAt.get(here) ?? []);
  const held = heldObject(game, facts);
  const live = (name: string) => actions.has(name);
  const has1 = (p: number, x: number) => facts.has(p, x);
  const has2 = (p: number, x: number, y: number) => facts.has(p, facts.encode2(x, y));
  const openOk = (r: number) => !has1(pred.openable, r) || has1(pred.opened, r);

  if (here >= 0 && live("look")) ops.push({ action: "look", params: [agent, here] });
  if (live("inventory")) ops.push({ action: "inventory", params: [agent] });
  if (live("help")) ops.push({ action: "help", params: [agent] });
  if (held >= 0 && live("examineobject")) ops.push({ action: "examineobject", params: [agent, held] });
  for (const r of local) {
    if (live("examinereceptacle")) ops.push({ action: "examinereceptacle", params: [agent, r] });
    if (has1(pred.openable, r)) {
      const open = has1(pred.opened, r);
      if (!open && live("openobject")) ops.push({ action: "openobject", params: [agent, here, r] });
      if (open && live("closeobject")) ops.push({ action: "closeobject", params: [agent, here, r] });
    }
    if (held < 0 && live("pickupobject") && openOk(r)) {
      forEachContent(game, facts, r, (o) => {
        if (has1(pred.pickupable, o)) ops.push({ action: "pickupobject", params: [agent, here, o, r] });
      });
    }
    if (live("toggleobject")) {
      forEachContent(game, facts, r, (o) => {
        if (has1(pred.toggleable, o)) ops.push({ action: "toggleobject", params: [agent, here, o, r] });
      });
    }
    if (held >= 0) {
      if (live("putobject") && openOk(r)) {
        for (const ot of typesOf(facts, pred.objecttype, held)) {
          for (const rt of typesOf(facts, pred.receptacletype, r)) {
            if (has2(pred.cancontain, rt, ot)) ops.push({ action: "putobject", params: [agent, here, held, r, ot, rt] });
          }
        }
      }
      const appliance = (name: string, ability: number, accepts: (rt: number) => boolean) => {
        if (live(name) && has1(ability, held) && typesOf(facts, pred.receptacletype, r).some(accepts)) {
          ops.push({ action: name, params: [agent, here, r, held] });
        }
      };
      appliance("cleanobject", pred.cleanable, (rt) => game.cleaningTypes.has(rt));
      appliance("heatobject", pred.heatable, (rt) => rt === game.typeConstants.microwave);
      appliance("coolobject", pred.coolable, (rt) => rt === game.typeConstants.fridge);
    }
  }
  if (held >= 0 && here >= 0 && live("sliceobject") && typesOf(facts, pred.objecttype, held).some((t) => game.typeConstants.knives.includes(t))) {
    for (const code of facts.codes(pred.objectatlocation)) {
      const co = Math.floor(code / facts.base);
      if (code % facts.base === here && has1(pred.sliceable, co)) ops.push({ action: "sliceobject", params: [agent, here, co, held] });
    }
  }
  return ops;
}

/** Applies an operator's effects in the domain's order (adds clear the matching deleted fact). */
export function applyOperator(game: AlfworldGame, facts: FactStore, op: Operator): void {
  const { pred } = game;
  const p = op.params;
  const e2 = (x: number, y: number) => facts.encode2(x, y);
  switch (op.action) {
    case "look":
      facts.add(pred.checked, p[1]!);
      break;
    case "inventory":
    case "help":
      facts.add(pred.checked, p[0]!);
      break;
    case "examinereceptacle":
    case "examineobject":
      facts.add(pred.checked, p[1]!);
      break;
    case "gotolocation":
      facts.delete(pred.atlocation, e2(p[0]!, p[1]!));
      facts.add(pred.atlocation, e2(p[0]!, p[2]!));
      break;
    case "openobject":
      facts.add(pred.opened, p[2]!);
      facts.add(pred.checked, p[2]!);
      break;
    case "closeobject":
      facts.delete(pred.opened, p[2]!);
      break;
    case "pickupobject":
      facts.delete(pred.inreceptacle, e2(p[2]!, p[3]!));
      facts.add(pred.holds, e2(p[0]!, p[2]!));
      facts.add(pred.holdsany, p[0]!);
      facts.delete(pred.objectatlocation, e2(p[2]!, p[1]!));
      break;
    case "putobject":
      facts.add(pred.inreceptacle, e2(p[2]!, p[3]!));
      facts.add(pred.objectatlocation, e2(p[2]!, p[1]!));
      facts.delete(pred.holds, e2(p[0]!, p[2]!));
      facts.delete(pred.holdsany, p[0]!);
      break;
    case "cleanobject":
      facts.add(pred.isclean, p[3]!);
      break;
    case "heatobject":
      facts.add(pred.ishot, p[3]!);
      facts.delete(pred.iscool, p[3]!);
      break;
    case "coolobject":
      facts.add(pred.iscool, p[3]!);
      facts.delete(pred.ishot, p[3]!);
      break;
    case "toggleobject":
      // The planner flips `ison`; nothing reads it. `istoggled` is never removed.
      if (facts.has(pred.ison, p[2]!)) facts.delete(pred.ison, p[2]!);
      else facts.add(pred.ison, p[2]!);
      facts.add(pred.istoggled, p[2]!);
      break;
    case "sliceobject":
      facts.add(pred.issliced, p[2]!);
      break;
    default:
      throw new Error(`no effects defined for action "${op.action}"`);
  }
}

export function agentLocation(game: AlfworldGame, facts: FactStore): number {
  const base = facts.base;
  for (const code of facts.codes(game.pred.atlocation)) if (Math.floor(code / base) === game.agent) return code % base;
  return -1;
}

export function heldObject(game: AlfworldGame, facts: FactStore): number {
  const base = facts.base;
  for (const code of facts.codes(game.pred.holds)) if (Math.floor(code / base) === game.agent) return code % base;
  return -1;
}

/** Objects in a receptacle, in entity order. */
function forEachContent(game: AlfworldGame, facts: FactStore, r: number, visit: (o: number) => void): void {
  const base = facts.base;
  for (const code of facts.codes(game.pred.inreceptacle)) if (code % base === r) visit(Math.floor(code / base));
}

function typesOf(facts: FactStore, p: number, x: number): number[] {
  const base = facts.base;
  const out: number[] = [];
  const codes = facts.codes(p);
  // Codes are sorted by first argument: binary search to x's range.
  let lo = 0;
  let hi = codes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (codes[mid]! < x * base) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < codes.length && codes[i]! < (x + 1) * base; i++) out.push(codes[i]! % base);
  return out;
}
