import { describe, expect, it } from "vitest";
import { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { createAlfworldTools } from "../../environments/alfworld/tools.js";
import { parseGame } from "../../environments/alfworld/game.js";
import { kitchenData } from "./fixtures.js";

const environment = (grammarVersion: "2.1.1" | "2.1.2" = "2.1.2") => new AlfworldEnvironment(parseGame(kitchenData(), { grammarVersion }));

describe("AlfworldEnvironment (TextEnvironment)", () => {
  it("resets, exposes the task and steps asynchronously over the engine", async () => {
    const env = environment();
    expect(env.name).toBe("alfworld");
    const start = await env.reset();
    expect(env.task).toBe("put some apple in fridge");
    expect(start.info.admissibleCommands).toContain("go to fridge 1");
    const step = await env.step("go to countertop 1");
    expect(step).toMatchObject({ observation: "You arrive at countertop 1. On the countertop 1, you see a apple 1, and a mug 1.", reward: 0, done: false });
  });

  it("lists the action forms in each version's wording", () => {
    expect(environment().actionVocabulary).toContain("move {obj} to {recep}");
    expect(environment("2.1.1").actionVocabulary).toContain("put {obj} in/on {recep}");
    expect(environment("2.1.1").actionVocabulary).not.toContain("move");
  });
});

describe("createAlfworldTools", () => {
  it("offers a text tool and one tool per command form", () => {
    const tools = createAlfworldTools(environment());
    expect(tools.action.name).toBe("alfworld_action");
    expect(Object.keys(tools.commands).sort()).toEqual(["clean", "close", "cool", "examine", "go_to", "heat", "inventory", "look", "move", "open", "take", "use"]);
    expect(tools.all).toHaveLength(13);
  });

  it("drives the same game from the text tool and the command tools", async () => {
    const env = environment();
    await env.reset();
    const { action, commands } = createAlfworldTools(env);
    expect(await action.invoke("go to countertop 1")).toBe("You arrive at countertop 1. On the countertop 1, you see a apple 1, and a mug 1.");
    expect(await commands.take.invoke({ object: "apple 1", receptacle: "countertop 1" })).toBe("You pick up the apple 1 from the countertop 1.");
    expect(await commands.inventory.invoke({})).toBe("You are carrying: a apple 1.");
    expect(await commands.examine.invoke({ target: "apple 1" })).toBe("There's nothing special about apple 1.");
    expect(await commands.go_to.invoke({ receptacle: "microwave 1" })).toBe("You arrive at microwave 1. The microwave 1 is closed.");
    expect(await commands.heat.invoke({ object: "apple 1", receptacle: "microwave 1" })).toBe("You heat the apple 1 using the microwave 1.");
    expect(await commands.go_to.invoke({ receptacle: "fridge 1" })).toBe("You arrive at fridge 1. The fridge 1 is closed.");
    expect(await commands.open.invoke({ receptacle: "fridge 1" })).toBe("You open the fridge 1. The fridge 1 is open. In it, you see a bowl 1, and a egg 1.");
    expect(await commands.move.invoke({ object: "apple 1", receptacle: "fridge 1" })).toBe("You move the apple 1 to the fridge 1.");
    expect(env.won).toBe(true);
    expect(env.done).toBe(true);
  });

  it("renders the put command of the 2.1.1 grammar", async () => {
    const env = environment("2.1.1");
    await env.reset();
    const { commands } = createAlfworldTools(env);
    await commands.go_to.invoke({ receptacle: "countertop 1" });
    await commands.take.invoke({ object: "apple 1", receptacle: "countertop 1" });
    expect(await commands.move.invoke({ object: "apple 1", receptacle: "countertop 1" })).toBe("You put the apple 1 in/on the countertop 1.");
  });

  it("rejects arguments that do not fit the schema", async () => {
    const env = environment();
    await env.reset();
    const { commands } = createAlfworldTools(env);
    await expect(commands.take.invoke({ object: "apple 1" } as never)).rejects.toThrow();
    await expect(commands.go_to.invoke({ receptacle: "" })).rejects.toThrow();
    expect(env.engine.steps).toBe(0);
  });

  it("answers unknown commands as the game does", async () => {
    const env = environment();
    await env.reset();
    const { commands } = createAlfworldTools(env);
    expect(await commands.use.invoke({ object: "desklamp 1" })).toBe("Nothing happens.");
    expect(await commands.close.invoke({ receptacle: "fridge 1" })).toBe("Nothing happens.");
    expect(await commands.look.invoke({})).toBe("You are in the middle of a room. Looking quickly around you, you see nothing.");
  });
});
