import { describe, expect, it } from "vitest";
import { NOTHING_HAPPENS } from "../../environments/alfworld/engine.js";
import { GOALS, kitchen, play } from "./fixtures.js";

const INTRO_ROOM =
  "You are in the middle of a room. Looking quickly around you, you see a cabinet 2, a cabinet 1, a coffeemachine 1, a countertop 1, a fridge 1, a microwave 1, a sidetable 1, and a sinkbasin 1.";
const GO_TO_ALL = ["cabinet 1", "cabinet 2", "coffeemachine 1", "countertop 1", "fridge 1", "microwave 1", "sidetable 1", "sinkbasin 1"].map((r) => `go to ${r}`);

describe("reset", () => {
  it("gives the banner, the room with every receptacle in id order, and the task", () => {
    const { observation, info } = kitchen().reset();
    expect(observation).toBe(`-= Welcome to TextWorld, ALFRED! =-\n\n${INTRO_ROOM}\n\nYour task is to: put some apple in fridge.`);
    expect(info.won).toBe(false);
    expect(info.gamefile).toBe("kitchen.tw-pddl");
  });

  it("offers only movement, help, inventory and look at the start (2.1.2)", () => {
    expect(kitchen().reset().info.admissibleCommands).toEqual([...GO_TO_ALL, "help", "inventory", "look"]);
  });

  it("has no help command in 2.1.1", () => {
    expect(kitchen({ grammarVersion: "2.1.1" }).reset().info.admissibleCommands).toEqual([...GO_TO_ALL, "inventory", "look"]);
  });

  it("says there is nothing to see when looking from the middle of the room", () => {
    const e = kitchen();
    e.reset();
    expect(e.step("look").observation).toBe("You are in the middle of a room. Looking quickly around you, you see nothing.");
  });
});

describe("display names", () => {
  it("numbers a class from the highest down in sorted id order, and names sink basins", () => {
    const e = kitchen();
    e.reset();
    // cabinet_bar__minus_05 sorts before cabinet_bar__plus_06, so it is "cabinet 2" (it holds the knife).
    expect(play(e, ["go to cabinet 2", "open cabinet 2"])).toEqual([
      "You arrive at cabinet 2. The cabinet 2 is closed.",
      "You open the cabinet 2. The cabinet 2 is open. In it, you see a knife 1.",
    ]);
    expect(e.step("go to sinkbasin 1").observation).toBe("You arrive at sinkbasin 1. On the sinkbasin 1, you see nothing.");
  });

  it("names locations per class too (loc N, visible in 2.1.1 arrivals)", () => {
    const e = kitchen({ grammarVersion: "2.1.1" });
    e.reset();
    // Eight locations; loc_bar_1 (the countertop's) is the second smallest id, so it is "loc 7".
    expect(e.step("go to countertop 1").observation).toBe("You arrive at loc 7. On the countertop 1, you see a apple 1, and a mug 1.");
    expect(e.step("go to sidetable 1").observation).toBe("You arrive at loc 1. On the sidetable 1, you see a desklamp 1.");
  });
});

describe("planner quirks", () => {
  it("offers no go-to for receptacles at the agent's location, but every other command for them", () => {
    const e = kitchen();
    e.reset();
    e.step("go to countertop 1");
    const cmds = e.admissibleCommands;
    expect(cmds).not.toContain("go to countertop 1");
    expect(cmds).not.toContain("go to coffeemachine 1");
    expect(cmds).toEqual(
      expect.arrayContaining(["examine coffeemachine 1", "examine countertop 1", "take mug 1 from coffeemachine 1", "take mug 1 from countertop 1"]),
    );
    expect(e.step("go to coffeemachine 1").observation).toBe(NOTHING_HAPPENS);
  });

  it("lets only the held object be examined", () => {
    const e = kitchen();
    e.reset();
    e.step("go to countertop 1");
    expect(e.admissibleCommands).not.toContain("examine apple 1");
    expect(e.step("examine apple 1").observation).toBe(NOTHING_HAPPENS);
    e.step("take apple 1 from countertop 1");
    expect(e.admissibleCommands).toContain("examine apple 1");
    expect(e.step("examine apple 1").observation).toBe("There's nothing special about apple 1.");
  });

  it("keeps an object that starts in two receptacles listed in the other one after it is taken", () => {
    const e = kitchen();
    e.reset();
    expect(play(e, ["go to countertop 1", "take mug 1 from countertop 1", "examine coffeemachine 1", "examine countertop 1", "inventory"])).toEqual([
      "You arrive at countertop 1. On the countertop 1, you see a apple 1, and a mug 1.",
      "You pick up the mug 1 from the countertop 1.",
      "On the coffeemachine 1, you see a mug 1.",
      "On the countertop 1, you see a apple 1.",
      "You are carrying: a mug 1.",
    ]);
  });

  it("shows an object moved between co-located receptacles on the floor (TextWorld's deleted-fact view)", () => {
    const e = kitchen();
    e.reset();
    const obs = play(e, ["go to countertop 1", "take apple 1 from countertop 1", "move apple 1 to coffeemachine 1", "look"]);
    expect(obs.at(-1)).toBe("You are facing the coffeemachine 1, and countertop 1. Next to it, you see a apple 1.");
    e.step("take apple 1 from coffeemachine 1");
    expect(e.step("move apple 1 to countertop 1").observation).toBe("You move the apple 1 to the countertop 1.");
    expect(e.step("look").observation).toBe("You are facing the coffeemachine 1, and countertop 1. Next to it, you see a apple 1.");
  });
});

describe("observations", () => {
  it("opens, lists, closes, and refuses to take from a closed receptacle", () => {
    const e = kitchen();
    e.reset();
    expect(e.step("go to fridge 1").observation).toBe("You arrive at fridge 1. The fridge 1 is closed.");
    expect(e.admissibleCommands).not.toContain("take egg 1 from fridge 1");
    expect(e.step("examine fridge 1").observation).toBe("The fridge 1 is closed.");
    expect(e.step("open fridge 1").observation).toBe("You open the fridge 1. The fridge 1 is open. In it, you see a bowl 1, and a egg 1.");
    expect(e.admissibleCommands).toEqual(expect.arrayContaining(["close fridge 1", "take bowl 1 from fridge 1", "take egg 1 from fridge 1"]));
    expect(e.admissibleCommands).not.toContain("open fridge 1");
    expect(e.step("close fridge 1").observation).toBe("You close the fridge 1.");
    expect(e.step("look").observation).toBe("You are facing the fridge 1. Next to it, you see nothing.");
  });

  it("describes a held receptacle object with what is in it", () => {
    const e = kitchen();
    e.reset();
    play(e, ["go to fridge 1", "open fridge 1", "take bowl 1 from fridge 1"]);
    expect(e.step("examine bowl 1").observation).toBe("This is a normal bowl 1. In it, you see a egg 1.");
    expect(e.step("inventory").observation).toBe("You are carrying: a bowl 1.");
  });

  it("heats, cools and cleans with the appliances, and examine reports the first matching state", () => {
    const e = kitchen();
    e.reset();
    expect(play(e, ["go to countertop 1", "take apple 1 from countertop 1", "go to microwave 1"]).at(-1)).toBe("You arrive at microwave 1. The microwave 1 is closed.");
    // No need to open the microwave; the object does not go in.
    expect(e.admissibleCommands).toContain("heat apple 1 with microwave 1");
    expect(e.admissibleCommands).not.toContain("move apple 1 to microwave 1");
    expect(e.step("heat apple 1 with microwave 1").observation).toBe("You heat the apple 1 using the microwave 1.");
    expect(e.step("examine apple 1").observation).toBe("This is a hot apple 1.");
    play(e, ["go to fridge 1"]);
    expect(e.step("cool apple 1 with fridge 1").observation).toBe("You cool the apple 1 using the fridge 1.");
    expect(e.step("examine apple 1").observation).toBe("This is a cold apple 1.");
    play(e, ["go to sinkbasin 1"]);
    expect(e.step("clean apple 1 with sinkbasin 1").observation).toBe("You clean the apple 1 using the sinkbasin 1.");
    expect(e.step("examine apple 1").observation).toBe("This is a cool and clean apple 1.");
    play(e, ["go to microwave 1", "heat apple 1 with microwave 1"]);
    expect(e.step("examine apple 1").observation).toBe("This is a hot and clean apple 1.");
  });

  it("switches a lamp on (always 'on': nothing records it off) and slices with a held knife", () => {
    const e = kitchen();
    e.reset();
    e.step("go to sidetable 1");
    expect(e.admissibleCommands).toContain("use desklamp 1");
    expect(e.step("use desklamp 1").observation).toBe("You turn on the desklamp 1.");
    expect(e.step("use desklamp 1").observation).toBe("You turn on the desklamp 1.");
    play(e, ["go to cabinet 2", "open cabinet 2", "take knife 1 from cabinet 2", "go to countertop 1"]);
    expect(e.admissibleCommands).toContain("slice apple 1 with knife 1");
    expect(e.step("slice apple 1 with knife 1").observation).toBe("You sliced the apple 1 with the knife 1.");
    e.step("move knife 1 to countertop 1");
    e.step("take apple 1 from countertop 1");
    expect(e.step("examine apple 1").observation).toBe("This is a sliced apple 1.");
  });

  it("puts only where the receptacle type can hold the object, with each version's wording", () => {
    const e = kitchen();
    e.reset();
    play(e, ["go to countertop 1", "take apple 1 from countertop 1"]);
    expect(e.admissibleCommands).toEqual(expect.arrayContaining(["move apple 1 to countertop 1", "move apple 1 to coffeemachine 1"]));
    play(e, ["go to cabinet 1", "open cabinet 1"]);
    expect(e.admissibleCommands.filter((c) => c.startsWith("move"))).toEqual([]);
    const old = kitchen({ grammarVersion: "2.1.1" });
    old.reset();
    play(old, ["go to countertop 1", "take apple 1 from countertop 1"]);
    expect(old.admissibleCommands).toContain("put apple 1 in/on countertop 1");
    expect(old.admissibleCommands.some((c) => c.startsWith("move"))).toBe(false);
    expect(old.step("put apple 1 in/on countertop 1").observation).toBe("You put the apple 1 in/on the countertop 1.");
    expect(old.step("help").observation).toBe(NOTHING_HAPPENS);
  });

  it("answers help with the command list (2.1.2)", () => {
    const e = kitchen();
    e.reset();
    const text = e.step("help").observation;
    expect(text.startsWith("\nAvailable commands:\n  look:                             look around your current location\n")).toBe(true);
    expect(text.endsWith("  slice (object) with (object):     slice an object using a sharp object\n")).toBe(true);
    expect(text.split("\n")).toHaveLength(16);
  });

  it("matches commands exactly after trimming", () => {
    const e = kitchen();
    e.reset();
    expect(e.step("  go to countertop 1 \n").observation).toBe("You arrive at countertop 1. On the countertop 1, you see a apple 1, and a mug 1.");
    expect(e.step("Look").observation).toBe(NOTHING_HAPPENS);
    expect(e.step("look around").observation).toBe(NOTHING_HAPPENS);
  });
});

describe("goals and episode end", () => {
  it("wins when the goal holds after a step, adds no text, and freezes after done", () => {
    const e = kitchen();
    e.reset();
    const obs = play(e, ["go to countertop 1", "take apple 1 from countertop 1", "go to fridge 1", "open fridge 1"]);
    expect(e.won).toBe(false);
    const last = e.step("move apple 1 to fridge 1");
    expect(obs).toHaveLength(4);
    expect(last).toMatchObject({ observation: "You move the apple 1 to the fridge 1.", reward: 1, done: true, info: { won: true } });
    const after = e.step("take apple 1 from fridge 1");
    expect(after).toBe(last);
    expect(e.steps).toBe(5);
  });

  it("needs the heat for a hot-object goal", () => {
    const e = kitchen({ goal: GOALS.hotAppleOnCounter, task: "put a hot apple in countertop." });
    e.reset();
    play(e, ["go to countertop 1", "take apple 1 from countertop 1", "move apple 1 to countertop 1"]);
    expect(e.done).toBe(false);
    play(e, ["take apple 1 from countertop 1", "go to microwave 1", "heat apple 1 with microwave 1", "go to countertop 1"]);
    expect(e.step("move apple 1 to countertop 1").info.won).toBe(true);
  });

  it("wins a look task with the lamp switched on first and the object picked up later at it", () => {
    const e = kitchen({ goal: GOALS.bookUnderLamp, task: "look at book under the desklamp." });
    e.reset();
    play(e, ["go to sidetable 1", "use desklamp 1", "go to cabinet 1", "open cabinet 1", "take book 1 from cabinet 1"]);
    expect(e.won).toBe(false); // the agent is not at the lamp
    expect(e.step("go to sidetable 1").info.won).toBe(true);
  });

  it("evaluates nested existentials with inequality (both objects in the same receptacle)", () => {
    const e = kitchen({ goal: GOALS.twoOnCounter, task: "put a mug and a book in cabinet." });
    e.reset();
    play(e, ["go to countertop 1", "take mug 1 from countertop 1", "go to cabinet 2", "open cabinet 2", "move mug 1 to cabinet 2", "go to cabinet 1", "open cabinet 1", "take book 1 from cabinet 1"]);
    play(e, ["move book 1 to cabinet 1"]);
    expect(e.won).toBe(false); // different cabinets
    play(e, ["take book 1 from cabinet 1", "go to cabinet 2"]);
    expect(e.step("move book 1 to cabinet 2").info.won).toBe(true);
  });

  it("evaluates universal goals against the current state", () => {
    const onlyFridgeOpen =
      "(and (opened Fridge_bar__plus_02_dot_00) (forall (?r - receptacle) (imply (opened ?r) (receptacleType ?r FridgeType))))";
    const a = kitchen({ goal: onlyFridgeOpen, task: "open only the fridge." });
    a.reset();
    play(a, ["go to cabinet 1", "open cabinet 1", "go to fridge 1"]);
    expect(a.step("open fridge 1").info.won).toBe(false);
    const b = kitchen({ goal: onlyFridgeOpen, task: "open only the fridge." });
    b.reset();
    play(b, ["go to fridge 1"]);
    expect(b.step("open fridge 1").info.won).toBe(true);
  });

  it("ends at the step limit counting every step, valid or not", () => {
    const e = kitchen({ maxSteps: 3 });
    e.reset();
    expect(e.step("nonsense").done).toBe(false);
    expect(e.step("look").done).toBe(false);
    const third = e.step("go to countertop 1");
    expect(third).toMatchObject({ done: true, reward: 0, info: { won: false } });
    expect(e.step("take apple 1 from countertop 1")).toBe(third);
    expect(e.steps).toBe(3);
  });

  it("starts over on reset and is deterministic", () => {
    const e = kitchen();
    const first = e.reset();
    const a = play(e, ["go to countertop 1", "take apple 1 from countertop 1", "go to fridge 1"]);
    expect(e.reset()).toEqual(first);
    expect(e.steps).toBe(0);
    expect(play(e, ["go to countertop 1", "take apple 1 from countertop 1", "go to fridge 1"])).toEqual(a);
  });

  it("returns admissible commands sorted by code point and without duplicates", () => {
    const e = kitchen();
    e.reset();
    play(e, ["go to countertop 1", "take apple 1 from countertop 1"]);
    const cmds = [...e.admissibleCommands];
    expect(cmds).toEqual([...new Set(cmds)].sort());
  });
});
