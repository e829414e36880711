import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readFinishedTasks, readTrajectories } from "../../memory/input.js";
import { memp, tempDir } from "./helpers.js";

const step = { action: "go to sink 1", observation: "ok" };
const line = (v: unknown) => JSON.stringify(v);

function file(dir: string, name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** `good` then a line holding `café` in Latin-1 (0xE9 alone is not UTF-8). */
function latin1Lines(good: string, task: string): Buffer {
  return Buffer.concat([Buffer.from(good + "\n"), Buffer.from(line({ task, steps: [step] }).replace("cafe", "caf\u00e9"), "latin1"), Buffer.from("\n")]);
}

describe("input files must be UTF-8", () => {
  it("memory build --from: refused naming the file and line, nothing created", async () => {
    const dir = tempDir();
    const from = file(dir, "runs.jsonl", latin1Lines(line({ task: "a", steps: [step] }), "cafe task"));
    const r = await memp(["memory", "build", "--from", from, "--memory-dir", join(dir, "mem"), "--build", "trajectory"]);
    expect(r).toMatchObject({ code: 1, stderr: `memp: ${from}:2: not valid UTF-8 text (save the file as UTF-8)\n` });
    expect(existsSync(join(dir, "mem"))).toBe(false);
  });

  it("memory update --from (RESULTS.jsonl): refused naming the file and line", async () => {
    const dir = tempDir();
    const from = file(dir, "results.jsonl", latin1Lines(line({ task: "a", steps: [step], retrieved: [] }), "cafe task"));
    const r = await memp(["memory", "update", "--from", from, "--memory-dir", join(dir, "mem"), "--policy", "vanilla"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`memp: ${from}:2: not valid UTF-8 text (save the file as UTF-8)\n`);
  });

  it("MemP's JSON array too", () => {
    const dir = tempDir();
    const p = file(dir, "memp.json", Buffer.concat([Buffer.from('[\n{"query": "caf'), Buffer.from([0xe9]), Buffer.from('", "trajectory": []}\n]\n')]));
    expect(() => readTrajectories(p)).toThrow(`${p}:2: not valid UTF-8 text`);
  });
});

describe("facts named __proto__", () => {
  it("are refused with the file, line and field instead of being dropped", async () => {
    const dir = tempDir();
    const from = file(dir, "runs.jsonl", line({ task: "a", steps: [step] }) + "\n" + '{"task": "b", "facts": {"__proto__": "x", "object": "mug"}, "steps": [{"action": "x", "observation": "y"}]}\n');
    const r = await memp(["memory", "build", "--from", from, "--memory-dir", join(dir, "mem"), "--build", "trajectory"]);
    expect(r).toMatchObject({ code: 1, stderr: `memp: ${from}:2 field "facts.__proto__": "__proto__" cannot be a fact name; rename it\n` });
    const memp2 = file(dir, "memp.json", '[{"query": "q", "facts": {"__proto__": "x"}, "trajectory": []}]');
    expect(() => readTrajectories(memp2)).toThrow(`${memp2}: item 0: field "facts.__proto__": "__proto__" cannot be a fact name`);
  });
});

describe("trajectories with no steps", () => {
  it("are accepted with a warning naming the file and line", () => {
    const dir = tempDir();
    const p = file(dir, "runs.jsonl", line({ task: "a", steps: [step] }) + "\n" + line({ task: "b", steps: [] }) + "\n");
    const warnings: string[] = [];
    expect(readTrajectories(p, { warn: (m) => warnings.push(m) })).toHaveLength(2);
    expect(warnings).toEqual([`${p}:2: the trajectory has no steps; an entry built from it holds no procedure`]);
  });

  it("memory build prints the warning on stderr", async () => {
    const dir = tempDir();
    const p = file(dir, "runs.jsonl", line({ task: "a", steps: [step] }) + "\n" + line({ task: "b", steps: [] }) + "\n");
    const r = await memp(["memory", "build", "--from", p, "--memory-dir", join(dir, "mem"), "--build", "trajectory"]);
    expect(r.stderr).toContain(`memp: warning: ${p}:2: the trajectory has no steps; an entry built from it holds no procedure\n`);
  });
});

describe("RESULTS files: retrieved ids the memory does not hold", () => {
  it("are reported with the file and line, once per task and id", () => {
    const dir = tempDir();
    const p = file(
      dir,
      "results.jsonl",
      [line({ task: "a", steps: [step], retrieved: ["known", "gone"] }), line({ task: "b", steps: [step], retrieved: ["known"] }), line({ task: "c", steps: [step], retrieved: ["x", "x", "y"] })].join("\n") + "\n",
    );
    const warnings: string[] = [];
    const batch = readFinishedTasks(p, { knownIds: (id) => id === "known", warn: (m) => warnings.push(m) });
    expect(batch).toHaveLength(3);
    expect(warnings).toEqual([
      `${p}:1: retrieved id gone not in the memory (retired, or from another memory); not booked`,
      `${p}:3: retrieved ids x, y not in the memory (retired, or from another memory); not booked`,
    ]);
  });
});

describe("memp memory update with retrieved ids the memory does not hold", () => {
  it("warns naming the file and line, and books the known ones", async () => {
    const dir = tempDir();
    const mem = join(dir, "mem");
    const first = file(dir, "r1.jsonl", line({ task: "clean a mug", success: true, steps: [step] }) + "\n");
    expect((await memp(["memory", "update", "--memory-dir", mem, "--from", first, "--policy", "validation"])).code).toBe(0);
    const id = (await memp(["memory", "show", "--memory-dir", mem, "--json"])).stdout;
    const known = JSON.parse(id).entries[0].id as string;
    const second = file(dir, "r2.jsonl", line({ task: "clean a cup", success: true, steps: [step], retrieved: [known, "nope"] }) + "\n");
    const r = await memp(["memory", "update", "--memory-dir", mem, "--from", second, "--policy", "validation", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`${second}:1: retrieved id nope not in the memory (retired, or from another memory); not booked`);
    expect(JSON.parse(r.stdout).stats).toEqual([{ id: known, hits: 1, successes: 1 }]);
  });
});

describe("a UTF-8 byte-order mark", () => {
  it("is read as the encoding signature it is, not as part of the first line", () => {
    const dir = tempDir();
    const p = file(dir, "runs.jsonl", "\ufeff" + line({ task: "a", steps: [step] }) + "\n");
    expect(readTrajectories(p).map((i) => i.trajectory.task)).toEqual(["a"]);
  });
});
