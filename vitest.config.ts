import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Native faiss and child-process tests are memory-hungry; two workers fit the 2-core machines.
    maxWorkers: 2,
  },
});
