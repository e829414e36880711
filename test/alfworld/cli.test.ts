import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TrajectorySchema } from "../../core/trajectory.js";
import { dataDir } from "../helpers/data.js";
import { kitchenData } from "./fixtures.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const entry = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function memp(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: repo,
    input: options.input ?? "",
    encoding: "utf8",
    env: { ...process.env, ...options.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function kitchenDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "alfworld-cli-"));
  writeFileSync(join(dir, "game.tw-pddl"), JSON.stringify(kitchenData()));
  return dir;
}

describe("memp alfworld play", () => {
  it("plays a file of commands and prints one JSON object per step", () => {
    const dir = kitchenDir();
    writeFileSync(join(dir, "actions.txt"), "go to countertop 1\n\nfly away\ntake apple 1 from countertop 1\n");
    const r = memp(["alfworld", "play", "--game", dir, "--actions", join(dir, "actions.txt"), "--json"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toEqual({ step: 0, observation: expect.stringMatching(/^-= Welcome to TextWorld, ALFRED! =-/), admissible: expect.arrayContaining(["look"]), won: false, done: false });
    expect(Object.keys(lines[1])).toEqual(["step", "action", "observation", "admissible", "won", "done"]);
    expect(lines[1]).toMatchObject({ step: 1, action: "go to countertop 1", observation: "You arrive at countertop 1. On the countertop 1, you see a apple 1, and a mug 1." });
    expect(lines[2]).toMatchObject({ step: 2, action: "fly away", observation: "Nothing happens.", won: false, done: false });
    expect(lines[3].admissible).toContain("examine apple 1");
  });

  it("honours --grammar and --max-steps", () => {
    const dir = kitchenDir();
    writeFileSync(join(dir, "actions.txt"), "go to countertop 1\nlook\nlook\n");
    const r = memp(["alfworld", "play", "--game", join(dir, "game.tw-pddl"), "--grammar", "2.1.1", "--max-steps", "2", "--actions", join(dir, "actions.txt"), "--json"]);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[1].observation).toMatch(/^You arrive at loc 7\. /);
    expect(lines.map((l) => l.done)).toEqual([false, false, true, true]);
    expect(lines[3].observation).toBe(lines[2].observation);
  });

  it("reads commands from a pipe when no --actions file is given", () => {
    const r = memp(["alfworld", "play", "--game", kitchenDir()], { input: "go to fridge 1\nadmissible\nopen fridge 1\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("> go to fridge 1\nYou arrive at fridge 1. The fridge 1 is closed.\n");
    expect(r.stdout).toContain("open fridge 1\n"); // from the admissible listing
    expect(r.stdout).toContain("> open fridge 1\nYou open the fridge 1. The fridge 1 is open. In it, you see a bowl 1, and a egg 1.\n");
  });

  it("fails with one line naming the path for a missing game, and exits 2 on a bad option", () => {
    const missing = memp(["alfworld", "play", "--game", "/no/such/game"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("memp: /no/such/game: no such game file or trial folder\n");
    expect(memp(["alfworld", "play", "--game", kitchenDir(), "--grammar", "9"]).code).toBe(2);
    expect(memp(["alfworld", "play", "--game", kitchenDir(), "--max-steps", "0"]).code).toBe(2);
  });
});

const dir = dataDir("ALFWORLD_DATA");

describe.skipIf(!dir)("memp alfworld list / trajectories (shared data)", () => {
  it("lists a split as text or JSON", () => {
    const text = memp(["alfworld", "list", "--split", "test"]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split("\n")).toHaveLength(134);
    const json = JSON.parse(memp(["alfworld", "list", "--split", "dev", "--json"]).stdout) as { name: string; taskName: string }[];
    expect(json).toHaveLength(140);
    expect(json[0]).toMatchObject({ taskType: "look_at_obj_in_light", taskName: "examine" });
    expect(memp(["alfworld", "list", "--split", "valid"]).code).toBe(2);
  });

  it("plays a game by the name list prints", () => {
    const name = memp(["alfworld", "list", "--split", "test"]).stdout.split("\n")[0]!.split("\t")[1]!;
    const r = memp(["alfworld", "play", "--game", name, "--json"], { input: "look\n" });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.split("\n")[0]!).observation).toMatch(/^-= Welcome to TextWorld, ALFRED! =-/);
  });

  it("writes expert trajectories in the memory's format", () => {
    const out = join(mkdtempSync(join(tmpdir(), "alfworld-traj-")), "train.jsonl");
    const r = memp(["trajectories", "--env", "alfworld", "--split", "train", "--out", out, "--limit", "12", "--seed", "5"]);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(12);
    for (const line of lines) {
      const t = TrajectorySchema.parse(JSON.parse(line));
      expect(t.env).toBe("alfworld");
      expect(t.success).toBe(true);
      expect(t.steps.length).toBeGreaterThan(0);
    }
    expect(memp(["trajectories", "--env", "webshop", "--out", out]).code).toBe(2);
  });

  it("writes one demonstration per task type", () => {
    const out = join(mkdtempSync(join(tmpdir(), "alfworld-demos-")), "demos.json");
    expect(memp(["alfworld", "demos", "--out", out]).code).toBe(0);
    const demos = JSON.parse(readFileSync(out, "utf8")) as Record<string, { text: string }>;
    expect(Object.keys(demos).sort()).toEqual(["clean", "cool", "examine", "heat", "put", "puttwo"]);
  });
});

describe("tab completion", () => {
  it("completes the admissible commands that extend the typed text", async () => {
    const { completeCommand } = await import("../../src/cli/alfworld.js");
    const admissible = ["go to cabinet 1", "go to countertop 1", "inventory", "look"];
    expect(completeCommand("go to c", admissible)).toEqual([["go to cabinet 1", "go to countertop 1"], "go to c"]);
    expect(completeCommand("  in", admissible)).toEqual([["inventory"], "in"]);
    expect(completeCommand("ad", admissible)).toEqual([["admissible"], "ad"]);
    expect(completeCommand("xyz", admissible)).toEqual([[], "xyz"]);
  });
});
