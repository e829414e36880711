import { describe, expect, it } from "vitest";
import { readFactsProse, readProcedureProse, readStepNumbersProse } from "../../memory/build/prose.js";
import { looksLikeJsonAttempt } from "../../core/util/model-json.js";

describe("readProcedureProse", () => {
  it("reads numbered steps, sends items under a pitfalls heading to the pitfalls, keeps the preamble", () => {
    const read = readProcedureProse(
      [
        "The agent looked everywhere but the countertop.",
        "",
        "Steps:",
        "1. Go to the countertop.",
        "2) Take the **mug** from it,",
        "   then go to the sink.",
        "Step 3: Clean the mug.",
        "",
        "Pitfalls:",
        "- Avoid: opening every cabinet",
        "* looking twice in the same place",
      ].join("\n"),
    );
    expect(read).toEqual({
      procedure: ["Go to the countertop.", "Take the mug from it, then go to the sink.", "Clean the mug."],
      pitfalls: ["opening every cabinet", "looking twice in the same place"],
      preamble: "The agent looked everywhere but the countertop.",
    });
  });

  it("reads bulleted lines inside a code fence", () => {
    expect(readProcedureProse("```\n- find the egg\n- heat it in the microwave\n```")?.procedure).toEqual(["find the egg", "heat it in the microwave"]);
  });

  it("reads paragraphs, or the sentences of one paragraph, when they read as a sequence", () => {
    expect(readProcedureProse("First go to the fridge and take the egg.\n\nThen heat it in the microwave.")?.procedure).toEqual([
      "First go to the fridge and take the egg.",
      "Then heat it in the microwave.",
    ]);
    expect(readProcedureProse("First find the egg in the fridge. Then heat it with the microwave. Finally put it in the garbagecan.")?.procedure).toHaveLength(3);
  });

  it("does not take a refusal, chatter, a single step or broken JSON for a procedure", () => {
    expect(readProcedureProse("I cannot do that.")).toBeUndefined();
    expect(readProcedureProse("I'm sorry, but I can't help with that.\n\n1. a\n2. b")).toBeUndefined();
    expect(readProcedureProse("Nice run.\n\nWhat else should I look at?")).toBeUndefined();
    expect(readProcedureProse("1. Go to the countertop.")).toBeUndefined();
    expect(readProcedureProse('{"procedure": ["go to the countertop", "take the')).toBeUndefined();
    expect(readProcedureProse('```json\n{"steps": ["a", "b"]}\n```')).toBeUndefined();
  });

  it("tells a JSON attempt from prose with bracketed actions", () => {
    expect(looksLikeJsonAttempt('Sure: {"procedure": [')).toBe(true);
    expect(looksLikeJsonAttempt("[1, 2")).toBe(true);
    expect(looksLikeJsonAttempt("1. FlightSearch[A, B, 2022-03-01]\n2. Planner[plan]")).toBe(false);
    expect(readProcedureProse("1. FlightSearch[Origin, Destination, Date]\n2. Planner[the plan]")?.procedure).toEqual(["FlightSearch[Origin, Destination, Date]", "Planner[the plan]"]);
  });
});

describe("readStepNumbersProse", () => {
  it("reads the step numbers a prose selection names, and nothing it merely counts", () => {
    expect(readStepNumbersProse("The critical steps are steps 2, 3 and 5.")).toEqual([2, 3, 5]);
    expect(readStepNumbersProse("Step 4 matters, and so do steps 6 to 8. It took 3 tries.")).toEqual([4, 6, 7, 8]);
    expect(readStepNumbersProse("2, 3, 5")).toEqual([2, 3, 5]);
    expect(readStepNumbersProse("The agent used 3 objects.")).toBeUndefined();
    expect(readStepNumbersProse('{"critical": [2, ')).toBeUndefined();
  });
});

describe("readFactsProse", () => {
  it("reads key: value lines as facts with snake_case keys", () => {
    expect(readFactsProse("Here are the facts:\n- Object: mug\n- target place: coffeemachine\n2. days = 3")).toEqual({ object: "mug", target_place: "coffeemachine", days: "3" });
    expect(readFactsProse("Note: this is a long sentence that goes on and on and on")).toBeUndefined();
    expect(readFactsProse("The task is about a mug and a coffee machine, as far as I can tell: nothing more")).toBeUndefined();
    expect(readFactsProse("I found no facts.")).toBeUndefined();
  });
});
