/**
 * ProceduralMemoryRetriever as the context step of an LCEL chain: the memory's entries for the
 * task come back as Documents (guidelines as text; id, task, kind and score as metadata) and fill
 * the prompt. The memory is built from the ALFWorld expert's runs on a few train games when
 * ALFWORLD_DATA is there, else from two hand-written runs. No network: a fake chat model answers.
 *
 *   npx tsx examples/retriever.ts
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { fakeModel } from "@langchain/core/testing";
import { alfworldDataDir, buildMemory, LocalHashEmbeddings, MemoryBank, ProceduralMemoryRetriever, type SourcedTrajectory } from "memp-langchain";
import { expertTrajectories, listGames } from "memp-langchain/alfworld";

const dir = mkdtempSync(join(tmpdir(), "memp-example-"));
const embedder = new LocalHashEmbeddings();
const bank = await MemoryBank.open(dir, { embeddings: { embeddings: embedder, id: embedder.id } });

let items: SourcedTrajectory[];
if (existsSync(join(alfworldDataDir(), "json_2.1.1"))) {
  const games = listGames("train").filter((_, i) => i % 20 === 0);
  items = (await expertTrajectories(games)).map((run, i) => ({ trajectory: run.trajectory, source: `expert#${i}` }));
} else {
  const step = (action: string, observation: string) => ({ action, observation });
  items = [
    { source: "hand#0", trajectory: { task: "heat some mug and put it in cabinet", success: true, steps: [step("take mug 1 from countertop 1", "You pick up the mug 1."), step("heat mug 1 with microwave 1", "You heat the mug 1."), step("move mug 1 to cabinet 1", "You move the mug 1.")] } },
    { source: "hand#1", trajectory: { task: "examine the book with the desklamp", success: true, steps: [step("take book 1 from desk 1", "You pick up the book 1."), step("use desklamp 1", "You turn on the desklamp 1.")] } },
  ];
}
const built = await buildMemory(bank, items, { kind: "trajectory", progress: false });
console.log(`memory: ${built.built} entries`);

const retriever = new ProceduralMemoryRetriever({ bank, k: 2 });
const prompt = ChatPromptTemplate.fromMessages([
  ["system", "You are a household agent. Past experience:\n{context}"],
  ["human", "{task}"],
]);
const model = fakeModel().respond(new AIMessage("1. take the mug 2. heat it in the microwave 3. put it in the cabinet"));
const chain = RunnableSequence.from([
  { context: retriever.pipe((docs) => docs.map((d) => d.pageContent).join("\n\n")), task: new RunnablePassthrough() },
  prompt,
  model,
  new StringOutputParser(),
]);

const task = "heat some cup and put it in cabinet";
for (const doc of await retriever.invoke(task)) console.log(`retrieved: ${doc.metadata.id} (${doc.metadata.task}, score ${Number(doc.metadata.score).toFixed(3)})`);
console.log(`answer: ${await chain.invoke(task)}`);
const [call] = model.calls;
console.log(`the prompt held the guidelines: ${String(call!.messages[0]!.content).includes("Past experience:\n") && String(call!.messages[0]!.content).length > 40}`);
await bank.close();
rmSync(dir, { recursive: true, force: true });
