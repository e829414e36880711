import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTrajectories } from "../../memory/input.js";
import { tempDir } from "./helpers.js";

function file(name: string, text: string): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

describe("readTrajectories", () => {
  it("reads our JSONL with sources, facts stringified, and honours --limit", () => {
    const path = file("t.jsonl", '{"task":"a","facts":{"days":3},"steps":[{"action":"x","observation":"y"}]}\n\n{"task":"b","steps":[]}\n');
    const items = readTrajectories(path);
    expect(items.map((i) => i.source)).toEqual([`${path}:1`, `${path}:3`]);
    expect(items[0]!.trajectory.facts).toEqual({ days: "3" });
    expect(readTrajectories(path, { limit: 1 })).toHaveLength(1);
  });

  it("names the file, line and field of a bad record", () => {
    const path = file("t.jsonl", '{"task":"a","steps":[]}\n{"task":"b","steps":[{"action":"x"}]}\n');
    expect(() => readTrajectories(path)).toThrow(`${path}:2 field "steps.0.observation": missing required field`);
    const empty = file("e.jsonl", '{"task":"  ","steps":[]}\n');
    expect(() => readTrajectories(empty)).toThrow(`${empty}:1 field "task": expected a non-empty task text`);
    expect(() => readTrajectories(join(tempDir(), "missing.jsonl"))).toThrow(/missing\.jsonl: no such file/);
  });

  it("reads MemP's JSON array with ETO chats in either turn shape", () => {
    const memp = [
      {
        query: "put a clean mug in coffeemachine",
        source: "alfworld",
        facts: { object: "mug" },
        reward: 1,
        trajectory: [
          { from: "human", value: "Interact with a household to solve a task..." },
          { from: "gpt", value: "OK" },
          { from: "human", value: "You are in the middle of a room. Your task is to: put a clean mug in coffeemachine." },
          { from: "gpt", value: "Thought: I need a mug.\nAction: go to countertop 1" },
          { from: "human", value: "Observation: On the countertop 1, you see a mug 1." },
          { from: "gpt", value: "Action: take mug 1 from countertop 1" },
        ],
      },
      { query: "q2", trajectory: [{ role: "assistant", content: "Action: look" }, { role: "user", content: "You see nothing." }] },
    ];
    const path = file("memp.json", JSON.stringify(memp));
    const items = readTrajectories(path);
    expect(items[0]!.trajectory).toEqual({
      task: "put a clean mug in coffeemachine",
      facts: { object: "mug" },
      reward: 1,
      success: true,
      steps: [
        { thought: "I need a mug.", action: "go to countertop 1", observation: "On the countertop 1, you see a mug 1." },
        { action: "take mug 1 from countertop 1", observation: "" },
      ],
    });
    expect(items[0]!.source).toBe(`${path}#0 (alfworld)`);
    expect(items[1]!.trajectory.steps).toEqual([{ action: "look", observation: "You see nothing." }]);
  });

  it("rejects a MemP item without a query", () => {
    const path = file("memp.json", JSON.stringify([{ trajectory: [] }]));
    expect(() => readTrajectories(path)).toThrow(`${path}: item 0: field "query": missing required field`);
  });
});
