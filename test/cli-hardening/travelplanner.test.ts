import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerTrajectoriesCommand } from "../../src/cli/trajectories.js";
import { registerTravelPlannerCommands } from "../../src/cli/travelplanner.js";
import { dataDir } from "../helpers/data.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import { oneLine, tempDir } from "./helpers.js";

const tp = dataDir("TRAVELPLANNER_DATA");
const evalCmd = (args: string[]) => runInProcess(registerTravelPlannerCommands, ["travelplanner", "eval", ...args]);
const trajectories = (args: string[]) => runInProcess(registerTrajectoriesCommand, ["trajectories", ...args]);

/** One query in the JSONL layout, enough to get past the queries file. */
const QUERY = {
  org: "St. Petersburg",
  dest: "Rockford",
  days: 3,
  visiting_city_number: 1,
  date: ["2022-03-16", "2022-03-17", "2022-03-18"],
  people_number: 1,
  local_constraint: { "house rule": null, cuisine: null, "room type": null, transportation: null },
  budget: 1700,
  query: "Please help me plan a trip from St. Petersburg to Rockford.",
  level: "easy",
};

function write(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("memp travelplanner eval: input files", () => {
  it("--plans missing or a directory: one line naming the plans file", async () => {
    const dir = tempDir();
    const queries = write(dir, "queries.jsonl", JSON.stringify(QUERY) + "\n");
    const missing = await evalCmd(["--queries", queries, "--plans", join(dir, "nope.jsonl")]);
    expect(missing).toMatchObject({ code: 1, stderr: `memp: ${join(dir, "nope.jsonl")}: cannot read the plans file: no such file\n` });
    const folder = await evalCmd(["--queries", queries, "--plans", dir]);
    expect(folder).toMatchObject({ code: 1, stderr: `memp: ${dir}: cannot read the plans file: expected a file, got a directory\n` });
    const empty = await evalCmd(["--queries", queries, "--plans", ""]);
    expect(empty.code).toBe(2);
  });

  it("an empty queries file is blamed on the queries file, not on the plans", async () => {
    const dir = tempDir();
    const queries = write(dir, "queries.jsonl", "\n");
    const plans = write(dir, "plans.jsonl", '{"idx": 1, "plan": null}\n');
    const r = await evalCmd(["--queries", queries, "--plans", plans]);
    expect(r).toMatchObject({ code: 1, stderr: `memp: ${queries}: the queries file holds no queries\n` });
    const csv = write(dir, "queries.csv", "org,dest,days\n");
    expect((await evalCmd(["--queries", csv, "--plans", plans])).stderr).toBe(`memp: ${csv}: the queries file holds no queries\n`);
  });

  it("plans and queries that are not UTF-8 are refused, naming the file and line", async () => {
    const dir = tempDir();
    const queries = write(dir, "queries.jsonl", JSON.stringify(QUERY) + "\n");
    const plans = write(dir, "plans.jsonl", Buffer.concat([Buffer.from('{"idx": 1, "plan": [{"days": 1, "breakfast": "Caf'), Buffer.from([0xe9]), Buffer.from('"}]}\n')]));
    expect((await evalCmd(["--queries", queries, "--plans", plans])).stderr).toBe(`memp: ${plans}:1: not valid UTF-8 text (save the file as UTF-8)\n`);
    const latin = write(dir, "latin.jsonl", Buffer.concat([Buffer.from(JSON.stringify(QUERY) + "\n" + JSON.stringify(QUERY).replace("Rockford.", "Caf")), Buffer.from([0xe9, 0x0a])]));
    expect((await evalCmd(["--queries", latin, "--plans", plans])).stderr).toBe(`memp: ${latin}:2: not valid UTF-8 text (save the file as UTF-8)\n`);
  });
});

describe.skipIf(!tp)("memp travelplanner eval: plans that are not lists of day objects", () => {
  const train = () => join(tp!, "queries", "train.jsonl");

  it("are warned about per plan, with scores identical to the official semantics", async () => {
    const dir = tempDir();
    const gold = readFileSync(train(), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { idx: number; annotated_plan: unknown[] });
    const records = gold.map((q) => ({ idx: q.idx, plan: q.annotated_plan as unknown }));
    records[1]!.plan = 5; // truthy: delivered, as eval.py counts it
    records[2]!.plan = [1, 2];
    records[3]!.plan = { days: 1 };
    const plans = write(dir, "plans.jsonl", records.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const r = await evalCmd(["--queries", train(), "--plans", plans, "--split", "train", "--json", "--data", tp!]);
    expect(r.code).toBe(0);
    const tail = "it counts as delivered, as in the official evaluation, and fails the checks that cannot read it";
    expect(r.stderr).toBe(
      [
        `memp: warning: ${plans}:2 (query 2): the plan is a number, not a list of days; ${tail}`,
        `memp: warning: ${plans}:3 (query 3): day 1 of the plan is a number, not an object; ${tail}`,
        `memp: warning: ${plans}:4 (query 4): the plan is an object, not a list of days; ${tail}`,
      ].join("\n") + "\n",
    );
    const out = JSON.parse(r.stdout);
    expect(out.aggregate.delivery_rate).toBe(1);
    expect(out.aggregate.final_pass_rate).toBeCloseTo(42 / 45);
    for (const i of [1, 2, 3]) expect(out.per_plan[i].hard).toBeNull();
  });

  it("nothing deliverable to score is exit 1 and says so (after the report)", async () => {
    const dir = tempDir();
    const plans = write(dir, "plans.jsonl", '{"idx": 1, "plan": null}\n');
    const r = await evalCmd(["--queries", train(), "--plans", plans, "--data", tp!]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Delivery Rate\s+0\.00%$/m);
    expect(r.stderr).toBe(`memp: nothing was scored: none of the 45 queries has a delivered plan in ${plans}\n`);
    const strings = write(dir, "strings.jsonl", '{"idx": 1, "plan": 7}\n');
    const s = await evalCmd(["--queries", train(), "--plans", strings, "--data", tp!]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/memp: nothing was scored: the 1 delivered plan in .* is not a list of day objects\n$/);
  });
});

describe("memp trajectories --out", () => {
  it("a missing folder, a directory, a memory directory: refused in one line before any run", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "mem"));
    writeFileSync(join(dir, "mem", "entries.jsonl"), "");
    const cases: Array<[string, string]> = [
      [join(dir, "missing", "x.jsonl"), `the folder ${join(dir, "missing")} does not exist`],
      [dir, "expected a file path, got a directory"],
      [join(dir, "mem", "runs.jsonl"), `${join(dir, "mem")} is a memory directory: writing runs.jsonl there would damage the memory; choose a path outside it`],
    ];
    for (const [out, why] of cases) {
      // --data points nowhere: the refusal must come first, before any data is read.
      const r = await trajectories(["--env", "travelplanner", "--out", out, "--data", join(dir, "no-data")]);
      expect(r).toMatchObject({ code: 1, stderr: `memp: ${out}: ${why}\n` });
    }
    expect((await trajectories(["--env", "travelplanner", "--out", ""])).code).toBe(2);
    expect((await trajectories(["--env", "travelplanner", "--out", join(dir, "x.jsonl"), "--data", ""])).code).toBe(2);
  });

  it.skipIf(!tp)("when every run fails, exit 1, say so, and leave the output as it was", async () => {
    const dir = tempDir();
    const data = join(dir, "tp");
    mkdirSync(join(data, "queries"), { recursive: true });
    symlinkSync(join(tp!, "database"), join(data, "database"));
    // A budget no gold plan fits: the evaluator rejects every demonstration.
    const first = JSON.parse(readFileSync(join(tp!, "queries", "train.jsonl"), "utf8").split("\n")[0]!);
    writeFileSync(join(data, "queries", "train.jsonl"), JSON.stringify({ ...first, budget: 1 }) + "\n");
    const out = write(dir, "runs.jsonl", "previous content\n");
    const r = await trajectories(["--env", "travelplanner", "--out", out, "--data", data]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("memp: no trajectory was written: the evaluator rejected the plans of all 1 queries (1)\n");
    expect(oneLine(r.stderr)).toBe(true);
    expect(readFileSync(out, "utf8")).toBe("previous content\n");
  });
});
