#!/usr/bin/env node
// In a checkout the CLI runs from the TypeScript sources through tsx, so it never runs a stale
// build; an installed package has no sources and runs its built JavaScript.
import { existsSync } from "node:fs";

const source = new URL("../src/cli/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import(new URL("../dist/src/cli/main.js", import.meta.url).href);
}
