import { type DynamicTool, type StructuredToolInterface, tool } from "@langchain/core/tools";
import { z } from "zod";
import type { AlfworldEnvironment } from "./environment.js";

/**
 * What the tools drive: an `AlfworldEnvironment`, or anything that steps one (an episode runner
 * that records each step).
 */
export type AlfworldToolTarget = Pick<AlfworldEnvironment, "actionVocabulary"> & {
  readonly game: Pick<AlfworldEnvironment["game"], "grammarVersion">;
  step(command: string): Promise<{ observation: string }>;
};

export interface AlfworldTools {
  /** One tool taking the command as a string (for text ReAct agents). */
  readonly action: DynamicTool<string>;
  /** One tool per command form (for tool-calling agents), by tool name. */
  readonly commands: Readonly<Record<CommandToolName, StructuredToolInterface>>;
  /** `action` followed by the command tools. */
  readonly all: readonly StructuredToolInterface[];
}

export type CommandToolName = "go_to" | "take" | "move" | "open" | "close" | "use" | "clean" | "heat" | "cool" | "examine" | "look" | "inventory";

const receptacle = z.string().min(1).describe('a receptacle as the game names it, e.g. "cabinet 1"');
const object = z.string().min(1).describe('an object as the game names it, e.g. "apple 2"');

/**
 * LangChain tools over an ALFWorld environment. Every tool renders the game command and calls
 * the same `env.step`, so both styles of agent play the same game. The environment must be reset
 * before the first call. A tool returns the observation text exactly as the game gives it; after
 * the episode ends it keeps returning the last one (the engine's own behaviour), and
 * `env.won` / `env.done` tell the caller why.
 */
export function createAlfworldTools(env: AlfworldToolTarget): AlfworldTools {
  const run = async (command: string) => (await env.step(command)).observation;
  const put = (o: string, r: string) => (env.game.grammarVersion === "2.1.1" ? `put ${o} in/on ${r}` : `move ${o} to ${r}`);
  const action: DynamicTool<string> = tool(async (command: string) => run(command), {
    name: "alfworld_action",
    description: `Execute one text command in the ALFWorld household and return what happens. Commands:\n${env.actionVocabulary}`,
    schema: z.string().describe("the command, e.g. go to cabinet 1"),
  });
  const commands: Record<CommandToolName, StructuredToolInterface> = {
    go_to: tool(async ({ receptacle: r }) => run(`go to ${r}`), {
      name: "go_to",
      description: "Go to a receptacle and see what is on or in it.",
      schema: z.object({ receptacle }),
    }),
    take: tool(async ({ object: o, receptacle: r }) => run(`take ${o} from ${r}`), {
      name: "take",
      description: "Take an object from a receptacle at your location (hands must be empty).",
      schema: z.object({ object, receptacle }),
    }),
    move: tool(async ({ object: o, receptacle: r }) => run(put(o, r)), {
      name: "move",
      description: "Put the object you hold in or on a receptacle at your location.",
      schema: z.object({ object, receptacle }),
    }),
    open: tool(async ({ receptacle: r }) => run(`open ${r}`), {
      name: "open",
      description: "Open a closed receptacle at your location.",
      schema: z.object({ receptacle }),
    }),
    close: tool(async ({ receptacle: r }) => run(`close ${r}`), {
      name: "close",
      description: "Close an open receptacle at your location.",
      schema: z.object({ receptacle }),
    }),
    use: tool(async ({ object: o }) => run(`use ${o}`), {
      name: "use",
      description: "Use (switch on) an object at your location, such as a desk lamp.",
      schema: z.object({ object }),
    }),
    clean: tool(async ({ object: o, receptacle: r }) => run(`clean ${o} with ${r}`), {
      name: "clean",
      description: "Clean the object you hold with a sink basin at your location.",
      schema: z.object({ object, receptacle }),
    }),
    heat: tool(async ({ object: o, receptacle: r }) => run(`heat ${o} with ${r}`), {
      name: "heat",
      description: "Heat the object you hold with a microwave at your location.",
      schema: z.object({ object, receptacle }),
    }),
    cool: tool(async ({ object: o, receptacle: r }) => run(`cool ${o} with ${r}`), {
      name: "cool",
      description: "Cool the object you hold with a fridge at your location.",
      schema: z.object({ object, receptacle }),
    }),
    examine: tool(async ({ target }) => run(`examine ${target}`), {
      name: "examine",
      description: "Examine a receptacle at your location or the object you hold.",
      schema: z.object({ target: z.string().min(1).describe('a receptacle or the held object, e.g. "drawer 2"') }),
    }),
    look: tool(async () => run("look"), {
      name: "look",
      description: "Look around your current location.",
      schema: z.object({}),
    }),
    inventory: tool(async () => run("inventory"), {
      name: "inventory",
      description: "Check what you are carrying.",
      schema: z.object({}),
    }),
  };
  return { action, commands, all: [action, ...Object.values(commands)] };
}
