import type { AlfworldGame } from "./game.js";

/**
 * Where objects of a class tend to be, learned from training games: for an object class and a
 * receptacle class, the share of games containing both in which some object of the class starts
 * in some receptacle of that class. The expert searches likely receptacles first with it (ALFWorld's
 * expert uses a hand-written table of valid receptacles for the same purpose).
 */
export type ReceptaclePriors = Record<string, Record<string, number>>;

/** `apple 1` -> `apple`. */
export function classOf(displayName: string): string {
  const cut = displayName.lastIndexOf(" ");
  return cut < 0 ? displayName : displayName.slice(0, cut);
}

export function learnReceptaclePriors(games: Iterable<AlfworldGame>): ReceptaclePriors {
  const together = new Map<string, number>();
  const contained = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const game of games) {
    const { names } = game.entities;
    const facts = game.initialFacts;
    const objectClasses = new Set<string>();
    for (const code of facts.codes(game.pred.objecttype)) objectClasses.add(classOf(names[Math.floor(code / facts.base)]!));
    const receptacleClasses = new Set(game.receptacles.map((r) => classOf(names[r]!)));
    for (const o of objectClasses) for (const r of receptacleClasses) bump(together, `${o}\t${r}`);
    const pairs = new Set<string>();
    for (const code of facts.codes(game.pred.inreceptacle)) {
      pairs.add(`${classOf(names[Math.floor(code / facts.base)]!)}\t${classOf(names[code % facts.base]!)}`);
    }
    for (const p of pairs) bump(contained, p);
  }
  const priors: ReceptaclePriors = {};
  for (const key of [...contained.keys()].sort()) {
    const [o, r] = key.split("\t") as [string, string];
    const share = contained.get(key)! / together.get(key)!;
    (priors[o] ??= {})[r] = Math.round(share * 1000) / 1000;
  }
  return priors;
}
