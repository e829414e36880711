import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerTrajectoriesCommand } from "../../../src/cli/trajectories.js";
import { TrajectorySchema } from "../../../core/trajectory.js";
import { runCli } from "../../helpers/cli.js";
import { dataDir } from "../../helpers/data.js";
import { dir, trainQueries } from "./helpers.js";
import { runInProcess } from "../../helpers/in-process-cli.js";

const alfworldDir = dataDir("ALFWORLD_DATA");

/** Runs `memp trajectories ...` in this process with only that command registered. */
const run = (args: string[]) => runInProcess(registerTrajectoriesCommand, args);

afterEach(() => vi.restoreAllMocks());

const tmp = () => mkdtempSync(join(tmpdir(), "memp-trajectories-"));
const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n").map((l) => TrajectorySchema.parse(JSON.parse(l)));

describe.skipIf(!dir)("memp trajectories --env travelplanner", () => {
  it("writes the scripted train demonstrations as trajectory JSONL", async () => {
    const out = join(tmp(), "tp.jsonl");
    const r = await run(["trajectories", "--env", "travelplanner", "--split", "train", "--out", out, "--limit", "4", "--data", dir!]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toBe(`wrote 4 trajectories (4 solved) to ${out}\n`);
    const trajectories = lines(out);
    const queries = trainQueries();
    expect(trajectories.map((t) => [t.task, t.game, t.success, t.env])).toEqual(queries.slice(0, 4).map((q) => [q.query, `travelplanner/train/${q.idx}`, true, "travelplanner"]));
    expect(trajectories[0]!.facts).toMatchObject({ org: "St. Petersburg", dest: "Rockford" });
  });

  it("bad input is one line: a split without gold plans, a missing data folder; bad options exit 2", async () => {
    const out = join(tmp(), "x.jsonl");
    const validation = await run(["trajectories", "--env", "travelplanner", "--split", "validation", "--out", out, "--data", dir!]);
    expect(validation.code).toBe(1);
    expect(validation.stderr).toBe('memp: --split validation: TravelPlanner trajectories are scripted from gold plans, and only the train split has them\n');
    const missing = await run(["trajectories", "--env", "travelplanner", "--out", out, "--data", "/no/such/dir"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^memp: \/no\/such\/dir\/queries\/train\.jsonl: cannot read the queries file.*\n$/);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect((await run(["trajectories", "--env", "webshop", "--out", out])).code).toBe(2);
    expect((await run(["trajectories", "--env", "travelplanner", "--split", "bogus", "--out", out])).code).toBe(2);
    expect((await run(["trajectories", "--env", "travelplanner", "--out", out, "--limit", "0"])).code).toBe(2);
  });

  it("is registered in the real memp executable", async () => {
    const out = join(tmp(), "bin.jsonl");
    const r = await runCli(["trajectories", "--env", "travelplanner", "--out", out, "--limit", "1"], { TRAVELPLANNER_DATA: dir! });
    expect(r.stderr).toBe(`wrote 1 trajectories (1 solved) to ${out}\n`);
    expect(r.code).toBe(0);
    expect(lines(out)).toHaveLength(1);
  });
});

describe.skipIf(!alfworldDir)("memp trajectories --env alfworld (moved, same behaviour)", () => {
  it("writes expert trajectories and rejects a split ALFWorld does not have", async () => {
    const out = join(tmp(), "alf.jsonl");
    const r = await run(["trajectories", "--env", "alfworld", "--split", "train", "--out", out, "--limit", "3", "--seed", "5"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^wrote 3 trajectories \\(3 solved\\) to ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`));
    expect(lines(out).every((t) => t.env === "alfworld" && t.success === true)).toBe(true);
    expect((await run(["trajectories", "--env", "alfworld", "--split", "validation", "--out", out])).code).toBe(2);
  });
});
