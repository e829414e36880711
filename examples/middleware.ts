/**
 * proceduralMemoryMiddleware with LangChain v1's createAgent: on every model call the middleware
 * adds the retrieved guidelines to the system message; after the run it records the trajectory
 * (tool calls, observations, thoughts) and, with commitAfterEachRun, updates the memory. No
 * network: LangChain's fakeModel plays a scripted tool call and an answer.
 *
 *   npx tsx examples/middleware.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, SystemMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { tool } from "@langchain/core/tools";
import { createAgent } from "langchain";
import { z } from "zod";
import { buildMemory, LocalHashEmbeddings, MemoryBank, ProceduralMemory, proceduralMemoryMiddleware } from "memp-langchain";

const dir = mkdtempSync(join(tmpdir(), "memp-example-"));
const embedder = new LocalHashEmbeddings();
const bank = await MemoryBank.open(dir, { embeddings: { embeddings: embedder, id: embedder.id } });
await buildMemory(
  bank,
  [{ source: "example#0", trajectory: { task: "heat some egg and put it in fridge", success: true, steps: [{ action: "heat egg 1 with microwave 1", observation: "You heat the egg 1 using the microwave 1." }, { action: "move egg 1 to fridge 1", observation: "You move the egg 1 to the fridge 1." }] } }],
  { kind: "trajectory", progress: false },
);

const envStep = tool(async ({ action }: { action: string }) => (action.startsWith("go to") ? `You arrive at ${action.slice(6)}.` : "Nothing happens."), {
  name: "env_step",
  description: "Execute one household action.",
  schema: z.object({ action: z.string() }),
});
const model = fakeModel()
  .respond(new AIMessage({ content: "First the microwave.", tool_calls: [{ id: "call-1", name: "env_step", args: { action: "go to microwave 1" } }] }))
  .respond(new AIMessage("Done: mug heated."));

const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
const agent = createAgent({
  model,
  tools: [envStep],
  systemPrompt: "You are a household agent.",
  middleware: [proceduralMemoryMiddleware(memory, { judge: ({ trajectory }) => trajectory.steps.length > 1, commitAfterEachRun: true })],
});
const out = await agent.invoke({ messages: [{ role: "user", content: "heat some mug and put it in cabinet" }] });

console.log(`answer: ${out.messages.at(-1)!.text}`);
const system = model.calls[0]!.messages[0]!;
console.log(`system message carries the guidelines: ${SystemMessage.isInstance(system) && String(system.content).includes("heat egg 1 with microwave 1")}`);
console.log(`run: shown ${out.proceduralMemory?.run?.retrieved.join(", ")}`);
console.log(`memory size after the run: ${await bank.store.size()}`);
await bank.close();
rmSync(dir, { recursive: true, force: true });
