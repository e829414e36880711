import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { MemorySaver } from "@langchain/langgraph";
import { createAgent } from "langchain";
import { describe, expect, it, vi } from "vitest";
import { messagesToSteps, ProceduralMemory, proceduralMemoryMiddleware } from "../../memory/langchain/index.js";
import { excludeSource, formatGuidelines, retrieveMemory } from "../../memory/retrieve/index.js";
import { MemorySession } from "../../memory/session.js";
import { entryId } from "../../memory/types.js";
import { ConfigError } from "../../core/errors.js";
import { answering, makeEntry } from "../memory/helpers.js";
import { envStepObject, seededBank } from "./helpers.js";

const TASK = "heat some mug and put it in cabinet";
const SYSTEM = "You are an ALFWorld agent.";

/** One run: a thought with a tool call, then the final answer. */
function scripted(model = fakeModel(), n = 1) {
  for (let i = 0; i < n; i++) {
    model
      .respond(new AIMessage({ content: "I should go to the microwave.", tool_calls: [{ id: `call-${i}`, name: "env_step", args: { action: "go to microwave 1" } }] }))
      .respond(new AIMessage("Done: mug heated."));
  }
  return model;
}

const EXPECTED_STEPS = [
  { thought: "I should go to the microwave.", action: "env_step[go to microwave 1]", observation: "You arrive at microwave 1." },
  { action: "Finish[Done: mug heated.]", observation: "" },
];

describe("proceduralMemoryMiddleware with createAgent", () => {
  it("adds the guidelines to the system message as a flat string, on every model call", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 2 } });
    const model = scripted();
    const agent = createAgent({ model, tools: [envStepObject], systemPrompt: SYSTEM, middleware: [proceduralMemoryMiddleware(memory)] });
    const expected = await retrieveMemory(bank, "query", { task: TASK, k: 2 });

    const out = await agent.invoke({ messages: [{ role: "user", content: TASK }] });

    expect(out.messages.at(-1)!.text).toBe("Done: mug heated.");
    expect(model.callCount).toBe(2);
    for (const call of model.calls) {
      const system = call.messages[0]!;
      expect(SystemMessage.isInstance(system)).toBe(true);
      expect(system.content).toBe(`${SYSTEM}\n\n${formatGuidelines(expected)}`);
    }
    expect(out.proceduralMemory?.run?.retrieved).toEqual(expected.map((r) => r.entry.id));
    await bank.close();
  });

  it("records the trajectory from the messages (tool calls, observations, thoughts) with the retrieved ids", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const agent = createAgent({ model: scripted(), tools: [envStepObject], middleware: [proceduralMemoryMiddleware(memory, { judge: ({ trajectory }) => trajectory.steps.length === 2 })] });
    const [top] = await retrieveMemory(bank, "query", { task: TASK, k: 1 });

    await agent.invoke({ messages: [{ role: "user", content: TASK }] });

    expect(memory.pending).toEqual([{ trajectory: { task: TASK, steps: EXPECTED_STEPS, success: true }, success: true, retrieved: [top!.entry.id] }]);
    expect(await bank.store.size()).toBe(5); // nothing committed without updateEvery / commitAfterEachRun
    await bank.close();
  });

  it("with commitAfterEachRun, the next run is shown the previous run's entry and the shown entries are booked", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const onCommit = vi.fn();
    const model = scripted(fakeModel(), 2);
    const agent = createAgent({
      model,
      tools: [envStepObject],
      systemPrompt: SYSTEM,
      middleware: [proceduralMemoryMiddleware(memory, { commitAfterEachRun: true, judge: () => true, onCommit })],
    });
    const [seeded] = await retrieveMemory(bank, "query", { task: TASK, k: 1 });
    expect(seeded!.entry.task).toBe("heat some mug and put it in coffeemachine");

    await agent.invoke({ messages: [{ role: "user", content: TASK }] });

    const added = entryId("trajectory", TASK);
    expect(onCommit).toHaveBeenCalledTimes(1);
    expect(onCommit.mock.calls[0]![0]).toMatchObject({ policy: "vanilla", added: [added], stats: [{ id: seeded!.entry.id, hits: 1, successes: 1 }] });
    expect(memory.pending).toEqual([]);
    expect((await bank.store.get(added))!.trajectory).toEqual(EXPECTED_STEPS);

    const second = await agent.invoke({ messages: [{ role: "user", content: "heat some mug and put it in the cabinet" }] });

    expect(second.proceduralMemory?.run?.retrieved).toEqual([added]);
    const system = model.calls[2]!.messages[0]!.text;
    expect(system).toContain(`"task_name": "${TASK}"`);
    expect(system).toContain("env_step[go to microwave 1]");
    expect(system).not.toContain("coffeemachine");
    await bank.close();
  });

  it("with updateEvery: 2, commits on the second run only", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const agent = createAgent({ model: scripted(fakeModel(), 2), tools: [envStepObject], middleware: [proceduralMemoryMiddleware(memory, { updateEvery: 2 })] });
    await agent.invoke({ messages: [{ role: "user", content: TASK }] });
    expect(memory.pending).toHaveLength(1);
    expect(await bank.store.size()).toBe(5);
    await agent.invoke({ messages: [{ role: "user", content: "cool some mug and put it in fridge" }] });
    expect(memory.pending).toHaveLength(0);
    expect(await bank.store.has(entryId("trajectory", TASK))).toBe(true);
    expect(await bank.store.has(entryId("trajectory", "cool some mug and put it in fridge"))).toBe(true);
    await bank.close();
  });

  it("on a thread, each turn's task is that turn's first human message and its trajectory only that turn's messages", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const agent = createAgent({
      model: scripted(fakeModel(), 2),
      tools: [envStepObject],
      checkpointer: new MemorySaver(),
      middleware: [proceduralMemoryMiddleware(memory)],
    });
    const config = { configurable: { thread_id: "t1" } };
    await agent.invoke({ messages: [{ role: "user", content: TASK }] }, config);
    const out = await agent.invoke({ messages: [{ role: "user", content: "clean some plate and put it in cabinet" }] }, config);

    expect(out.messages.filter((m) => HumanMessage.isInstance(m))).toHaveLength(2);
    expect(memory.pending.map((p) => p.trajectory.task)).toEqual([TASK, "clean some plate and put it in cabinet"]);
    expect(memory.pending[1]!.trajectory.steps).toEqual(EXPECTED_STEPS);
    const [plate] = await retrieveMemory(bank, "query", { task: "clean some plate and put it in cabinet", k: 1 });
    expect(memory.pending[1]!.retrieved).toEqual([plate!.entry.id]);
    await bank.close();
  });

  it("keeps the attribution of concurrent runs of one agent apart (it lives in each run's state)", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    let n = 0;
    const model = answering((msgs) =>
      HumanMessage.isInstance(msgs.at(-1))
        ? new AIMessage({ content: "", tool_calls: [{ id: `c${n++}`, name: "env_step", args: { action: "go to microwave 1" } }] })
        : new AIMessage("Done."),
    );
    const agent = createAgent({ model, tools: [envStepObject], middleware: [proceduralMemoryMiddleware(memory)] });
    const tasks = ["cool some apple and put it in fridge", "examine the book with the desklamp", "find two pillow and put them in sofa"];
    await Promise.all(tasks.map((t) => agent.invoke({ messages: [{ role: "user", content: t }] })));
    expect(memory.pending.map((p) => [p.trajectory.task, p.retrieved]).sort()).toEqual(tasks.map((t) => [t, [entryId("script", t)]]).sort());
    for (const p of memory.pending) expect(p.trajectory.steps.map((s) => s.action)).toEqual(["env_step[go to microwave 1]", "Finish[Done.]"]);
    await bank.close();
  });

  it("without a system prompt, the system message is the guidelines alone", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank, retrieval: { k: 1 } });
    const model = fakeModel().respond(new AIMessage("nothing to do"));
    const agent = createAgent({ model, tools: [], middleware: [proceduralMemoryMiddleware(memory)] });
    await agent.invoke({ messages: [{ role: "user", content: TASK }] });
    const [top] = await retrieveMemory(bank, "query", { task: TASK, k: 1 });
    expect(model.calls[0]!.messages[0]!.content).toBe(formatGuidelines([top!]));
    expect(memory.pending[0]!.trajectory.steps).toEqual([{ action: "Finish[nothing to do]", observation: "" }]);
    await bank.close();
  });

  it("a failing commit fails the run unless onCommitError handles it; the batch is kept either way", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank });
    const failing = { commitAfterEachRun: true, update: { policy: "adjustment" as const } }; // adjustment needs a model
    const loud = createAgent({ model: scripted(), tools: [envStepObject], middleware: [proceduralMemoryMiddleware(memory, failing)] });
    await expect(loud.invoke({ messages: [{ role: "user", content: TASK }] })).rejects.toSatisfy(ConfigError.isInstance);
    expect(memory.pending).toHaveLength(1);

    const errors: unknown[] = [];
    const quiet = createAgent({
      model: scripted(),
      tools: [envStepObject],
      middleware: [proceduralMemoryMiddleware(memory, { ...failing, onCommitError: (e) => void errors.push(e) })],
    });
    const out = await quiet.invoke({ messages: [{ role: "user", content: TASK }] });
    expect(out.messages.at(-1)!.text).toBe("Done: mug heated.");
    expect(errors).toHaveLength(1);
    expect(memory.pending).toHaveLength(2);
    await bank.close();
  });

  it("takes a MemorySession directly, shared with a ProceduralMemory, and never shows a run its own source", async () => {
    const bank = await seededBank();
    const provenance = { source: "s", model: null, env: "alfworld", game: "heat/trial-7", createdAt: "", updatedAt: "" };
    await bank.add([makeEntry(TASK, { provenance })]);
    const session = new MemorySession({ bank, retrieval: { k: 1 } });
    const memory = new ProceduralMemory({ session });
    const agent = createAgent({
      model: scripted(),
      tools: [envStepObject],
      middleware: [proceduralMemoryMiddleware(session, { exclude: excludeSource("alfworld", "heat/trial-7"), judge: () => true })],
    });

    const out = await agent.invoke({ messages: [{ role: "user", content: TASK }] });

    const seeded = entryId("script", "heat some mug and put it in coffeemachine");
    expect(out.proceduralMemory?.run?.retrieved).toEqual([seeded]);
    expect(memory.pending).toEqual(session.pending);
    expect(session.pending[0]).toMatchObject({ success: true, retrieved: [seeded] });
    expect(() => new ProceduralMemory({ session, retrieval: { k: 2 } })).toThrow(ConfigError);
    expect(() => proceduralMemoryMiddleware(bank as never)).toThrow(ConfigError);
    await bank.close();
  });

  it("rejects a bad updateEvery", async () => {
    const bank = await seededBank();
    const memory = new ProceduralMemory({ bank });
    expect(() => proceduralMemoryMiddleware(memory, { updateEvery: 0 })).toThrow(ConfigError);
    expect(() => proceduralMemoryMiddleware(memory, { updateEvery: 1.5 })).toThrow(ConfigError);
    await bank.close();
  });
});

describe("messagesToSteps", () => {
  it("pairs parallel tool calls with their results by id and gives the AI text to the first call", () => {
    const steps = messagesToSteps([
      new AIMessage({
        content: "Search both.",
        tool_calls: [
          { id: "a", name: "FlightSearch", args: { from: "Seattle", to: "New York" } },
          { id: "b", name: "search", args: { query: "hotels" } },
        ],
      }),
      new ToolMessage({ content: "hotel list", tool_call_id: "b" }),
      new ToolMessage({ content: "flight list", tool_call_id: "a" }),
      new AIMessage({ content: "", tool_calls: [{ id: "c", name: "book", args: {} }] }),
      new AIMessage("Plan ready."),
    ]);
    expect(steps).toEqual([
      { thought: "Search both.", action: 'FlightSearch[{"from":"Seattle","to":"New York"}]', observation: "flight list" },
      { action: "search[hotels]", observation: "hotel list" },
      { action: "book[{}]", observation: "" }, // a call that never got its result
      { action: "Finish[Plan ready.]", observation: "" },
    ]);
  });
});
