import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { runProgram } from "../../src/cli/run.js";
import { InputError } from "../../core/errors.js";
import { writeFileAtomic, writeFileAtomicAsync } from "../../core/util/atomic.js";
import { userPathError } from "../../core/util/user-files.js";
import { tempDir } from "./helpers.js";

function fsError(code: string, syscall = "open"): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, ${syscall} '/x/.tmp'`), { code, syscall, errno: -1, path: "/x/.tmp" });
}

async function capture(program: Command, args: string[]) {
  let stderr = "";
  const spy = vi.spyOn(process.stderr, "write").mockImplementation((c) => ((stderr += String(c)), true));
  try {
    return { code: await runProgram(program, args), stderr };
  } finally {
    spy.mockRestore();
  }
}

describe("writeFileAtomic leaves no temp file when it fails", () => {
  it("onto a directory (the rename fails), sync and async", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "target"));
    expect(() => writeFileAtomic(join(dir, "target"), "x")).toThrow();
    await expect(writeFileAtomicAsync(join(dir, "target"), "x")).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["target"]);
    expect(readdirSync(join(dir, "target"))).toEqual([]);
  });

  it("onto a non-empty directory", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "target"));
    writeFileSync(join(dir, "target", "keep"), "");
    expect(() => writeFileAtomic(join(dir, "target"), "x")).toThrow();
    expect(readdirSync(dir)).toEqual(["target"]);
  });
});

describe("fs errors on a user's path", () => {
  it("become one-line InputErrors naming the user's path, not the temp file", () => {
    const cases: Array<[string, "read" | "write", string]> = [
      ["EACCES", "write", "permission denied (cannot write it)"],
      ["EPERM", "read", "permission denied (cannot read it)"],
      ["ENOSPC", "write", "no space left on the device"],
      ["EROFS", "write", "the file system is read-only"],
      ["ELOOP", "read", "too many levels of symbolic links (a link loop?)"],
      ["EISDIR", "read", "expected a file, got a directory"],
      ["ENOTDIR", "write", "a part of the path is not a folder"],
    ];
    for (const [code, doing, why] of cases) {
      const err = userPathError(fsError(code), "out.jsonl", doing);
      expect(InputError.isInstance(err), code).toBe(true);
      expect((err as Error).message).toBe(`out.jsonl: ${why}`);
    }
  });

  it("leave other errors alone: those are bugs", () => {
    const bug = new TypeError("x is undefined");
    expect(userPathError(bug, "out.jsonl", "write")).toBe(bug);
    const odd = fsError("EBADF");
    expect(userPathError(odd, "out.jsonl", "write")).toBe(odd);
  });
});

describe("runProgram", () => {
  it("prints an internal error with its stack and asks for a report; a user's mistake is one line", async () => {
    const program = new Command("memp");
    program.command("bug").action(() => {
      throw new TypeError("cannot read properties of undefined");
    });
    program.command("mistake").action(() => {
      throw new InputError("expected a file", { file: "x.jsonl" });
    });
    const bug = await capture(program, ["bug"]);
    expect(bug.code).toBe(1);
    expect(bug.stderr).toMatch(/^memp: internal error \(please report it with the command you ran\): TypeError: cannot read properties of undefined\n\s+at /);
    const mistake = await capture(program, ["mistake"]);
    expect(mistake).toEqual({ code: 1, stderr: "memp: x.jsonl: expected a file\n" });
  });
});
