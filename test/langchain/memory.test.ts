import { AgentExecutor, createReactAgent } from "@langchain/classic/agents";
import { AIMessage } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import { PromptTemplate } from "@langchain/core/prompts";
import { RunnableLambda, RunnablePassthrough } from "@langchain/core/runnables";
import { fakeModel } from "@langchain/core/testing";
import { describe, expect, it } from "vitest";
import { ProceduralMemory } from "../../memory/langchain/index.js";
import { formatGuidelines, GUIDELINES_HEADER, retrieveMemory } from "../../memory/retrieve/index.js";
import { entryId } from "../../memory/types.js";
import { ConfigError, InputError } from "../../core/errors.js";
import { makeEntry } from "../memory/helpers.js";
import { envStep, seededBank } from "./helpers.js";

const REACT_PROMPT = PromptTemplate.fromTemplate(`Solve the household task.

{procedural_memory}

You have access to the following tools:
{tools}

Use this format:
Thought: what to do next
Action: the action to take, one of [{tool_names}]
Action Input: the input to the action
Observation: the result
... (repeat)
Final Answer: the outcome

Question: {input}
Thought:{agent_scratchpad}`);

const TASK = "heat some mug and put it in cabinet";

function reactModel() {
  return fakeModel()
    .respond(new AIMessage("I should go to the microwave.\nAction: env_step\nAction Input: go to microwave 1"))
    .respond(new AIMessage("The mug is in reach.\nFinal Answer: heated the mug"));
}

async function executorWith(memory: ProceduralMemory, model = reactModel()) {
  const agent = await createReactAgent({ llm: model, tools: [envStep], prompt: REACT_PROMPT });
  return { model, executor: new AgentExecutor({ agent, tools: [envStep], memory, returnIntermediateSteps: true, maxIterations: 5 }) };
}

describe("ProceduralMemory inside AgentExecutor (text ReAct)", () => {
  it("puts the retrieved guidelines in the prompt and records the run with what it was shown", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 2 } });
    const { model, executor } = await executorWith(memory);
    const expected = await retrieveMemory(bank, "query", { task: TASK, k: 2 });
    expect(expected[0]!.entry.task).toBe("heat some mug and put it in coffeemachine");

    const out = await executor.invoke({ input: TASK });

    expect(out.output).toBe("heated the mug");
    const firstPrompt = model.calls[0]!.messages.map((m) => m.text).join("\n");
    expect(firstPrompt).toContain(formatGuidelines(expected));
    expect(firstPrompt).toContain(`Question: ${TASK}`);
    expect(memory.pending).toEqual([
      {
        trajectory: {
          task: TASK,
          steps: [
            { thought: "I should go to the microwave.", action: "env_step[go to microwave 1]", observation: "You arrive at microwave 1." },
            { action: "Finish[heated the mug]", observation: "" },
          ],
        },
        success: undefined,
        retrieved: expected.map((r) => r.entry.id),
      },
    ]);
    await bank.close();
  });

  it("takes success from the inputs, and a vanilla commit makes the episode retrievable with its stats booked", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const { executor } = await executorWith(memory);
    await executor.invoke({ input: TASK, success: true });
    const shown = memory.pending[0]!.retrieved;
    expect(memory.pending[0]!.success).toBe(true);
    expect(memory.pending[0]!.trajectory.success).toBe(true);

    const report = await memory.commit("vanilla");

    const added = entryId("trajectory", TASK);
    expect(report.added).toEqual([added]);
    expect(report.stats).toEqual([{ id: shown[0]!, hits: 1, successes: 1 }]);
    expect(memory.pending).toEqual([]);
    expect((await bank.store.get(added))!.trajectory).toEqual([
      { thought: "I should go to the microwave.", action: "env_step[go to microwave 1]", observation: "You arrive at microwave 1." },
      { action: "Finish[heated the mug]", observation: "" },
    ]);
    // The next, similar task is now shown the episode rather than the seeded entry.
    const next = await memory.loadMemoryVariables({ input: "heat some mug and put it in the cabinet" });
    expect(next.procedural_memory).toContain(`"task_name": "${TASK}"`);
    expect(next.procedural_memory).toContain("env_step[go to microwave 1]");
    expect(next.procedural_memory).not.toContain("coffeemachine");
    await bank.close();
  });

  it("asks the judge when no success key is given, and drops the 'Agent stopped' non-answer", async () => {
    const bank = await seededBank();
    const seen: unknown[] = [];
    const memory = new ProceduralMemory({
      bank,
      judge: ({ trajectory }) => {
        seen.push(trajectory.steps.map((s) => s.action));
        return trajectory.steps.some((s) => s.observation.includes("microwave"));
      },
    });
    const model = fakeModel();
    for (let i = 0; i < 3; i++) model.respond(new AIMessage(`Try ${i}.\nAction: env_step\nAction Input: go to microwave ${i}`));
    const agent = await createReactAgent({ llm: model, tools: [envStep], prompt: REACT_PROMPT });
    const executor = new AgentExecutor({ agent, tools: [envStep], memory, returnIntermediateSteps: true, maxIterations: 2 });
    const out = await executor.invoke({ input: TASK });
    expect(out.output).toBe("Agent stopped due to max iterations.");
    expect(seen).toEqual([["env_step[go to microwave 0]", "env_step[go to microwave 1]"]]);
    expect(memory.pending[0]!.success).toBe(true);
    await bank.close();
  });
});

describe("ProceduralMemory in an LCEL chain (RunnablePassthrough.assign)", () => {
  it("attributes each task of a .batch to what that task was shown", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const model = fakeModel();
    for (let i = 0; i < 2; i++) model.respond((msgs) => new AIMessage(`done: ${/Task: (.*)/.exec(msgs.at(-1)!.text)![1]}`));
    const prompt = PromptTemplate.fromTemplate("{procedural_memory}\n\nTask: {input}");
    const chain = RunnablePassthrough.assign({
      procedural_memory: async (i: { input: string }) => (await memory.loadMemoryVariables(i))[memory.memoryKey] as string,
    })
      .assign({ output: prompt.pipe(model).pipe(new StringOutputParser()) })
      .pipe(
        RunnableLambda.from(async (v: { input: string; output: string }) => {
          await memory.saveContext({ input: v.input }, { output: v.output, success: v.input.includes("apple") });
          return v.output;
        }),
      );
    const tasks = ["cool some apple and put it in the fridge", "examine the book under the desklamp"];

    const outs = await chain.batch(tasks.map((input) => ({ input })));

    expect(outs).toEqual(tasks.map((t) => `done: ${t}`));
    for (const task of tasks) {
      const [hit] = await retrieveMemory(bank, "query", { task, k: 1 });
      const call = model.calls.find((c) => c.messages.at(-1)!.text.endsWith(`Task: ${task}`))!;
      expect(call.messages.at(-1)!.text).toContain(formatGuidelines([hit!]));
      const finished = memory.pending.find((p) => p.trajectory.task === task)!;
      expect(finished.retrieved).toEqual([hit!.entry.id]);
      expect(finished.trajectory.steps).toEqual([{ action: `Finish[done: ${task}]`, observation: "" }]);
    }
    expect(memory.pending.map((p) => [p.trajectory.task, p.success]).sort()).toEqual([
      ["cool some apple and put it in the fridge", true],
      ["examine the book under the desklamp", false],
    ]);
    const report = await memory.commit("validation");
    expect(report.added).toEqual([entryId("trajectory", tasks[0]!)]);
    await bank.close();
  });
});

describe("ProceduralMemory contract", () => {
  it("uses the configured memory key and returns an empty string when nothing is retrieved", async () => {
    const bank = await seededBank([]);
    const memory = new ProceduralMemory({ bank, memoryKey: "know_how" });
    expect(memory.memoryKeys).toEqual(["know_how"]);
    expect(await memory.loadMemoryVariables({ input: TASK })).toEqual({ know_how: "" });
    await bank.close();
  });

  it("reads [action, observation] tuples too, and takes the task from inputKey", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, inputKey: "question", retrieval: { k: 1 } });
    const vars = await memory.loadMemoryVariables({ question: TASK, other: 1 });
    expect(vars.procedural_memory).toContain(GUIDELINES_HEADER);
    await memory.saveContext(
      { question: TASK, other: 1 },
      { output: "ok", intermediateSteps: [[{ tool: "search", toolInput: { query: "mug" }, log: "Thought: look it up\nAction: search" }, { n: 3 }]] },
    );
    expect(memory.pending[0]!.trajectory.steps).toEqual([
      { thought: "look it up", action: "search[mug]", observation: '{"n":3}' },
      { action: "Finish[ok]", observation: "" },
    ]);
    expect(memory.pending[0]!.retrieved).toHaveLength(1);
    // A save without a load is recorded with nothing retrieved.
    await memory.saveContext({ question: TASK }, { output: "again" });
    expect(memory.pending[1]!.retrieved).toEqual([]);
    await bank.close();
  });

  it("pairs overlapping runs of the same task first-in, first-out", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const before = await memory.loadMemoryVariables({ input: TASK });
    await bank.add([makeEntry(TASK, { script: "1. the exact procedure" })]);
    const after = await memory.loadMemoryVariables({ input: TASK });
    expect(before.procedural_memory).not.toEqual(after.procedural_memory);
    await memory.saveContext({ input: TASK }, { output: "first" });
    await memory.saveContext({ input: TASK }, { output: "second" });
    expect(memory.pending.map((p) => p.retrieved)).toEqual([
      [entryId("script", "heat some mug and put it in coffeemachine")],
      [entryId("script", TASK)],
    ]);
    await bank.close();
  });

  it("rejects what it cannot read, naming the key", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank });
    await expect(memory.loadMemoryVariables({ question: "a", context: "b" })).rejects.toSatisfy(ConfigError.isInstance);
    await expect(memory.loadMemoryVariables({ input: "  " })).rejects.toSatisfy(InputError.isInstance);
    await expect(memory.saveContext({ input: TASK }, { output: "x", success: "yes" })).rejects.toThrow(/success.*boolean/);
    await expect(memory.saveContext({ input: TASK }, { output: "x", intermediateSteps: [{ observation: "o" }] })).rejects.toSatisfy(InputError.isInstance);
    expect(() => new ProceduralMemory({ bank, retrieval: { k: 0 } })).toThrow(ConfigError);
    expect(() => new ProceduralMemory({ bank, retrieval: { policy: "facts" } })).toThrow(/needs a model/);
    expect(() => new ProceduralMemory({ bank, update: { policy: "nope" as never } })).toThrow(ConfigError);
    expect(memory.pending).toEqual([]);
    await bank.close();
  });

  it("keeps the batch when a commit fails, and keeps tasks recorded during a commit for the next one", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank });
    await memory.saveContext({ input: TASK }, { output: "a", success: false });
    await expect(memory.commit("adjustment")).rejects.toSatisfy(ConfigError.isInstance); // adjustment needs a model
    expect(memory.pending.map((p) => p.trajectory.task)).toEqual([TASK]);

    const committing = memory.commit({ policy: "vanilla" });
    await memory.saveContext({ input: "cool some apple" }, { output: "b" });
    const report = await committing;
    expect(report.added).toEqual([entryId("trajectory", TASK)]);
    expect(memory.pending.map((p) => p.trajectory.task)).toEqual(["cool some apple"]);
    await bank.close();
  });
});
