#!/usr/bin/env node
// The CLI runs from TypeScript source through tsx, so an installed copy never runs stale builds.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
