import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: { name: string; version: string } | undefined;

/**
 * The package's name and version, read from its package.json: found by walking up from this
 * module, since it runs from the sources (`src/`) in a checkout and from `dist/src/` when installed.
 */
export function packageInfo(): { name: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "memp-langchain" && pkg.version) return (cached = { name: pkg.name, version: pkg.version });
    }
    const up = dirname(dir);
    if (up === dir) return (cached = { name: "memp-langchain", version: "0.0.0" });
    dir = up;
  }
}
