import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yazl from "yazl";
import { downloadFile, extractZip, fileSha256, installDataset, type DatasetSpec } from "../../src/data/download.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../memory/helpers.js";

function makeZip(path: string, files: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const zip = new yazl.ZipFile();
    for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => {
      writeFileSync(path, Buffer.concat(chunks));
      resolve();
    });
  });
}

const GAME = (split: string) => `json_2.1.1/${split}/pick_and_place_simple-Mug-None-Shelf-1/trial_1/game.tw-pddl`;
const SPEC = (url: string): DatasetSpec => ({
  name: "toy",
  archives: [{ url, file: "toy.zip" }],
  installs: ["json_2.1.1"],
  verify: (dir) => (existsSync(join(dir, GAME("train"))) ? undefined : "no train game"),
});

let server: ReturnType<typeof createServer>;
let base: string;
let zipBytes: Buffer;
const rangeRequests: string[] = [];

beforeAll(async () => {
  const dir = tempDir();
  await makeZip(join(dir, "toy.zip"), { [GAME("train")]: '{"solvable": true}', "json_2.1.1/README": "hello" });
  zipBytes = readFileSync(join(dir, "toy.zip"));
  server = createServer((req, res) => {
    if (req.url === "/missing.zip") return res.writeHead(404).end();
    const range = req.headers.range;
    if (range) {
      rangeRequests.push(range);
      const start = Number(/bytes=(\d+)-/.exec(range)![1]);
      res.writeHead(206, { "content-length": zipBytes.length - start, "content-range": `bytes ${start}-${zipBytes.length - 1}/${zipBytes.length}` });
      return res.end(zipBytes.subarray(start));
    }
    res.writeHead(200, { "content-length": zipBytes.length });
    res.end(zipBytes);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("downloadFile", () => {
  it("resumes a partial download with a Range request and checks size and SHA-256", async () => {
    const dir = tempDir();
    const dest = join(dir, "toy.zip");
    writeFileSync(`${dest}.part`, zipBytes.subarray(0, 10));
    const sha = await fileSha256Of(zipBytes);
    const got = await downloadFile(`${base}/toy.zip`, dest, { sha256: sha });
    expect(rangeRequests).toContain("bytes=10-");
    expect(got).toEqual({ bytes: zipBytes.length, sha256: sha });
    expect(readFileSync(dest).equals(zipBytes)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("refuses a checksum mismatch and a failed request", async () => {
    const dir = tempDir();
    await expect(downloadFile(`${base}/toy.zip`, join(dir, "a.zip"), { sha256: "00".repeat(32) })).rejects.toThrow(/does not match the expected/);
    expect(existsSync(join(dir, "a.zip"))).toBe(false);
    await expect(downloadFile(`${base}/missing.zip`, join(dir, "b.zip"))).rejects.toThrow(/answered 404/);
  });
});

describe("extractZip", () => {
  it("refuses entries that escape the target folder", async () => {
    const dir = tempDir();
    // yazl will not write such a name, so write a same-length one and patch it in.
    await makeZip(join(dir, "evil.zip"), { "ok.txt": "x", "zz/zz/evil.txt": "y" });
    const bytes = readFileSync(join(dir, "evil.zip"));
    for (let at = bytes.indexOf("zz/zz/"); at >= 0; at = bytes.indexOf("zz/zz/", at + 1)) bytes.write("../../", at, "latin1");
    writeFileSync(join(dir, "evil.zip"), bytes);
    const target = join(dir, "out");
    mkdirSync(target);
    await expect(extractZip(join(dir, "evil.zip"), target)).rejects.toThrow(/invalid relative path|outside the target folder/);
    expect(existsSync(join(dir, "evil.txt"))).toBe(false);
  });

  it("detects a corrupted entry", async () => {
    const dir = tempDir();
    const bytes = Buffer.from(zipBytes);
    // yazl stores small text uncompressed-or-deflated; flip a byte inside the first entry's data.
    const at = bytes.indexOf(Buffer.from("PK\u0003\u0004")) + 30 + GAME("train").length + 2;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(join(dir, "bad.zip"), bytes);
    await expect(extractZip(join(dir, "bad.zip"), join(dir, "out"))).rejects.toThrow(/corrupt|invalid|error/i);
  });
});

describe("installDataset", () => {
  it("downloads, verifies, installs atomically, and is idempotent", async () => {
    const dir = tempDir();
    const r = await installDataset(SPEC(`${base}/toy.zip`), dir);
    expect(r).toEqual({ dir, alreadyInstalled: false, files: 2 });
    expect(readFileSync(join(dir, GAME("train")), "utf8")).toBe('{"solvable": true}');
    expect(existsSync(join(dir, ".downloads"))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, ".memp-toy.json"), "utf8")).archives[0].bytes).toBe(zipBytes.length);
    expect((await installDataset(SPEC(`${base}/toy.zip`), dir)).alreadyInstalled).toBe(true);
  });

  it("leaves nothing in place when the archive does not hold the dataset", async () => {
    const dir = tempDir();
    const spec = { ...SPEC(`${base}/toy.zip`), verify: () => "no valid_seen games" };
    await expect(installDataset(spec, dir)).rejects.toThrow(/do not hold a complete dataset: no valid_seen games/);
    expect(existsSync(join(dir, "json_2.1.1"))).toBe(false);
  });
});

describe("memp data download", () => {
  it("installs from local archives and says where to point the variable", async () => {
    const work = tempDir();
    const game = (split: string) => GAME(split);
    await makeZip(join(work, "games.zip"), { [game("train")]: "{}", [game("valid_seen")]: "{}", [game("valid_unseen")]: "{}" });
    const dir = join(work, "alf");
    const r = await runCli(["data", "download", "alfworld", "--dir", dir, "--archive", join(work, "games.zip")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`installed alfworld (3 files) in ${dir}; set ALFWORLD_DATA=${dir}\n`);
    const bad = await runCli(["data", "download", "nethack"]);
    expect(bad.code).toBe(2);
  });
});

async function fileSha256Of(bytes: Buffer): Promise<string> {
  const p = join(tempDir(), "x");
  writeFileSync(p, bytes);
  return fileSha256(p);
}
