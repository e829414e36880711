import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import { AIMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it } from "vitest";
import { ProceduralMemoryRetriever } from "../../memory/langchain/index.js";
import { entryGuidelines, retrieveMemory } from "../../memory/retrieve/index.js";
import { ConfigError } from "../../core/errors.js";
import { seededBank } from "./helpers.js";

const QUERY = "heat some mug and put it in cabinet";

class Recorder extends BaseCallbackHandler {
  name = "recorder";
  events: Array<{ event: string; runId: string; payload: unknown }> = [];
  parents: Array<string | undefined> = [];
  override async handleRetrieverStart(_r: unknown, query: string, runId: string, parentRunId?: string) {
    this.events.push({ event: "start", runId, payload: query });
    this.parents.push(parentRunId);
  }
  override async handleRetrieverEnd(documents: DocumentInterface[], runId: string) {
    this.events.push({ event: "end", runId, payload: documents.map((d) => d.metadata.id) });
  }
}

describe("ProceduralMemoryRetriever", () => {
  it("returns one Document per retrieved entry: guidelines as text, id/task/kind/score/stats as metadata", async () => {
    const bank = await seededBank();
    const id = (await retrieveMemory(bank, "query", { task: "cool some apple and put it in fridge", k: 1 }))[0]!.entry.id;
    await bank.store.incrementStats([{ id, hits: 3, successes: 2 }]);
    const retriever = new ProceduralMemoryRetriever({ bank, k: 3 });
    const expected = await retrieveMemory(bank, "query", { task: QUERY, k: 3 });

    const docs = await retriever.invoke(QUERY);

    expect(docs).toHaveLength(3);
    expect(docs.map((d) => d.pageContent)).toEqual(expected.map((r) => entryGuidelines(r.entry)));
    expect(docs.map((d) => d.metadata)).toEqual(
      expected.map((r) => ({ id: r.entry.id, task: r.entry.task, kind: "script", score: r.score, stats: r.entry.stats })),
    );
    expect(docs[0]!.metadata.task).toBe("heat some mug and put it in coffeemachine");
    const scores = docs.map((d) => d.metadata.score!);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const apple = await retriever.invoke("cool some apple and put it in fridge");
    expect(apple[0]!.metadata).toMatchObject({ id, stats: { hits: 3, successes: 2 } });
    await bank.close();
  });

  it("answers a .batch query by query, and honours the threshold", async () => {
    const bank = await seededBank();
    const retriever = new ProceduralMemoryRetriever({ bank, k: 1 });
    const out = await retriever.batch(["examine the book with the desklamp", "find two pillow and put them in sofa"]);
    expect(out.map((docs) => docs.map((d) => d.metadata.task))).toEqual([["examine the book with the desklamp"], ["find two pillow and put them in sofa"]]);
    const strict = new ProceduralMemoryRetriever({ bank, k: 5, threshold: 0.99 });
    expect((await strict.invoke("examine the book with the desklamp")).map((d) => d.metadata.task)).toEqual(["examine the book with the desklamp"]);
    await bank.close();
  });

  it("reports retriever start and end (query in, entry ids out) to callback handlers", async () => {
    const bank = await seededBank();
    const retriever = new ProceduralMemoryRetriever({ bank, k: 2 });
    const recorder = new Recorder();
    const docs = await retriever.invoke(QUERY, { callbacks: [recorder] });
    expect(recorder.events).toEqual([
      { event: "start", runId: recorder.events[0]!.runId, payload: QUERY },
      { event: "end", runId: recorder.events[0]!.runId, payload: docs.map((d) => d.metadata.id) },
    ]);
    expect(docs).toHaveLength(2);
    expect(recorder.parents).toEqual([undefined]);
    await bank.close();
  });

  it("works as the context step of a RAG chain: the documents reach the model's prompt", async () => {
    const bank = await seededBank();
    const retriever = new ProceduralMemoryRetriever({ bank, k: 1 });
    const model = fakeModel().respond(new AIMessage("1. go to microwave 1 ..."));
    const prompt = ChatPromptTemplate.fromMessages([
      ["system", "Known procedures:\n{context}"],
      ["human", "{question}"],
    ]);
    const recorder = new Recorder();
    const chain = RunnableSequence.from([
      {
        context: retriever.pipe((docs: DocumentInterface[]) => docs.map((d) => `${d.metadata.task}:\n${d.pageContent}`).join("\n\n")),
        question: new RunnablePassthrough(),
      },
      prompt,
      model,
      new StringOutputParser(),
    ]);
    expect(await chain.invoke(QUERY, { callbacks: [recorder] })).toBe("1. go to microwave 1 ...");
    const [top] = await retrieveMemory(bank, "query", { task: QUERY, k: 1 });
    expect(model.calls[0]!.messages[0]!.text).toBe(`Known procedures:\n${top!.entry.task}:\n${entryGuidelines(top!.entry)}`);
    expect(recorder.events.map((e) => e.event)).toEqual(["start", "end"]);
    expect(recorder.parents[0]).toEqual(expect.any(String)); // traced as a child of the chain's run
    await bank.close();
  });

  it("rejects bad settings when built", async () => {
    const bank = await seededBank();
    expect(() => new ProceduralMemoryRetriever({ bank, k: -1 })).toThrow(ConfigError);
    expect(() => new ProceduralMemoryRetriever({ bank, policy: "ave_fact" })).toThrow(/needs a model/);
    expect(() => new ProceduralMemoryRetriever({ bank, policy: "bm25" as never })).toThrow(/unknown retrieval policy/);
    expect(new ProceduralMemoryRetriever({ bank }).lc_namespace).toEqual(["memp", "retrievers"]);
    await bank.close();
  });
});
