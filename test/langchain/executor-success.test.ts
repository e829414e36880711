import { AgentExecutor, createReactAgent } from "@langchain/classic/agents";
import { PromptTemplate } from "@langchain/core/prompts";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ProceduralMemory } from "../../memory/langchain/index.js";
import { entryId } from "../../memory/types.js";
import { seededBank } from "./helpers.js";

const PROMPT = PromptTemplate.fromTemplate(`Interact with a household to solve a task.

{procedural_memory}

Tools: {tools}
Action: one of [{tool_names}]

Question: {input}
Thought:{agent_scratchpad}`);

const TASK = "put a mug in cabinet";

/** A two-room ALFWorld stand-in: the game is won when the mug goes into the cabinet. */
function tinyHousehold() {
  const env = { won: false, holding: false };
  const step = tool(
    async (action: string) => {
      if (action === "take mug 1 from countertop 1") return (env.holding = true), "You pick up the mug 1 from the countertop 1.";
      if (action === "move mug 1 to cabinet 1" && env.holding) return (env.won = true), "You move the mug 1 to the cabinet 1. You won!";
      return "Nothing happens.";
    },
    { name: "env_step", description: "Execute one ALFWorld action.", schema: z.string() },
  );
  return { env, step };
}

function player() {
  return new FakeListChatModel({
    responses: [
      "The mug should be on the countertop.\nAction: env_step\nAction Input: take mug 1 from countertop 1",
      "Now into the cabinet.\nAction: env_step\nAction Input: move mug 1 to cabinet 1",
      "The game says I won.\nFinal Answer: the mug is in the cabinet",
    ],
  });
}

describe("ProceduralMemory in an AgentExecutor: success read when the episode is saved", () => {
  it("records a won game as a success from a lazy `success: () => env.won`, and the commit books it", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const { env, step } = tinyHousehold();
    const agent = await createReactAgent({ llm: player(), tools: [step], prompt: PROMPT });
    const executor = new AgentExecutor({ agent, tools: [step], memory, returnIntermediateSteps: true, maxIterations: 5 });

    const out = await executor.invoke({ input: TASK, success: () => env.won });

    expect(out.output).toBe("the mug is in the cabinet");
    expect(env.won).toBe(true);
    const [finished] = memory.pending;
    expect(finished!.success).toBe(true);
    expect(finished!.trajectory.success).toBe(true);
    expect(finished!.trajectory.steps.map((s) => s.observation)).toContain("You move the mug 1 to the cabinet 1. You won!");
    const shown = finished!.retrieved;
    expect(shown).toHaveLength(1);

    const report = await memory.commit("validation");
    expect(report.stats).toEqual([{ id: shown[0]!, hits: 1, successes: 1 }]);
    expect(report.added).toEqual([entryId("trajectory", TASK)]);
    await bank.close();
  });

  it("awaits an async verdict; an unknown one (undefined) falls through to the judge", async () => {
    const bank = await seededBank();
    const judged: string[] = [];
    const memory = new ProceduralMemory({ bank, judge: ({ trajectory }) => (judged.push(trajectory.task), false) });
    const { env, step } = tinyHousehold();
    const lazy = async () => env.won;
    const model = new FakeListChatModel({ responses: ["I give up.\nFinal Answer: no idea", "Still nothing.\nFinal Answer: no idea"] });
    const agent = await createReactAgent({ llm: model, tools: [step], prompt: PROMPT });
    const executor = new AgentExecutor({ agent, tools: [step], memory, returnIntermediateSteps: true });

    await executor.invoke({ input: TASK, success: lazy });
    await executor.invoke({ input: TASK, success: () => undefined });

    expect(memory.pending.map((p) => p.success)).toEqual([false, false]);
    expect(judged).toEqual([TASK]);
    await bank.close();
  });
});
