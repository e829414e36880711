import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AlfworldEngine } from "../../environments/alfworld/engine.js";
import { loadGameFile } from "../../environments/alfworld/game.js";
import { type AlfworldSplit, listGames } from "../../environments/alfworld/splits.js";
import { dataDir } from "../helpers/data.js";

const dir = dataDir("ALFWORLD_DATA");

describe.skipIf(!dir)("ALFWorld data (shared json_2.1.1)", () => {
  const root = dir!;

  it("selects 200 / 140 / 134 games with ALFWorld's filter, with the documented task mix", () => {
    const counts = (split: AlfworldSplit) => {
      const out: Record<string, number> = {};
      for (const g of listGames(split, root)) out[g.taskName] = (out[g.taskName] ?? 0) + 1;
      return out;
    };
    expect(listGames("train", root)).toHaveLength(200);
    expect(counts("dev")).toEqual({ put: 35, examine: 13, clean: 27, heat: 16, cool: 25, puttwo: 24 });
    expect(counts("test")).toEqual({ put: 24, examine: 18, clean: 31, heat: 23, cool: 21, puttwo: 17 });
    const names = listGames("test", root).map((g) => g.name);
    expect(names).toEqual([...names].sort());
    expect(names.every((n) => !n.includes("Sliced") && !n.includes("movable"))).toBe(true);
  });

  it("names test games as MemP and ETO do (task/trial): ETO's 134-game list is exactly the test split", () => {
    const eto = readFileSync(join(root, "reference", "eto_test_gamefile_id.txt"), "utf8").trim().split("\n");
    expect([...eto].sort()).toEqual(listGames("test", root).map((g) => g.name));
  });

  it("reproduces the 134 recorded valid_unseen intros byte for byte (2.1.1 and 2.1.2 alike)", () => {
    const reference = JSON.parse(readFileSync(join(root, "reference", "expel_valid_unseen_intros.json"), "utf8")) as { goal: string; gamefile: string }[];
    expect(reference).toHaveLength(134);
    const trialDirs = new Set(listGames("test", root).map((g) => g.trialDir));
    for (const { goal, gamefile } of reference) {
      const trial = join(root, gamefile.replace(/^data\/alfworld\//, "").replace(/\/game\.tw-pddl$/, ""));
      expect(trialDirs.has(trial)).toBe(true);
      const expected = goal.replace(/___\d+$/, "");
      for (const grammarVersion of ["2.1.1", "2.1.2"] as const) {
        const intro = new AlfworldEngine(loadGameFile(trial, { grammarVersion })).reset().observation;
        expect(intro.startsWith("-= Welcome to TextWorld, ALFRED! =-\n\n")).toBe(true);
        expect(intro.split("\n\n").slice(1).join("\n\n")).toBe(expected);
      }
    }
  });

  it("loads and resets every usable game, never starting at a receptacle or won; the corpus figures of the spec hold", () => {
    let loaded = 0;
    const corpus = { gamesWithSharedLocations: 0, receptacles: 0, receptaclesSharingALocation: 0, gamesWithAnObjectInTwoReceptacles: 0 };
    for (const split of ["train", "dev", "test"] as const) {
      for (const entry of listGames(split, root)) {
        const game = loadGameFile(entry.gamefile);
        const engine = new AlfworldEngine(game);
        const { info } = engine.reset();
        expect(info.won).toBe(false);
        expect(info.admissibleCommands).toEqual([...game.receptacles.map((r) => `go to ${game.entities.names[r]}`).sort(), "help", "inventory", "look"].sort());
        const groups = [...game.receptaclesAt.values()];
        if (groups.some((rs) => rs.length > 1)) corpus.gamesWithSharedLocations++;
        corpus.receptacles += game.receptacles.length;
        corpus.receptaclesSharingALocation += groups.filter((rs) => rs.length > 1).reduce((n, rs) => n + rs.length, 0);
        const facts = game.initialFacts;
        const holders = new Map<number, number>();
        for (const code of facts.codes(game.pred.inreceptacle)) {
          const o = Math.floor(code / facts.base);
          holders.set(o, (holders.get(o) ?? 0) + 1);
        }
        if ([...holders.values()].some((n) => n > 1)) corpus.gamesWithAnObjectInTwoReceptacles++;
        loaded++;
      }
    }
    expect(loaded).toBe(474);
    // Spec §3.3 / §3.4, counted independently on the same games.
    expect(corpus).toEqual({ gamesWithSharedLocations: 369, receptacles: 11019, receptaclesSharingALocation: 2052, gamesWithAnObjectInTwoReceptacles: 230 });
  });

  it("withholds go-to for every receptacle sharing the agent's location in a real game", () => {
    const entry = listGames("test", root).find((g) => g.name.startsWith("pick_and_place_simple-PepperShaker-None-Drawer-10/"))!;
    const engine = new AlfworldEngine(loadGameFile(entry.gamefile));
    engine.reset();
    expect(engine.step("go to countertop 1").observation).toBe("You arrive at countertop 1. On the countertop 1, you see a creditcard 1, and a tomato 3.");
    expect(engine.step("look").observation).toBe("You are facing the coffeemachine 1, and countertop 1. Next to it, you see nothing.");
    const cmds = engine.admissibleCommands;
    expect(cmds).toEqual(expect.arrayContaining(["examine coffeemachine 1", "examine countertop 1", "take tomato 3 from countertop 1"]));
    expect(cmds.filter((c) => c === "go to coffeemachine 1" || c === "go to countertop 1")).toEqual([]);
  });
});
