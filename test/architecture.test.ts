/**
 * The one-way dependencies between the project's folders (.dependency-cruiser.cjs): core knows
 * nothing of the rest; memory and environments know core only; chains is the only folder that
 * knows both; nothing imports the CLI.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./memory/helpers.js";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..");
const cruise = (cwd: string, folders: string[]) =>
  spawnSync(process.execPath, [join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs"), "--config", ".dependency-cruiser.cjs", ...folders], { cwd, encoding: "utf8" });

describe("the folders' dependencies", () => {
  it("go one way only", () => {
    const r = cruise(root, ["core", "memory", "environments", "chains", "testing", "src"]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no dependency violations found/);
  });

  it("the check catches memory importing an environment, core importing memory, and a CLI import", () => {
    const dir = tempDir("memp-deps-");
    copyFileSync(join(root, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }));
    const files: Record<string, string> = {
      "environments/game.ts": "export const game = 1;\n",
      "memory/bank.ts": 'import { game } from "../environments/game.js";\nexport const bank = game;\n',
      "core/errors.ts": 'import { bank } from "../memory/bank.js";\nexport const e = bank;\n',
      "src/cli/main.ts": "export const cli = 1;\n",
      "chains/run.ts": 'import { cli } from "../src/cli/main.js";\nexport const run = cli;\n',
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, ".."), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const r = cruise(dir, ["core", "memory", "environments", "chains", "src"]);
    expect(r.status).not.toBe(0);
    for (const rule of ["memory-imports-only-core", "core-imports-only-itself", "nothing-imports-the-cli", "chains-imports-only-core-memory-environments"]) expect(r.stdout).toContain(rule);
  });
});
