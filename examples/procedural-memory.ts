/**
 * ProceduralMemory as the `memory` of a classic LangChain AgentExecutor: the memory retrieves
 * know-how for the task into the prompt ({procedural_memory}), records the run as a trajectory,
 * and `commit` updates the memory with it (the executor must return its intermediate steps). No network: a scripted FakeListChatModel plays.
 *
 *   npx tsx examples/procedural-memory.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentExecutor, createReactAgent } from "@langchain/classic/agents";
import { PromptTemplate } from "@langchain/core/prompts";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { z } from "zod";
import { buildMemory, LocalHashEmbeddings, MemoryBank, ProceduralMemory } from "memp-langchain";

const dir = mkdtempSync(join(tmpdir(), "memp-example-"));
const embedder = new LocalHashEmbeddings();
const bank = await MemoryBank.open(dir, { embeddings: { embeddings: embedder, id: embedder.id } });

// A memory of one past run (a trajectory entry; no model needed to build it).
await buildMemory(
  bank,
  [
    {
      source: "example#0",
      trajectory: {
        task: "put a cup in cabinet",
        success: true,
        steps: [
          { thought: "Cups are on the countertop.", action: "take cup 1 from countertop 1", observation: "You pick up the cup 1 from the countertop 1." },
          { action: "move cup 1 to cabinet 1", observation: "You move the cup 1 to the cabinet 1." },
        ],
      },
    },
  ],
  { kind: "trajectory", progress: false },
);

// A two-action household: won when the mug goes into the cabinet.
const house = { holding: false, won: false };
const envStep = tool(
  async (action: string) => {
    if (action === "take mug 1 from countertop 1") return (house.holding = true), "You pick up the mug 1 from the countertop 1.";
    if (action === "move mug 1 to cabinet 1" && house.holding) return (house.won = true), "You move the mug 1 to the cabinet 1. You won!";
    return "Nothing happens.";
  },
  { name: "env_step", description: "Execute one household action.", schema: z.string() },
);

const prompt = PromptTemplate.fromTemplate(`Interact with a household to solve a task.

{procedural_memory}

Tools: {tools}
Action: one of [{tool_names}]

Question: {input}
Thought:{agent_scratchpad}`);
const llm = new FakeListChatModel({
  responses: [
    "Like the cup, the mug is on the countertop.\nAction: env_step\nAction Input: take mug 1 from countertop 1",
    "Now into the cabinet.\nAction: env_step\nAction Input: move mug 1 to cabinet 1",
    "I won.\nFinal Answer: the mug is in the cabinet",
  ],
});

const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
const agent = await createReactAgent({ llm, tools: [envStep], prompt });
const executor = new AgentExecutor({ agent, tools: [envStep], memory, returnIntermediateSteps: true, maxIterations: 5 });
const out = await executor.invoke({ input: "put a mug in cabinet", success: () => house.won });
console.log(`answer: ${out.output}`);

const [run] = memory.pending;
console.log(`recorded: ${run!.trajectory.steps.map((s) => s.action).join(" -> ")}; success ${run!.success}; shown ${run!.retrieved.join(", ")}`);
const report = await memory.commit("validation");
console.log(`committed: ${report.added.length} entry added, stats ${JSON.stringify(report.stats)}`);
console.log(`memory size: ${await bank.store.size()}`);
await bank.close();
rmSync(dir, { recursive: true, force: true });
