/**
 * `memp offline` and `memp online` (also `npm run offline|online`): MemP's experiment runners,
 * with MemP's snake_case flags accepted beside the kebab-case ones.
 */
import { Command, Option } from "commander";
import { alfworldSuite } from "../../chains/alfworld/suite.js";
import { runExperiment, type ExperimentConfig, type ExperimentMode } from "../../chains/experiment.js";
import { loadPrices } from "../../chains/prices.js";
import type { RunProgress } from "../../chains/progress.js";
import { AGENT_MODES, type AgentMode, type ExperimentSuite } from "../../chains/suite.js";
import { travelPlannerSuite } from "../../chains/travelplanner/suite.js";
import { DEFAULT_K } from "../../memory/retrieve/options.js";
import { getRetrievePolicy, retrievePolicyNames } from "../../memory/retrieve/policies.js";
import type { RetrievePolicyName } from "../../memory/retrieve/types.js";
import { buildPolicyNames, getBuildPolicy } from "../../memory/build/policies.js";
import type { BuildKind } from "../../memory/types.js";
import { getUpdatePolicy, updatePolicyNames } from "../../memory/update/policies.js";
import type { UpdatePolicyName } from "../../memory/update/types.js";
import { GRAMMAR_VERSIONS } from "../../environments/alfworld/game.js";
import { createChatModel, createEmbeddings, EMBEDDINGS_HELP } from "../models.js";
import { packageInfo } from "../../core/version.js";
import { abortOnInterrupt, EXIT_BAD_INPUT, EXIT_INTERRUPTED, ExitStatus, UsageError, memoryDirOption, memoryLocation, memoryOption, oneOf, policyName, positiveInt, nonNegativeInt, printJson } from "./run.js";

const ENVS = ["alfworld", "travelplanner"] as const;

/** Rewrites MemP's `--batch_size 4` / `--batch_size=4` to `--batch-size`; values are left alone. */
export function kebabFlags(argv: readonly string[]): string[] {
  return argv.map((a) => (/^--[a-z]+(_[a-z0-9]+)+(=|$)/.test(a) ? a.replace(/^--[^=]+/, (flag) => flag.replace(/_/g, "-")) : a));
}

interface CliOptions {
  env: (typeof ENVS)[number];
  model?: string;
  split?: string;
  batchSize: number;
  maxSteps: number;
  expName: string;
  fewShot?: boolean;
  useMemory?: boolean;
  memory?: string;
  memoryDir?: string;
  build?: BuildKind;
  retrieve: RetrievePolicyName;
  topK: number;
  memorySize: number;
  limit?: number;
  seed: number;
  resultsDir: string;
  agent: AgentMode;
  grammar: string;
  rpm?: number;
  overwrite?: boolean;
  embeddings: string;
  timeout: number;
  prices?: string;
  update?: UpdatePolicyName;
  maxEntries?: number;
  json?: boolean;
}

function addExperimentOptions(cmd: Command, mode: ExperimentMode): Command {
  cmd
    .requiredOption("--env <env>", "alfworld | travelplanner", oneOf("--env", ENVS))
    .option("--model <name>", "chat model on the OpenAI-compatible endpoint (OPENAI_BASE_URL); not needed with --agent replay")
    .option("--split <split>", "alfworld: dev (valid_seen) | test (valid_unseen) | train; travelplanner: train | validation (default: dev / validation)")
    .option("--batch-size <n>", "episodes run at once (online: the update batch)", positiveInt("--batch-size"), 4)
    .option("--max-steps <n>", "step limit of an episode", positiveInt("--max-steps"), 30)
    .option("--exp-name <name>", "experiment name (part of the results folder)", "memp")
    .option("--few-shot", "show a solved train game of the same task type first (ALFWorld)")
    .addOption(memoryOption("the memory (default: offline RESULTS/<env>/<model>/memory_<build>, online the run's own folder)"))
    .addOption(memoryDirOption())
    .option("--build <kind>", `how entries are built: ${buildPolicyNames().join("|")} (default proceduralization; trajectory with --agent replay)`, policyName("--build", getBuildPolicy))
    .option("--retrieve <policy>", `retrieval policy: ${retrievePolicyNames().join("|")}`, policyName("--retrieve", getRetrievePolicy), "query" as RetrievePolicyName)
    .option("--top-k <k>", "entries retrieved per task", positiveInt("--top-k"), DEFAULT_K)
    .option("--memory-size <n>", "demonstrations an empty offline memory is built from, at most", positiveInt("--memory-size"), 300)
    .option("--limit <n>", "run only the first N episodes of the split", positiveInt("--limit"))
    .option("--seed <n>", "seed (demonstrations, random retrieval)", nonNegativeInt("--seed"), 0)
    .option("--results-dir <dir>", "where run folders go", "results")
    .option("--agent <mode>", "react (MemP's text format) | tools (createAgent with a tool-calling model) | replay (model-free: replays retrieved runs, ALFWorld)", oneOf("--agent", AGENT_MODES), "react" as AgentMode)
    .option("--grammar <version>", "ALFWorld command grammar: 2.1.2 (move X to Y) | 2.1.1 (put X in/on Y)", oneOf("--grammar", GRAMMAR_VERSIONS), "2.1.2")
    .option("--rpm <n>", "cap on model requests per minute", positiveInt("--rpm"))
    .option("--timeout <seconds>", "limit of one model request attempt", positiveInt("--timeout"), 120)
    .option("--embeddings <spec>", EMBEDDINGS_HELP, "local")
    .option("--prices <file>", "JSON price table {model: {input, output}} in dollars per 1M tokens, over the built-in one")
    .option("--overwrite", "delete this run's earlier results and start again")
    .option("--json", "print the summary as JSON");
  if (mode === "offline") cmd.option("--use-memory", "retrieve guidelines from the procedural memory");
  else {
    cmd
      .addOption(new Option("--use-memory", "accepted for MemP compatibility: online runs always use the memory").hideHelp())
      .option("--update <policy>", `update policy after each batch: ${updatePolicyNames().join("|")} (default adjustment; validation with --agent replay)`, policyName("--update", getUpdatePolicy))
      .option("--max-entries <n>", "cap on live memory entries (the least useful are retired first)", positiveInt("--max-entries"));
  }
  return cmd;
}

function suiteFor(env: CliOptions["env"]): ExperimentSuite {
  return env === "alfworld" ? alfworldSuite() : (travelPlannerSuite() as unknown as ExperimentSuite);
}

/** What the runners say on the first Ctrl-C. */
export const EPISODES_STOPPING = "\nstopping: running episodes are cancelled, finished ones are kept (Ctrl-C again to quit at once)\n";

/** The name results are filed under when no model plays. */
const REPLAY_MODEL = "replay";

async function runCommand(mode: ExperimentMode, opts: CliOptions): Promise<void> {
  const replay = opts.agent === "replay";
  if (!opts.model && !replay) throw new UsageError("--model NAME is required (only --agent replay plays without a model)");
  const split = opts.split ?? (opts.env === "alfworld" ? "dev" : "validation");
  const config: ExperimentConfig = {
    mode,
    env: opts.env,
    model: opts.model ?? REPLAY_MODEL,
    split,
    batchSize: opts.batchSize,
    maxSteps: opts.maxSteps,
    expName: opts.expName,
    fewShot: opts.fewShot === true,
    useMemory: mode === "online" || opts.useMemory === true,
    memory: memoryLocation(opts, false),
    build: opts.build ?? (replay ? "trajectory" : "proceduralization"),
    retrieve: opts.retrieve,
    topK: opts.topK,
    memorySize: opts.memorySize,
    limit: opts.limit,
    seed: opts.seed,
    resultsDir: opts.resultsDir,
    agent: opts.agent,
    grammar: opts.env === "alfworld" ? opts.grammar : undefined,
    overwrite: opts.overwrite === true,
    ...(mode === "online" ? { update: opts.update ?? (replay ? "validation" : "adjustment"), maxEntries: opts.maxEntries } : {}),
    embeddings: opts.embeddings,
  };
  const prices = loadPrices(opts.prices);
  const suite = suiteFor(opts.env);
  let progress: RunProgress | undefined;
  const model = opts.model ? createChatModel(opts.model, { timeoutMs: opts.timeout * 1000, rpm: opts.rpm, onEvent: (e) => progress?.status(e.message) }) : undefined;
  const embeddings = await createEmbeddings(opts.embeddings);
  const controller = new AbortController();
  const stopListening = abortOnInterrupt(controller, EPISODES_STOPPING);
  try {
    const outcome = await runExperiment(config, {
      suite,
      model,
      embeddings,
      prices,
      signal: controller.signal,
      log: (line) => process.stderr.write(line + "\n"),
      onProgress: (p) => (progress = p),
      versions: { package: packageInfo() },
    });
    const s = outcome.summary;
    if (opts.json) printJson({ runDir: outcome.runDir, ...s });
    else {
      const cost = replay ? " (no model)" : s.cost ? `, $${s.cost.total.toFixed(4)} (${s.cost.perEpisode.toFixed(4)} per episode)` : " (no price known for this model: tokens only)";
      process.stdout.write(
        `${s.finished}/${s.episodes} episodes finished${s.errors ? `, ${s.errors} model errors` : ""}: success ${(100 * s.success.rate).toFixed(1)}%, ` +
          `${s.meanSteps.toFixed(1)} steps, ${Math.round(s.tokens.perEpisode.input)} + ${Math.round(s.tokens.perEpisode.output)} tokens per episode${cost}\n` +
          `results: ${outcome.runDir}\n`,
      );
    }
    if (outcome.interrupted) {
      process.stderr.write(`interrupted: ${s.finished} finished episodes are kept in ${outcome.runDir}; run the same command again to resume\n`);
      throw new ExitStatus(EXIT_INTERRUPTED);
    } else if (s.finished === 0) {
      process.stderr.write(`memp: no episode finished: ${s.errors} ended in model errors (first: ${outcome.firstError ?? "unknown"})\n`);
      throw new ExitStatus(EXIT_BAD_INPUT);
    } else if (s.errors > 0) {
      process.stderr.write(`${s.errors} episodes ended in model errors (first: ${outcome.firstError ?? "unknown"}); run the same command again to retry them\n`);
    }
  } finally {
    stopListening();
  }
}

export function registerExperimentCommands(program: Command): void {
  addExperimentOptions(program.command("offline").description("run an agent on a split with or without a frozen procedural memory (MemP's run_memp_offline)"), "offline").action(
    (opts: CliOptions) => runCommand("offline", opts),
  );
  addExperimentOptions(program.command("online").description("run an agent that updates its procedural memory after every batch (MemP's run_memp_online)"), "online").action(
    (opts: CliOptions) => runCommand("online", opts),
  );
}

