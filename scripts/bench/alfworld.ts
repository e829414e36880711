/**
 * ALFWorld engine benchmark: prints each figure next to its target (issue 5).
 *   ALFWORLD_DATA=../shared/data/alfworld npx tsx scripts/bench/alfworld.ts
 * Figures: load + reset of one game (median), loading all dev + test games, steps per second
 * including admissible commands over expert runs, heap per loaded game.
 */
import { alfworldDataDir } from "../../core/config.js";
import { AlfworldEngine } from "../../environments/alfworld/engine.js";
import { AlfworldExpert } from "../../environments/alfworld/expert.js";
import { loadGameFile } from "../../environments/alfworld/game.js";
import { listGames } from "../../environments/alfworld/splits.js";

const root = alfworldDataDir();
const games = [...listGames("dev", root), ...listGames("test", root)];
const report = (name: string, value: string, target: string, ok: boolean) =>
  console.log(`${ok ? "PASS" : "FAIL"}  ${name.padEnd(44)} ${value.padStart(14)}   target ${target}`);

// Warm up the JIT on a handful of games so the figures describe steady state.
for (const g of games.slice(0, 20)) new AlfworldEngine(loadGameFile(g.gamefile)).reset();

// 1. Load + reset of one game, from the file on disk, median over all dev + test games.
const times: number[] = [];
for (const g of games) {
  const t0 = performance.now();
  new AlfworldEngine(loadGameFile(g.gamefile)).reset();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
report("load + reset, one game (median ms)", median.toFixed(2), "<= 5 ms", median <= 5);
report("load + reset, one game (p95 ms)", times[Math.floor(times.length * 0.95)]!.toFixed(2), "(info)", true);

// 2. Loading all dev + test games.
let loadAll = Infinity;
let loaded: ReturnType<typeof loadGameFile>[] = [];
for (let round = 0; round < 3; round++) {
  const t1 = performance.now();
  loaded = games.map((g) => loadGameFile(g.gamefile));
  loadAll = Math.min(loadAll, performance.now() - t1);
}
report(`load all ${games.length} dev + test games (best of 3, ms)`, loadAll.toFixed(0), "<= 2000 ms", loadAll <= 2000);

// 3. Steps per second including admissible commands, over expert runs (expert time excluded).
const traces = loaded.map((game) => {
  const engine = new AlfworldEngine(game);
  const expert = new AlfworldExpert({ seed: 0 });
  let { observation, info } = engine.reset();
  expert.reset(observation);
  const actions: string[] = [];
  while (!engine.done) {
    const a = expert.act(observation, info.admissibleCommands).action;
    actions.push(a);
    ({ observation, info } = engine.step(a));
  }
  return { game, actions };
});
// Each step call is timed on its own (reset is not a step); best of 5 rounds, as other
// processes share the machine.
let best = 0;
for (let round = 0; round < 5; round++) {
  let steps = 0;
  let elapsed = 0;
  for (const { game, actions } of traces) {
    const engine = new AlfworldEngine(game);
    engine.reset();
    for (const a of actions) {
      const t = performance.now();
      engine.step(a);
      elapsed += performance.now() - t;
      steps++;
    }
  }
  best = Math.max(best, steps / (elapsed / 1000));
}
report("step incl. admissible commands (steps/s)", Math.round(best).toLocaleString("en-US"), ">= 20,000", best >= 20_000);

// 4. Heap per loaded game: retained heap of N freshly parsed games, after GC.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  const sample = games.slice(0, 100);
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = sample.map((g) => {
    const engine = new AlfworldEngine(loadGameFile(g.gamefile));
    engine.reset();
    return engine;
  });
  gc();
  const perGame = (process.memoryUsage().heapUsed - before) / kept.length / 1024 / 1024;
  report("heap per loaded game, after reset (MB)", perGame.toFixed(3), "<= 2 MB", perGame <= 2);
} else {
  console.log("SKIP  heap per loaded game: run with node --expose-gc (npx tsx --expose-gc ...)");
}
