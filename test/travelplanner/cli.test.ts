import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerTravelPlannerCommands } from "../../src/cli/travelplanner.js";
import { dataDir } from "../helpers/data.js";
import { runInProcess } from "../helpers/in-process-cli.js";

const dir = dataDir("TRAVELPLANNER_DATA");

const run = (args: string[]) => runInProcess(registerTravelPlannerCommands, args);

afterEach(() => vi.restoreAllMocks());

describe.skipIf(!dir)("memp travelplanner", () => {
  const data = ["--data", dir!];
  const tmp = mkdtempSync(join(tmpdir(), "memp-tp-cli-"));

  it("tool prints the official observation, and JSON with --json", async () => {
    const text = await run(["travelplanner", "tool", "GoogleDistanceMatrix[Washington, Myrtle Beach, taxi]", ...data]);
    expect(text).toEqual({ code: 0, stdout: "taxi, from Washington to Myrtle Beach, duration: 6 hours 47 mins, distance: 693 km, cost: 693\n", stderr: "" });
    const json = await run(["travelplanner", "tool", "FlightSearch[Washington, Myrtle Beach, 13-03-2022]", "--json", ...data]);
    expect(JSON.parse(json.stdout)).toEqual({
      action: "FlightSearch[Washington, Myrtle Beach, 13-03-2022]",
      type: "FlightSearch",
      arg: "Washington, Myrtle Beach, 13-03-2022",
      state: "Illegal args. DateError",
      observation: "'13-03-2022' is not in the format YYYY-MM-DD",
    });
  });

  it("tool runs several actions in one session, so NotebookWrite keeps the previous result", async () => {
    const r = await run(["travelplanner", "tool", "CitySearch[Texas]", "NotebookWrite[nothing]", "--json", ...data]);
    const [, write] = JSON.parse(r.stdout) as { observation: string }[];
    expect(write!.observation).toBe("The information has been recorded in Notebook, and its index is 0.");
  });

  it("tool refuses Planner without a model (usage error, exit 2)", async () => {
    const r = await run(["travelplanner", "tool", "Planner[plan it]", ...data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Planner\[\.\.\.\] needs --model/);
  });

  it("eval --json scores the train gold plans with the exact contract shape", async () => {
    const train = join(dir!, "queries/train.jsonl");
    const r = await run(["travelplanner", "eval", "--queries", train, "--plans", train, "--split", "train", "--json", ...data]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["aggregate", "per_plan"]);
    expect(out.aggregate).toEqual({ delivery_rate: 1, commonsense_micro: 1, commonsense_macro: 1, hard_micro: 1, hard_macro: 1, final_pass_rate: 1 });
    expect(out.per_plan).toHaveLength(45);
    expect(Object.keys(out.per_plan[0])).toEqual(["idx", "commonsense", "hard"]);
    expect(Object.keys(out.per_plan[0].commonsense)).toEqual([
      "Reasonable City Route",
      "Diverse Restaurants",
      "Diverse Attractions",
      "Minimum Nights Stay",
      "Non-conf. Transportation",
      "Within Current City",
      "Within Sandbox",
      "Complete Information",
    ]);
    expect(out.per_plan[0].hard).toEqual({ Budget: [true, null], "Room Rule": [null, null], Cuisine: [null, null], "Room Type": [null, null], Transportation: [null, null] });
  });

  it("eval reads the official validation CSV and submission JSONL; matches by idx or by line order", async () => {
    const csv = join(dir!, "queries/validation.csv");
    const submission = join(dir!, "queries/submission_format_example.jsonl");
    const official = JSON.parse((await run(["travelplanner", "eval", "--queries", csv, "--plans", submission, "--split", "validation", "--json", ...data])).stdout);
    expect(official.per_plan).toHaveLength(180);
    expect(official.aggregate.delivery_rate).toBeGreaterThan(0.5);
    expect(official.aggregate.final_pass_rate).toBeLessThan(official.aggregate.delivery_rate);
    // The same plans as bare lists in reversed file order, with idx: identical verdicts.
    const lines = (await import("node:fs")).readFileSync(submission, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { idx: number; plan: unknown });
    const reversed = join(tmp, "reversed.jsonl");
    writeFileSync(reversed, [...lines].reverse().map((l) => JSON.stringify({ idx: l.idx, plan: l.plan })).join("\n") + "\n");
    const again = JSON.parse((await run(["travelplanner", "eval", "--queries", csv, "--plans", reversed, "--split", "validation", "--json", ...data])).stdout);
    expect(again).toEqual(official);
    const bare = join(tmp, "bare.jsonl");
    writeFileSync(bare, lines.map((l) => JSON.stringify(l.plan)).join("\n") + "\n");
    const byOrder = JSON.parse((await run(["travelplanner", "eval", "--queries", csv, "--plans", bare, "--split", "validation", "--json", ...data])).stdout);
    expect(byOrder).toEqual(official);
    // Without --split the denominators come from the queries: the same here, since these are the official ones.
    const computed = JSON.parse((await run(["travelplanner", "eval", "--queries", csv, "--plans", submission, "--json", ...data])).stdout);
    expect(computed.aggregate).toEqual(official.aggregate);
  });

  it("eval prints percentages and groups without --json", async () => {
    const train = join(dir!, "queries/train.jsonl");
    const r = await run(["travelplanner", "eval", "--queries", train, "--plans", train, ...data]);
    expect(r.stdout).toMatch(/^Delivery Rate\s+100\.00%$/m);
    expect(r.stdout).toMatch(/^hard\s+7\s+5\s+100\.00%/m);
    expect(r.stdout).not.toContain("checks failed");
  });

  it("eval lists the checks each plan failed, with the evaluator's reasons", async () => {
    const train = join(dir!, "queries/train.jsonl");
    const rows = readFileSync(train, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { idx?: number; annotated_plan: Array<Record<string, unknown>> });
    // The first plan loses its dinners (a commonsense failure); the second is not delivered.
    const plans = rows.map((q, i) => ({ plan: i === 1 ? null : q.annotated_plan.map((d) => (i === 0 && d.dinner !== undefined ? { ...d, dinner: "-" } : d)) }));
    const file = join(mkdtempSync(join(tmpdir(), "memp-eval-")), "plans.jsonl");
    writeFileSync(file, plans.map((p) => JSON.stringify(p)).join("\n") + "\n");
    const r = await run(["travelplanner", "eval", "--queries", train, "--plans", file, ...data]);
    expect(r.stdout).toMatch(/^checks failed, per plan/m);
    expect(r.stdout).toMatch(/^\s+1: .*Complete Information/m);
    expect(r.stdout).toMatch(/^\s+2: no plan delivered$/m);
  });

  it("bad inputs are one-line errors naming the file and line; bad options are usage errors", async () => {
    const train = join(dir!, "queries/train.jsonl");
    const badPlans = join(tmp, "bad.jsonl");
    writeFileSync(badPlans, '{"idx": 1, "plan": []}\n{"idx": 0, "plan": []}\n');
    const r = await run(["travelplanner", "eval", "--queries", train, "--plans", badPlans, ...data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`memp: ${badPlans}:2 field "idx": expected a positive integer, got 0\n`);
    const badQueries = join(tmp, "queries.jsonl");
    writeFileSync(badQueries, '{"org": "A", "dest": "B", "days": "three"}\n');
    const q = await run(["travelplanner", "eval", "--queries", badQueries, "--plans", badPlans, ...data]);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(new RegExp(`^memp: ${badQueries.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:1 field "days": `));
    const split = await run(["travelplanner", "eval", "--queries", train, "--plans", train, "--split", "dev", ...data]);
    expect(split.code).toBe(2);
    const wrongSplit = await run(["travelplanner", "eval", "--queries", train, "--plans", train, "--split", "validation", ...data]);
    expect(wrongSplit).toMatchObject({ code: 1, stderr: 'memp: field "split": the validation split has 180 queries, but 45 were given\n' });
    const missing = await run(["travelplanner", "tool", "CitySearch[Texas]", "--data", join(tmp, "nowhere")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nowhere\/database\/flights\/clean_Flights_2022\.csv: file not found/);
  });
});
