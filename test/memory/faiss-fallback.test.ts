import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

describe("faiss fallback", () => {
  it("warns once, loudly, and searches on the exact in-process index when faiss cannot load", () => {
    const script = `
      import { LocalMemoryStore } from ${JSON.stringify(join(__dirname, "../../memory/store/local.ts"))};
      import { axis, makeEntry, vectorsOf } from ${JSON.stringify(join(__dirname, "helpers.ts"))};
      const s = await LocalMemoryStore.open(process.argv[1], { embedder: { id: "e", dimension: 8 }, vectorBackend: "faiss" });
      await s.add([makeEntry("a"), makeEntry("b")], [vectorsOf(axis(8, 0)), vectorsOf(axis(8, 1))]);
      const first = (await s.search("task", axis(8, 1), 1))[0].id;
      await s.update({ ...makeEntry("a"), script: "changed" }, vectorsOf(axis(8, 2)));
      const second = (await s.search("task", axis(8, 2), 1))[0].id;
      console.log(JSON.stringify([first === makeEntry("b").id, second === makeEntry("a").id]));
      await s.close();
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, tempDir()], {
      env: { ...process.env, MEMP_FAISS_MODULE: "faiss-node-that-does-not-exist" },
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual([true, true]);
    const stderr = r.stderr;
    expect(stderr.match(/faiss-node could not be loaded; using the exact in-process vector index instead/g)).toHaveLength(1);
  });
});
