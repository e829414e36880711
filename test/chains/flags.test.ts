import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { costOf, loadPrices, priceOf } from "../../chains/prices.js";
import { kebabFlags } from "../../src/cli/experiment.js";
import { buildProgram } from "../../src/cli/main.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../memory/helpers.js";

describe("MemP's snake_case flags", () => {
  it("become kebab-case, with or without =, and values are left alone", () => {
    expect(kebabFlags(["--batch_size", "4", "--max_steps=20", "--exp_name", "my_exp", "--few_shot", "--use_memory", "--top-k", "3", "--results_dir", "a_b"])).toEqual([
      "--batch-size", "4", "--max-steps=20", "--exp-name", "my_exp", "--few-shot", "--use-memory", "--top-k", "3", "--results-dir", "a_b",
    ]);
  });

  it("every runner flag of the issue is known to offline and online", () => {
    const program = buildProgram();
    const flags = (name: string) => program.commands.find((c) => c.name() === name)!.options.map((o) => o.long);
    const both = ["--env", "--model", "--split", "--batch-size", "--max-steps", "--exp-name", "--few-shot", "--use-memory", "--memory-dir", "--build", "--retrieve", "--top-k", "--memory-size", "--limit", "--seed", "--results-dir", "--agent", "--grammar", "--rpm", "--overwrite"];
    for (const f of both) {
      expect(flags("offline")).toContain(f);
      expect(flags("online")).toContain(f);
    }
    expect(flags("online")).toEqual(expect.arrayContaining(["--update", "--max-entries"]));
  });
});

describe("runner flag errors (exit 2, one line)", () => {
  it.each([
    [["offline", "--env", "webshop", "--model", "m"], /--env must be one of alfworld, travelplanner; got "webshop"/],
    [["offline", "--env", "alfworld", "--model", "m", "--batch_size", "0"], /--batch-size expects a positive integer, got "0"/],
    [["offline", "--env", "alfworld", "--model", "m", "--agent", "human"], /--agent must be one of react, tools/],
    [["offline", "--env", "alfworld", "--model", "m", "--grammar", "3"], /--grammar must be one of 2\.1\.1, 2\.1\.2/],
    [["online", "--env", "alfworld", "--model", "m", "--update", "reflect"], /--update: unknown update policy "reflect"; expected one of vanilla, validation, adjustment/],
    [["offline", "--env", "alfworld"], /--model NAME is required \(only --agent replay plays without a model\)/],
  ])("%j", async (args, message) => {
    const r = await runCli(args as string[], { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("a split the benchmark cannot score is bad input (exit 1)", async () => {
    const r = await runCli(["offline", "--env", "alfworld", "--model", "m", "--split", "valid"], { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", ALFWORLD_DATA: process.env.ALFWORLD_DATA ?? "/nonexistent" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown ALFWorld split "valid"/);
  });
});

describe("prices", () => {
  it("price a model by name, with provider prefixes and dated versions, and know when they do not know", () => {
    const table = loadPrices();
    expect(priceOf(table, "openai/gpt-4o-mini-2024-07-18")).toEqual(table["gpt-4o-mini"]);
    expect(costOf(priceOf(table, "gpt-4o"), { input: 1_000_000, output: 100_000, calls: 1 })).toBeCloseTo(3.5);
    expect(costOf(priceOf(table, "my-local-llama"), { input: 10, output: 10, calls: 1 })).toBeNull();
  });

  it("read the user's table over the built-in one, and name the field of a bad one", () => {
    const dir = tempDir("memp-prices-");
    const good = join(dir, "p.json");
    writeFileSync(good, JSON.stringify({ "my-local-llama": { input: 0.1, output: 0.2 } }));
    expect(priceOf(loadPrices(good), "my-local-llama")).toEqual({ input: 0.1, output: 0.2 });
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ "gpt-4o": { input: "cheap", output: 1 } }));
    expect(() => loadPrices(bad)).toThrow(/bad\.json field "gpt-4o\.input": expected .*Expected number, received string/);
  });
});
