import { describe, expect, it } from "vitest";
import { parseReactReply } from "../../chains/reply.js";

describe("parseReactReply", () => {
  it("reads a thought and an action", () => {
    expect(parseReactReply("Thought: the mug is likely in a cabinet.\nAction: go to cabinet 1")).toEqual({
      thought: "the mug is likely in a cabinet.",
      action: "go to cabinet 1",
      kept: "Thought: the mug is likely in a cabinet.\nAction: go to cabinet 1",
    });
  });

  it("has no action when the reply has no Action line, and keeps the text", () => {
    expect(parseReactReply("I am not sure what to do.")).toEqual({ thought: "I am not sure what to do.", kept: "I am not sure what to do." });
    expect(parseReactReply("Thought: hmm\nAction:   ")).toEqual({ thought: "hmm", kept: "Thought: hmm\nAction:" });
  });

  it("takes the first of several actions and cuts what follows (imagined observations)", () => {
    const r = parseReactReply("Thought: go.\nAction: go to desk 1\nObservation: You arrive at desk 1.\nAction: take pen 1 from desk 1");
    expect(r.action).toBe("go to desk 1");
    expect(r.kept).toBe("Thought: go.\nAction: go to desk 1");
  });

  it("ignores trailing text after the action line and decoration around the command", () => {
    expect(parseReactReply("Action: `open fridge 1`\nI hope this works.").action).toBe("open fridge 1");
    expect(parseReactReply('**Action:** "take apple 1 from countertop 2".').action).toBe("take apple 1 from countertop 2");
    expect(parseReactReply("Action:   heat   egg 1 with microwave 1 ").action).toBe("heat egg 1 with microwave 1");
  });

  it("finds an action in the middle of a line, numbered or lower-case, but not inside a word", () => {
    expect(parseReactReply("I will look around. Action: look").action).toBe("look");
    expect(parseReactReply("Thought 3: next\naction 3: inventory").action).toBe("inventory");
    expect(parseReactReply("A chain reaction: nothing").action).toBeUndefined();
  });
});
