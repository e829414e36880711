/**
 * The experiment runner as a library call: `runExperiment` plays 3 ALFWorld dev games with the
 * model-free replay agent (it replays the best-matching memory entry, so no model and no network)
 * with a trajectory memory built from the expert's train runs, writes a results folder, and the
 * report functions read it back. Needs ALFWORLD_DATA.
 *
 *   ALFWORLD_DATA=/path/to/alfworld npx tsx examples/runner.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alfworldSuite, createEmbeddings, DEFAULT_PRICES, loadRuns, runExperiment, runViews, runsTable, toMarkdown } from "memp-langchain";

const resultsDir = mkdtempSync(join(tmpdir(), "memp-runner-"));
const outcome = await runExperiment(
  {
    mode: "offline",
    env: "alfworld",
    model: "replay",
    agent: "replay",
    split: "dev",
    limit: 3,
    batchSize: 3,
    maxSteps: 30,
    expName: "example",
    fewShot: false,
    useMemory: true,
    build: "trajectory",
    retrieve: "query",
    topK: 1,
    memorySize: 50,
    seed: 0,
    resultsDir,
    overwrite: true,
    embeddings: "local",
  },
  { suite: alfworldSuite(), embeddings: await createEmbeddings("local"), prices: DEFAULT_PRICES, progress: false },
);
const s = outcome.summary;
console.log(`${s.finished}/${s.episodes} episodes finished: success ${(100 * s.success.rate).toFixed(1)}%, ${s.meanSteps.toFixed(1)} steps`);
console.log(`results: ${outcome.runDir}`);
console.log(toMarkdown(runsTable(runViews(loadRuns([resultsDir])))));
rmSync(resultsDir, { recursive: true, force: true });
