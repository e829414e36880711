import { describe, expect, it } from "vitest";
import { commandShape, taskSubstitutions } from "../../chains/alfworld/replay.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";
import { tempDir } from "../memory/helpers.js";

describe("the replay agent's rebinding", () => {
  it("abstracts instance numbers away from commands", () => {
    expect(commandShape("take mug 2 from countertop 1")).toBe("take mug from countertop");
    expect(commandShape("move apple 1 to fridge 1")).toBe("move apple to fridge");
    expect(commandShape("look")).toBe("look");
  });

  it("maps the words where two task sentences of one template differ, and nothing across templates", () => {
    expect([...taskSubstitutions("put a clean mug in coffeemachine", "put a clean cup in cabinet")]).toEqual([
      ["mug", "cup"],
      ["coffeemachine", "cabinet"],
    ]);
    expect(taskSubstitutions("put some apple on dinningtable", "put a hot apple in fridge").size).toBe(0);
  });
});

const data = dataDir("ALFWORLD_DATA");

describe.skipIf(!data)("memp offline --agent replay (no model, no network)", () => {
  it("plays the dev games, and an offline memory of expert runs makes it win more than none", async () => {
    const results = tempDir("memp-replay-");
    const common = ["offline", "--env", "alfworld", "--agent", "replay", "--split", "dev", "--limit", "24", "--batch_size", "8", "--results-dir", results, "--json"];
    const env = { ALFWORLD_DATA: data!, OPENAI_BASE_URL: "", OPENAI_API_KEY: "" };
    const none = await runCli(common, env);
    expect(none.code, none.stderr).toBe(0);
    const withMemory = await runCli([...common, "--use_memory", "--memory-size", "200"], env);
    expect(withMemory.code, withMemory.stderr).toBe(0);
    const rate = (out: string) => JSON.parse(out.slice(out.indexOf("{"))).success.rate as number;
    expect(rate(withMemory.stdout)).toBeGreaterThan(rate(none.stdout) + 0.2);
  });

  it("refuses settings that need a model", async () => {
    const r = await runCli(["online", "--env", "alfworld", "--agent", "replay", "--update", "adjustment", "--limit", "2"], { ALFWORLD_DATA: data! });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--update adjustment needs a chat model \(--model NAME\)/);
  });
});
