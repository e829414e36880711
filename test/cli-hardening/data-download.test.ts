import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import yazl from "yazl";
import { registerDataCommands } from "../../src/cli/data.js";
import { runCli } from "../helpers/cli.js";
import { runInProcess } from "../helpers/in-process-cli.js";
import { oneLine, tempDir } from "./helpers.js";

const run = (args: string[]) => runInProcess(registerDataCommands, args);

/** A zip with these entries in this order; a name ending in "/" is a folder entry. */
function makeZip(path: string, names: string[]): Promise<string> {
  return new Promise((resolve) => {
    const zip = new yazl.ZipFile();
    for (const n of names) {
      if (n.endsWith("/")) zip.addEmptyDirectory(n.slice(0, -1));
      else zip.addBuffer(Buffer.from(`content of ${n}`), n);
    }
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => {
      writeFileSync(path, Buffer.concat(chunks));
      resolve(path);
    });
  });
}

const GAME = (split: string) => `json_2.1.1/${split}/pick_and_place_simple-Mug-None-Shelf-1/trial_1/game.tw-pddl`;
const GAMES = [GAME("train"), GAME("valid_seen"), GAME("valid_unseen")];

/** Whatever the install left beside the data (staging, set-aside or temp folders). */
const leftovers = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => /^\.(staging|replaced)-|\.tmp$/.test(n)) : []);

describe("memp data download", () => {
  it("never deletes a folder of the user's that the archive also holds", async () => {
    const work = tempDir();
    const zip = await makeZip(join(work, "games.zip"), GAMES);
    const dir = join(work, "data");
    mkdirSync(join(dir, "json_2.1.1"), { recursive: true });
    writeFileSync(join(dir, "json_2.1.1", "my-notes.txt"), "mine");
    const r = await run(["data", "download", "alfworld", "--dir", dir, "--archive", zip]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`memp: ${join(dir, "json_2.1.1")}: already exists and was not installed by memp (the archives hold one of that name): move it away, or install into another --dir\n`);
    expect(readFileSync(join(dir, "json_2.1.1", "my-notes.txt"), "utf8")).toBe("mine");
    expect(readdirSync(dir).sort()).toEqual(["json_2.1.1"]);
  });

  it("replaces what an earlier install created, and nothing else", async () => {
    const work = tempDir();
    const dir = join(work, "data");
    const first = await run(["data", "download", "alfworld", "--dir", dir, "--archive", await makeZip(join(work, "a.zip"), GAMES)]);
    expect(first.code).toBe(0);
    mkdirSync(join(dir, "mine"));
    const again = await run(["data", "download", "alfworld", "--dir", dir, "--archive", await makeZip(join(work, "b.zip"), [...GAMES, "json_2.1.1/NEW"])]);
    expect(again.code).toBe(0);
    expect(existsSync(join(dir, "json_2.1.1", "NEW"))).toBe(true);
    expect(existsSync(join(dir, "mine"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, ".memp-alfworld.json"), "utf8")).installed).toEqual(["json_2.1.1"]);
    expect(leftovers(dir)).toEqual([]);
  });

  it("an entry that is both a file and a folder: one line naming the archive, no crash, no staging folder left", async () => {
    const work = tempDir();
    // "a" as a file, then "a/" as a folder: mkdir threw inside yauzl's event handler and killed Node.
    for (const names of [[...GAMES, "a", "a/"], ["a", ...GAMES, "a/b"], ["a/b", "a"]]) {
      const zip = await makeZip(join(work, `bad-${names.length}-${names[0]!.length}.zip`), names);
      const dir = join(work, `data-${names.join("").length}`);
      mkdirSync(dir);
      const r = await runCli(["data", "download", "alfworld", "--dir", dir, "--archive", zip]);
      expect(r.stderr).toBe(`memp: ${zip}: the archive holds "a" both as a file and as a folder\n`);
      expect(r.code).toBe(1);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it("a zip-slip entry is one line, not a stack", async () => {
    const work = tempDir();
    const zip = await makeZip(join(work, "evil.zip"), ["ok.txt", "zz/zz/evil.txt"]);
    const bytes = readFileSync(zip);
    for (let at = bytes.indexOf("zz/zz/"); at >= 0; at = bytes.indexOf("zz/zz/", at + 1)) bytes.write("../../", at, "latin1");
    writeFileSync(zip, bytes);
    const dir = join(work, "data");
    const r = await runCli(["data", "download", "alfworld", "--dir", dir, "--archive", zip]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`^memp: ${zip}: archive entry refused, it would be written outside the target folder`));
    expect(existsSync(join(work, "evil.txt"))).toBe(false);
    // The install made `data` only for this archive: a refused install takes it back.
    expect(existsSync(dir)).toBe(false);
  });

  it("a file that is not a zip, a folder given as --archive, --dir \"\": one line each", async () => {
    const work = tempDir();
    writeFileSync(join(work, "not.zip"), "hello");
    const notZip = await run(["data", "download", "alfworld", "--dir", join(work, "d"), "--archive", join(work, "not.zip")]);
    expect(notZip.code).toBe(1);
    expect(notZip.stderr).toMatch(new RegExp(`^memp: ${join(work, "not.zip")}: not a readable zip archive: `));
    expect(oneLine(notZip.stderr)).toBe(true);
    const folder = await run(["data", "download", "alfworld", "--dir", join(work, "d"), "--archive", work]);
    expect(folder).toMatchObject({ code: 1, stderr: `memp: ${work}: expected a zip archive, got a directory\n` });
    const empty = await run(["data", "download", "alfworld", "--dir", "", "--archive", join(work, "not.zip")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--dir expects a path, got an empty string/);
    expect(readdirSync(work).sort()).toEqual(["not.zip"]);
  });

  it("a --dir under a file is one line naming the path", async () => {
    const work = tempDir();
    const zip = await makeZip(join(work, "games.zip"), GAMES);
    writeFileSync(join(work, "file"), "");
    const r = await run(["data", "download", "alfworld", "--dir", join(work, "file", "data"), "--archive", zip]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/a part of the path is not a folder/);
  });
});
