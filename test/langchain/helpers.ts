import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { MemoryBank } from "../../memory/bank.js";
import { LocalHashEmbeddings } from "../../memory/embeddings/local.js";
import { makeEntry, tempDir } from "../memory/helpers.js";

export const SEEDED = [
  "heat some mug and put it in coffeemachine",
  "cool some apple and put it in fridge",
  "examine the book with the desklamp",
  "find two pillow and put them in sofa",
  "clean some plate and put it in cabinet",
];

/** A fresh memory directory holding one `script` entry per seeded task. */
export async function seededBank(tasks: string[] = SEEDED): Promise<MemoryBank> {
  const e = new LocalHashEmbeddings();
  const bank = await MemoryBank.open(tempDir("memp-lc-"), { embeddings: { embeddings: e, id: e.id } });
  await bank.add(tasks.map((t) => makeEntry(t, { script: `1. go to the place for: ${t}\n2. finish it` })));
  return bank;
}

/** A text-ReAct tool: the Action Input arrives as a string. */
export const envStep = tool(async (action: string) => (action.startsWith("go to") ? `You arrive at ${action.slice(6)}.` : "Nothing happens."), {
  name: "env_step",
  description: "Execute one text action in the environment.",
  schema: z.string(),
});

/** A tool-calling tool (createAgent): the arguments arrive as an object. */
export const envStepObject = tool(async ({ action }: { action: string }) => (action.startsWith("go to") ? `You arrive at ${action.slice(6)}.` : "Nothing happens."), {
  name: "env_step",
  description: "Execute one text action in the environment.",
  schema: z.object({ action: z.string() }),
});
