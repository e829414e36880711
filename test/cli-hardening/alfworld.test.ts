import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { registerAlfworldCommands } from "../../src/cli/alfworld.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import { kitchenData } from "../alfworld/fixtures.js";
import { tempDir } from "./helpers.js";

const run = (args: string[]) => runInProcess(registerAlfworldCommands, ["alfworld", ...args]);

function kitchen(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "game.tw-pddl"), JSON.stringify(kitchenData()));
  return dir;
}

describe("memp alfworld", () => {
  it("play --actions: a missing file, a folder, or a file that is not UTF-8 is one line", async () => {
    const dir = kitchen();
    const missing = await run(["play", "--game", dir, "--actions", join(dir, "nope.txt")]);
    expect(missing).toMatchObject({ code: 1, stderr: `memp: ${join(dir, "nope.txt")}: cannot read the actions file: no such file\n` });
    mkdirSync(join(dir, "folder"));
    expect((await run(["play", "--game", dir, "--actions", join(dir, "folder")])).stderr).toBe(`memp: ${join(dir, "folder")}: cannot read the actions file: expected a file, got a directory\n`);
    writeFileSync(join(dir, "latin.txt"), Buffer.from("look\ntake caf\xe9 1\n", "latin1"));
    expect((await run(["play", "--game", dir, "--actions", join(dir, "latin.txt")])).stderr).toBe(`memp: ${join(dir, "latin.txt")}:2: not valid UTF-8 text (save the file as UTF-8)\n`);
    expect((await run(["play", "--game", "", "--actions", join(dir, "latin.txt")])).code).toBe(2);
  });

  it("demos --out into a missing folder is refused before the expert runs", async () => {
    const dir = tempDir();
    const r = await run(["demos", "--out", join(dir, "missing", "demos.json")]);
    expect(r).toMatchObject({ code: 1, stderr: `memp: ${join(dir, "missing", "demos.json")}: the folder ${join(dir, "missing")} does not exist\n` });
  });
});
