import { describe, expect, it } from "vitest";
import { AlfworldEngine } from "../../environments/alfworld/engine.js";
import { parseTaskSentence } from "../../environments/alfworld/expert.js";
import { loadGameFile } from "../../environments/alfworld/game.js";
import { learnReceptaclePriors } from "../../environments/alfworld/priors.js";
import { TRAIN_RECEPTACLE_PRIORS } from "../../environments/alfworld/priors.data.js";
import { listGames } from "../../environments/alfworld/splits.js";
import { expertTrajectories, oneShotDemos, runExpert } from "../../chains/alfworld/expert.js";
import { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { TrajectorySchema } from "../../core/trajectory.js";
import { dataDir } from "../helpers/data.js";
import { GOALS, kitchen } from "./fixtures.js";

/** The expert plays through the episode runner, on the same compiled game and step limit. */
const asEnv = (engine: AlfworldEngine) => new AlfworldEnvironment(engine.game, { maxSteps: engine.maxSteps });

describe("task sentences", () => {
  it.each([
    ["put some peppershaker on drawer.", { kind: "put", object: "peppershaker", target: "drawer" }],
    ["put a toiletpaper in toiletpaperhanger.", { kind: "put", object: "toiletpaper", target: "toiletpaperhanger" }],
    ["put a clean knife in countertop.", { kind: "clean", object: "knife", target: "countertop" }],
    ["heat some egg and put it in garbagecan.", { kind: "heat", object: "egg", target: "garbagecan" }],
    ["put a hot apple in fridge.", { kind: "heat", object: "apple", target: "fridge" }],
    ["put a cool mug in cabinet.", { kind: "cool", object: "mug", target: "cabinet" }],
    ["examine the alarmclock with the desklamp.", { kind: "examine", object: "alarmclock", lamp: "desklamp" }],
    ["look at bowl under the floorlamp.", { kind: "examine", object: "bowl", lamp: "floorlamp" }],
    ["find two cd and put them in safe.", { kind: "puttwo", object: "cd", target: "safe" }],
    ["put two soapbar in garbagecan.", { kind: "puttwo", object: "soapbar", target: "garbagecan" }],
  ])("reads %s", (sentence, task) => {
    expect(parseTaskSentence(sentence)).toEqual(task);
  });

  it("does not guess at other sentences", () => {
    expect(parseTaskSentence("make a sandwich.")).toBeUndefined();
  });
});

describe("the expert on the kitchen fixture", () => {
  it("solves a put task and a look task from observations only", async () => {
    const put = await runExpert(asEnv(kitchen()));
    expect(put.won).toBe(true);
    expect(put.trajectory.steps.map((s) => s.action).slice(-1)).toEqual(["move apple 1 to fridge 1"]);
    const look = await runExpert(asEnv(kitchen({ goal: GOALS.bookUnderLamp, task: "look at book under the desklamp." })));
    expect(look.won).toBe(true);
    expect(look.trajectory.steps.at(-1)!.action).toBe("use desklamp 1");
  });

  it("falls back to seeded random admissible commands when it cannot read the task", async () => {
    const play = async (seed: number) => (await runExpert(asEnv(kitchen({ task: "do something unusual.", maxSteps: 8 })), { seed })).trajectory.steps.map((s) => s.action);
    expect(await play(1)).toEqual(await play(1));
    expect(await play(1)).not.toEqual(await play(2));
    expect(await play(1)).toHaveLength(8);
  });

  it("plays 2.1.1 games with the old put wording", async () => {
    const run = await runExpert(asEnv(kitchen({ grammarVersion: "2.1.1" })));
    expect(run.won).toBe(true);
    expect(run.trajectory.steps.at(-1)!.action).toBe("put apple 1 in/on fridge 1");
  });
});

const dir = dataDir("ALFWORLD_DATA");

describe.skipIf(!dir)("the expert on the shared games", () => {
  const root = dir!;

  it.each(["train", "dev", "test"] as const)("solves at least 95 percent of the %s games within 50 steps, and every run replays to won", async (split) => {
    const entries = listGames(split, root);
    const runs = await expertTrajectories(entries, { seed: 0 });
    const won = runs.filter((r) => r.won);
    expect(won.length / runs.length).toBeGreaterThanOrEqual(0.95);
    for (const [i, run] of runs.entries()) {
      expect(run.steps).toBeLessThanOrEqual(50);
      expect(TrajectorySchema.safeParse(run.trajectory).success).toBe(true);
      expect(run.trajectory).toMatchObject({ env: "alfworld", game: entries[i]!.name, success: run.won });
      if (!run.won) continue;
      const fresh = new AlfworldEngine(loadGameFile(entries[i]!.gamefile));
      fresh.reset();
      let last;
      for (const step of run.trajectory.steps) {
        expect(fresh.admissibleCommands).toContain(step.action);
        last = fresh.step(step.action);
        expect(last.observation).toBe(step.observation);
      }
      expect(last?.info.won).toBe(true);
    }
  });

  it("is reproducible for a seed, and the seed matters", async () => {
    const entries = listGames("dev", root).slice(0, 40);
    const actions = async (seed: number) => (await expertTrajectories(entries, { seed })).map((r) => r.trajectory.steps.map((s) => s.action).join("|"));
    expect(await actions(3)).toEqual(await actions(3));
    expect(await actions(3)).not.toEqual(await actions(4));
  });

  it("draws one demonstration per task type from train games", async () => {
    const demos = await oneShotDemos(listGames("train", root));
    expect(Object.keys(demos).sort()).toEqual(["clean", "cool", "examine", "heat", "put", "puttwo"]);
    for (const demo of Object.values(demos)) {
      expect(demo!.trajectory.success).toBe(true);
      expect(demo!.text).toMatch(/^You are in the middle of a room\. .*\nYour task is to: .*\nThought: .*\nAction: go to /s);
    }
  });

  it("ships priors that match the train games they were learned from", () => {
    const games = listGames("train", root).map((g) => loadGameFile(g.gamefile));
    expect(learnReceptaclePriors(games)).toEqual(TRAIN_RECEPTACLE_PRIORS);
  });
});
