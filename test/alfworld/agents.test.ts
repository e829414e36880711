import { describe, expect, it } from "vitest";
import { AIMessage } from "@langchain/core/messages";
import { PromptTemplate } from "@langchain/core/prompts";
import { fakeModel } from "@langchain/core/testing";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { AgentExecutor, createReactAgent } from "@langchain/classic/agents";
import { createAgent } from "langchain";
import { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import { parseGame } from "../../environments/alfworld/game.js";
import { createAlfworldTools } from "../../environments/alfworld/tools.js";
import { kitchenData } from "./fixtures.js";

const SOLUTION = ["go to countertop 1", "take apple 1 from countertop 1", "go to fridge 1", "open fridge 1", "move apple 1 to fridge 1"];

async function freshEnv(): Promise<AlfworldEnvironment> {
  const env = new AlfworldEnvironment(parseGame(kitchenData()));
  await env.reset();
  return env;
}

describe("the tools inside LangChain agents", () => {
  it("let a text ReAct agent (AgentExecutor) win the game through the string tool", async () => {
    const env = await freshEnv();
    const { action } = createAlfworldTools(env);
    const llm = new FakeListChatModel({
      responses: [...SOLUTION.map((a) => `I act.\nAction: alfworld_action\nAction Input: ${a}`), "Done.\nFinal Answer: the apple is in the fridge"],
    });
    const prompt = PromptTemplate.fromTemplate(
      "Tools:\n{tools}\nUse one of [{tool_names}].\nThought/Action/Action Input/Observation, then Final Answer.\n\nQuestion: {input}\nThought:{agent_scratchpad}",
    );
    const agent = await createReactAgent({ llm, tools: [action], prompt });
    const executor = new AgentExecutor({ agent, tools: [action], returnIntermediateSteps: true, maxIterations: 10 });
    const result = await executor.invoke({ input: env.task });
    expect(result.intermediateSteps.map((s: { observation: string }) => s.observation).at(-1)).toBe("You move the apple 1 to the fridge 1.");
    expect(env.won).toBe(true);
  });

  it("let a tool-calling agent (createAgent) win the game through the command tools", async () => {
    const env = await freshEnv();
    const { commands } = createAlfworldTools(env);
    const model = fakeModel()
      .respondWithTools([{ name: "go_to", args: { receptacle: "countertop 1" } }])
      .respondWithTools([{ name: "take", args: { object: "apple 1", receptacle: "countertop 1" } }])
      .respondWithTools([{ name: "go_to", args: { receptacle: "fridge 1" } }])
      .respondWithTools([{ name: "open", args: { receptacle: "fridge 1" } }])
      .respondWithTools([{ name: "move", args: { object: "apple 1", receptacle: "fridge 1" } }])
      .respond(new AIMessage("The apple is in the fridge."));
    const agent = createAgent({ model, tools: Object.values(commands), systemPrompt: `You play ALFWorld.\n${env.actionVocabulary}` });
    const out = await agent.invoke({ messages: [{ role: "user", content: env.task }] });
    const toolTexts = out.messages.filter((m) => m.getType() === "tool").map((m) => String(m.content));
    expect(toolTexts).toEqual([
      "You arrive at countertop 1. On the countertop 1, you see a apple 1, and a mug 1.",
      "You pick up the apple 1 from the countertop 1.",
      "You arrive at fridge 1. The fridge 1 is closed.",
      "You open the fridge 1. The fridge 1 is open. In it, you see a bowl 1, and a egg 1.",
      "You move the apple 1 to the fridge 1.",
    ]);
    expect(env.won).toBe(true);
  });
});
