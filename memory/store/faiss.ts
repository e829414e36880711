import { createRequire } from "node:module";
import { env } from "../../core/config.js";

/** The subset of faiss-node the memory uses. */
export interface FaissFlatIndex {
  ntotal(): number;
  search(x: number[], k: number): { distances: number[]; labels: number[] };
}
interface FaissModule {
  IndexFlatIP: { fromBuffer(buf: Buffer): FaissFlatIndex };
}

let cached: FaissModule | null | undefined;
let warned = false;

/**
 * Loads faiss-node once. When the native addon is missing (no prebuilt binary and no system faiss
 * to build against) the memory keeps working on its exact in-process index, and says so once,
 * loudly, on stderr.
 */
export function loadFaiss(): FaissModule | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    // MEMP_FAISS_MODULE names another build of the binding (or, in tests, a missing one).
    cached = require(env("MEMP_FAISS_MODULE") ?? "faiss-node") as FaissModule;
  } catch (err) {
    cached = null;
    if (!warned) {
      warned = true;
      process.stderr.write(
        "\n*** memp: faiss-node could not be loaded; using the exact in-process vector index instead. ***\n" +
          `*** cause: ${(err as Error).message.split("\n")[0]} ***\n` +
          "*** to enable faiss: apt-get install -y libfaiss-dev libopenblas-dev && node node_modules/memp-langchain/scripts/build-faiss-node.mjs (or npm rebuild) ***\n\n",
      );
    }
  }
  return cached;
}
