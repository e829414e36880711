import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { exportFile, makeEntry, memoryWith, memp, oneLine, tempDir, tempFiles } from "./helpers.js";


describe("memp memory export --out", () => {
  it("refuses to write into a memory directory, its own or another, and leaves the memory intact", async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg", "cool a mug"]);
    const before = readFileSync(join(mem, "entries.jsonl"), "utf8");
    for (const out of [join(mem, "entries.jsonl"), join(mem, "copy.jsonl")]) {
      const r = await memp(["memory", "export", "--memory-dir", mem, "--out", out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`memp: ${out}: ${mem} is a memory directory: writing ${out.split("/").pop()} there would damage the memory; choose a path outside it\n`);
    }
    mkdirSync(join(dir, "b"));
    const other = await memoryWith(join(dir, "b"), ["wash a plate"]);
    expect((await memp(["memory", "export", "--memory-dir", mem, "--out", join(other, "x.jsonl")])).code).toBe(1);
    // A link into the memory is the memory too.
    symlinkSync(join(mem, "entries.jsonl"), join(dir, "link.jsonl"));
    expect((await memp(["memory", "export", "--memory-dir", mem, "--out", join(dir, "link.jsonl")])).stderr).toMatch(/is a memory directory/);
    expect(readFileSync(join(mem, "entries.jsonl"), "utf8")).toBe(before);
    expect((await memp(["memory", "show", "--memory-dir", mem])).stdout).toMatch(/^2 entries/);
    expect(tempFiles(mem)).toEqual([]);
  });

  it("a directory, a missing folder, a file in the path or a dangling link: one line, no temp file left", async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg"]);
    mkdirSync(join(dir, "out-dir"));
    writeFileSync(join(dir, "a-file"), "");
    symlinkSync(join(dir, "nowhere", "x.jsonl"), join(dir, "dangling"));
    const cases: Array<[string, string]> = [
      [join(dir, "out-dir"), "expected a file path, got a directory"],
      [join(dir, "missing", "x.jsonl"), `the folder ${join(dir, "missing")} does not exist`],
      [join(dir, "a-file", "x.jsonl"), "a part of the path is not a folder"],
      [join(dir, "dangling"), `is a symbolic link to ${join(dir, "nowhere", "x.jsonl")}, which does not exist`],
    ];
    for (const [out, why] of cases) {
      const r = await memp(["memory", "export", "--memory-dir", mem, "--out", out]);
      expect(r.stderr).toBe(`memp: ${out}: ${why}\n`);
      expect(r.code).toBe(1);
    }
    // The real executable says the same (this one crashed with a stack and left a temp file).
    const real = await runCli(["memory", "export", "--memory-dir", mem, "--out", join(dir, "out-dir")]);
    expect(real).toMatchObject({ code: 1, stdout: "", stderr: `memp: ${join(dir, "out-dir")}: expected a file path, got a directory\n` });
    expect(tempFiles(dir)).toEqual([]);
    expect(tempFiles(join(dir, "out-dir"))).toEqual([]);
  });

  it("a folder without write permission: one line, exit 1", async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg"]);
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    // Root writes anywhere: the check runs as an unprivileged user, who may read the memory.
    chmodSync(dir, 0o755);
    try {
      const r = await runCli(["memory", "export", "--memory-dir", mem, "--out", join(locked, "x.jsonl")], {}, { asUnprivileged: true });
      expect(r).toMatchObject({ code: 1, stderr: `memp: ${join(locked, "x.jsonl")}: permission denied (cannot write it)\n` });
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("writes through a link to an existing file, keeping the link", async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg"]);
    writeFileSync(join(dir, "real.jsonl"), "old\n");
    symlinkSync(join(dir, "real.jsonl"), join(dir, "link.jsonl"));
    const r = await memp(["memory", "export", "--memory-dir", mem, "--out", join(dir, "link.jsonl")]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "real.jsonl"), "utf8")).toMatch(/^\{"format":"memp-export"/);
  });

  it('--memory-dir "" and --out "" are usage errors, not the current directory', async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg"]);
    for (const args of [
      ["memory", "export", "--memory-dir", "", "--out", join(dir, "x.jsonl")],
      ["memory", "export", "--memory-dir", mem, "--out", ""],
      ["memory", "import", join(dir, "seed.jsonl"), "--memory-dir", ""],
      ["memory", "search", "egg", "--memory-dir", ""],
      ["memory", "show", "--memory-dir", ""],
      ["memory", "history", "x", "--memory-dir", ""],
      ["memory", "restore", "x", "--memory-dir", ""],
    ]) {
      const r = await memp(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/expects a path, got an empty string/);
    }
  });
});

describe("memp memory import", () => {
  it("refuses duplicate ids naming the file and line, and creates nothing", async () => {
    const dir = tempDir();
    const e = makeEntry("heat an egg");
    const file = exportFile(dir, [e, makeEntry("cool a mug"), { ...e, task: "heat an egg again" }]);
    const target = join(dir, "new-mem");
    const r = await memp(["memory", "import", file, "--memory-dir", target]);
    expect(r).toMatchObject({ code: 1, stdout: "" });
    expect(r.stderr).toBe(`memp: ${file}:4 field "id": duplicate entry id ${e.id} (first on line 2)\n`);
    expect(existsSync(target)).toBe(false);
  });

  it("a bad or missing file creates no memory directory", async () => {
    const dir = tempDir();
    const target = join(dir, "new-mem");
    expect((await memp(["memory", "import", join(dir, "missing.jsonl"), "--memory-dir", target])).stderr).toBe(`memp: ${join(dir, "missing.jsonl")}: no such file\n`);
    const bad = exportFile(dir, ['{"id": "x"}'], "bad.jsonl");
    expect((await memp(["memory", "import", bad, "--memory-dir", target])).code).toBe(1);
    expect(existsSync(target)).toBe(false);
  });

  it("refuses a __proto__ fact instead of dropping it", async () => {
    const dir = tempDir();
    const line = JSON.stringify(makeEntry("heat an egg")).replace('"facts":null', '"facts":{"__proto__":"x","object":"egg"}');
    const file = exportFile(dir, [line]);
    const r = await memp(["memory", "import", file, "--memory-dir", join(dir, "m")]);
    expect(r.stderr).toBe(`memp: ${file}:2 field "facts.__proto__": "__proto__" cannot be a fact name; rename it\n`);
    expect(existsSync(join(dir, "m"))).toBe(false);
  });

  it("refuses a file that is not UTF-8, naming the line", async () => {
    const dir = tempDir();
    const file = exportFile(dir, [makeEntry("heat an egg"), makeEntry("caf\u00e9 task")]);
    const bytes = readFileSync(file);
    // Re-encode the é as Latin-1 (one byte, 0xE9): invalid UTF-8.
    const at = bytes.indexOf(Buffer.from("\u00e9"));
    writeFileSync(file, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xe9]), bytes.subarray(at + 2)]));
    const r = await memp(["memory", "import", file, "--memory-dir", join(dir, "m")]);
    expect(r.stderr).toBe(`memp: ${file}:3: not valid UTF-8 text (save the file as UTF-8)\n`);
    expect(r.code).toBe(1);
  });

  it("importing entries that are all present already is a success (idempotent), not a failure", async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg"]);
    const r = await memp(["memory", "import", join(dir, "seed.jsonl"), "--memory-dir", mem]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^imported 0 entries \(1 already present\).*; the memory holds 1 entries\n$/);
  });
});

describe("memp memory search --facts", () => {
  it("refuses a __proto__ fact", async () => {
    const dir = tempDir();
    const mem = await memoryWith(dir, ["heat an egg"]);
    const r = await memp(["memory", "search", "egg", "--memory-dir", mem, "--retrieve", "facts", "--facts", '{"__proto__": "x"}']);
    expect(r).toMatchObject({ code: 1 });
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/__proto__/);
  });
});
