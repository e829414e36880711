/**
 * `memp ablation`: the paper's grid in one command. It plans the cells, prints what they will
 * cost (playing a short pilot first when no earlier run says), asks before spending, plays every
 * cell through the runner (which resumes, so a rerun reuses what finished) and writes the
 * paper-shaped tables and charts.
 */
import { createInterface } from "node:readline";
import { resolve } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { Command, InvalidArgumentError } from "commander";
import { alfworldSuite } from "../../chains/alfworld/suite.js";
import { estimateBudget, memoryIsEmpty, offlineMemoryDir, settleTransfers, type Budget, type BudgetContext } from "../../chains/ablation/budget.js";
import { budgetText, confirmQuestion } from "../../chains/ablation/budget-text.js";
import { noMemoryCell, planCells, type Cell } from "../../chains/ablation/grid.js";
import { writeAblation } from "../../chains/ablation/output.js";
import { runCell, runCells, type AblationDeps } from "../../chains/ablation/run.js";
import { loadGrid, resolveSettings, type AblationSettings } from "../../chains/ablation/settings.js";
import { tableTerminal } from "../../chains/ablation/table-format.js";
import { loadPrices } from "../../chains/prices.js";
import type { RunProgress } from "../../chains/progress.js";
import { AGENT_MODES, type AgentMode, type EpisodeItem, type ExperimentSuite } from "../../chains/suite.js";
import { travelPlannerSuite } from "../../chains/travelplanner/suite.js";
import { GRAMMAR_VERSIONS } from "../../environments/alfworld/game.js";
import { InputError } from "../../core/errors.js";
import { createChatModel, createEmbeddings, EMBEDDINGS_HELP } from "../models.js";
import { displayPath } from "../../chains/report/view.js";
import { packageInfo } from "../../core/version.js";
import { abortOnInterrupt, EXIT_INTERRUPTED } from "./run.js";
import { EPISODES_STOPPING } from "./experiment.js";
import { EXIT_BAD_INPUT, EXIT_USAGE, ExitStatus, UsageError, nonNegativeInt, oneOf, positiveInt } from "./run.js";

const ENVS = ["alfworld", "travelplanner"] as const;
/** The name results are filed under when no model plays (as `memp offline --agent replay`). */
const REPLAY_MODEL = "replay";
const PILOT_EPISODES = 2;

interface AblationOptions {
  env: (typeof ENVS)[number];
  model?: string;
  models?: string[];
  splits?: string[];
  grid?: string;
  limit?: number;
  resultsDir: string;
  out: string;
  yes?: boolean;
  agent: AgentMode;
  batchSize?: number;
  maxSteps?: number;
  memorySize?: number;
  seed?: number;
  embeddings: string;
  prices?: string;
  rpm?: number;
  timeout: number;
  grammar: string;
}

function list(name: string) {
  return (raw: string): string[] => {
    const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`${name} expects a comma-separated list, got "${raw}"`);
    if (new Set(items).size !== items.length) throw new InvalidArgumentError(`${name} names an item twice: "${raw}"`);
    return items;
  };
}

function suiteFor(env: AblationOptions["env"]): ExperimentSuite {
  return env === "alfworld" ? alfworldSuite() : (travelPlannerSuite() as unknown as ExperimentSuite);
}

/** The models to run, the first being the one whose memory the others are given in transfer cells. */
function modelNames(opts: AblationOptions): string[] {
  const replay = opts.agent === "replay";
  if (replay && opts.env !== "alfworld") throw new UsageError("--agent replay plays ALFWorld only");
  if (opts.model && opts.models) throw new UsageError("give --model NAME or --models A,B, not both");
  if (replay && opts.models) throw new UsageError("--models compares chat models; --agent replay plays without one (use --model to name one for the memory builds)");
  const names = opts.models ?? (opts.model ? [opts.model] : replay ? [REPLAY_MODEL] : undefined);
  if (!names) throw new UsageError("--model NAME (or --models A,B) is required (only --agent replay plays without a model)");
  return names;
}

function ask(question: string): Promise<boolean> {
  return new Promise((done) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    // Ctrl-C at the question is a no, not a hang.
    rl.on("SIGINT", () => {
      rl.close();
      process.stderr.write("\n");
      done(false);
    });
    rl.question(question, (answer) => {
      rl.close();
      done(/^\s*y(es)?\s*$/i.test(answer));
    });
  });
}

/** The pilot: the first cell of the model that plays without building a memory first (offline, since an online run's batches must not change size). */
function pilotCell(budget: Budget, settings: AblationSettings, model: string): Cell {
  const fits = budget.cells.find((b) => {
    if (b.cell.model !== model || b.status !== "run" || b.cell.config.mode !== "offline") return false;
    const memory = offlineMemoryDir(b.cell, settings);
    return memory === undefined || b.cell.config.build === "trajectory" || !memoryIsEmpty(memory);
  });
  return fits?.cell ?? noMemoryCell(settings, model, settings.splits[0]!);
}

async function ablationCommand(opts: AblationOptions): Promise<void> {
  const names = modelNames(opts);
  const grid = opts.grid ? loadGrid(opts.grid) : undefined;
  const hasModel = opts.agent !== "replay" || opts.model !== undefined;
  const settings = resolveSettings(
    { env: opts.env, models: names, hasModel, agent: opts.agent, resultsDir: opts.resultsDir, grammar: opts.env === "alfworld" ? opts.grammar : undefined, embeddings: opts.embeddings },
    { splits: opts.splits, limit: opts.limit, batchSize: opts.batchSize, maxSteps: opts.maxSteps, memorySize: opts.memorySize, seed: opts.seed },
    grid,
  );
  const suite = suiteFor(opts.env);
  const prices = loadPrices(opts.prices);
  // Every split is listed before anything runs, so a bad split fails first, not halfway through the grid.
  const items = new Map<string, readonly EpisodeItem[]>();
  for (const split of settings.splits) items.set(split, await suite.items(split));
  const ctx: BudgetContext = { settings, prices, items, trainCount: (await suite.items("train")).length };
  const cells = planCells(settings);
  settleTransfers(cells, settings);

  let progress: RunProgress | undefined;
  const models = new Map<string, BaseChatModel | undefined>(
    names.map((n) => [n, hasModel ? createChatModel(n, { timeoutMs: opts.timeout * 1000, rpm: opts.rpm, onEvent: (e) => progress?.status(e.message) }) : undefined]),
  );
  const controller = new AbortController();
  const log = (line: string) => process.stderr.write(line + "\n");
  const deps: AblationDeps = {
    suite,
    models,
    embeddings: await createEmbeddings(opts.embeddings),
    prices,
    signal: controller.signal,
    log,
    onProgress: (p) => (progress = p),
    versions: { package: packageInfo() },
  };
  const tty = process.stdin.isTTY === true;

  let budget = estimateBudget(cells, ctx);
  const stopListening = abortOnInterrupt(controller, EPISODES_STOPPING);
  try {
    if (budget.needsPilot.length > 0) {
      const pilots = budget.needsPilot.map((m) => pilotCell(budget, settings, m));
      const what = pilots.map((c) => `${c.model} ${c.split} ${c.exp}`).join(", ");
      if (!opts.yes) {
        process.stderr.write(budgetText(budget));
        if (!tty) throw new UsageError(`no earlier run of ${budget.needsPilot.join(", ")} to estimate the cost from: rerun with --yes to play a ${PILOT_EPISODES}-episode pilot (${what}) and then the grid, or on a terminal to be asked`);
        if (!(await ask(`no earlier run of ${budget.needsPilot.join(", ")} to estimate the cost from: play a ${PILOT_EPISODES}-episode pilot (${what}) first? [y/N] `))) throw notConfirmed();
      }
      for (const cell of pilots) {
        log(`pilot: ${PILOT_EPISODES} episodes of ${cell.model} ${cell.split} ${cell.exp} to measure calls and tokens per episode (the full run reuses them)`);
        const outcome = await runCell(cell, deps, Math.min(PILOT_EPISODES, cell.config.limit ?? PILOT_EPISODES));
        if (outcome.interrupted) throw interrupted();
        if (outcome.summary.finished === 0) throw new InputError(`the pilot finished no episode (first error: ${outcome.firstError ?? "unknown"}); nothing else was run`);
      }
      budget = estimateBudget(cells, ctx);
    }
    process.stderr.write(budgetText(budget));

    const spends = hasModel && (budget.total.episodes > 0 || budget.builds.length > 0);
    if (spends && !opts.yes) {
      if (!tty) throw new UsageError(`not confirmed: ${confirmQuestion(budget).replace(/\? \[y\/N\] $/, "")}; rerun with --yes, or on a terminal to be asked`);
      if (!(await ask(confirmQuestion(budget)))) throw notConfirmed();
    }

    const { results, interrupted: stopped } = await runCells(budget.cells, settings, deps);
    if (stopped) throw interrupted();
    const files = await writeAblation({ settings, results, outDir: resolve(opts.out) });
    for (const t of files.tables.slice(0, 2)) process.stdout.write(`${t.title}\n${tableTerminal(t)}\n`);
    process.stdout.write(`wrote ${displayPath(files.markdown)}, ${files.csv.length} CSV files and ${files.charts.length} charts (SVG and PNG)\n`);
    const failed = results.filter((r) => r.status === "failed");
    if (failed.length > 0) {
      process.stderr.write(`${failed.length} cell(s) failed (see above and the Notes of ${displayPath(files.markdown)}); run the same command again to retry them\n`);
      throw new ExitStatus(EXIT_BAD_INPUT);
    }
  } finally {
    stopListening();
  }
}

function notConfirmed(): ExitStatus {
  process.stderr.write("not confirmed: nothing more was run\n");
  return new ExitStatus(EXIT_USAGE);
}

function interrupted(): ExitStatus {
  process.stderr.write("interrupted: finished episodes and cells are kept; run the same command again to resume (finished cells are reused)\n");
  return new ExitStatus(EXIT_INTERRUPTED);
}

export function registerAblationCommand(program: Command): void {
  program
    .command("ablation")
    .description("run the paper's grid (build, retrieve, update policies, k, strong-to-weak transfer) and write Table 1/2-shaped tables and charts")
    .requiredOption("--env <env>", "alfworld | travelplanner", oneOf("--env", ENVS))
    .option("--model <name>", "chat model on the OpenAI-compatible endpoint (not needed with --agent replay)")
    .option("--models <list>", "A,B: run the grid for each model, and give the later ones the memory the first built (strong to weak transfer)", list("--models"))
    .option("--splits <list>", "splits to run (default: alfworld dev,test; travelplanner validation)", list("--splits"))
    .option("--grid <file>", "JSON file selecting and overriding cells: {build, retrieve, update, k, transfer, memory, topK, splits, limit, batchSize, maxSteps, memorySize, seed}")
    .option("--limit <n>", "run only the first N episodes of each split", positiveInt("--limit"))
    .option("--results-dir <dir>", "where run folders go (a cell is RESULTS/<env>/<model>/<split>_abl-..._few_shot_False_memory_...)", "results")
    .option("--out <dir>", "folder for ablation.md, the CSV files and the charts", "ablation")
    .option("--yes", "run without asking (the budget is still printed)")
    .option("--agent <mode>", "react | tools | replay (model-free, ALFWorld: cells that need a model are skipped)", oneOf("--agent", AGENT_MODES), "react" as AgentMode)
    .option("--batch-size <n>", "episodes run at once (online: the update batch); default 4", positiveInt("--batch-size"))
    .option("--max-steps <n>", "step limit of an episode; default 30", positiveInt("--max-steps"))
    .option("--memory-size <n>", "demonstrations an offline memory is built from, at most; default 300", positiveInt("--memory-size"))
    .option("--seed <n>", "seed; default 0", nonNegativeInt("--seed"))
    .option("--embeddings <spec>", EMBEDDINGS_HELP, "local")
    .option("--prices <file>", "JSON price table {model: {input, output}} in dollars per 1M tokens, over the built-in one")
    .option("--rpm <n>", "cap on model requests per minute", positiveInt("--rpm"))
    .option("--timeout <seconds>", "limit of one model request attempt", positiveInt("--timeout"), 120)
    .option("--grammar <version>", "ALFWorld command grammar", oneOf("--grammar", GRAMMAR_VERSIONS), "2.1.2")
    .action((opts: AblationOptions) => ablationCommand(opts));
}
