import type { Command } from "commander";
import { parseAction, TravelPlannerSandbox, type ToolCallResult } from "../../environments/travelplanner/actions.js";
import { TravelPlannerDatabase } from "../../environments/travelplanner/database.js";
import { evaluatePlans, type PlanVerdict, SPLITS, type EvaluationReport, type Scores, type Split } from "../../environments/travelplanner/evaluator/evaluate.js";
import { LlmPlanner } from "../../environments/travelplanner/planner.js";
import { alignPlans, malformedPlans, planShapeProblem, readPlanFile } from "../../environments/travelplanner/plans.js";
import { truthy } from "../../environments/travelplanner/evaluator/python.js";
import { loadQueries } from "../../environments/travelplanner/queries.js";
import { travelPlannerDataDir } from "../../core/config.js";
import { createChatModel } from "../models.js";
import { warnOnStderr } from "../../core/util/validate.js";
import { EXIT_BAD_INPUT, ExitStatus, nonEmptyPath, oneOf, printJson, UsageError } from "./run.js";

interface ToolOptions {
  json?: boolean;
  data?: string;
  model?: string;
}

interface EvalOptions {
  queries: string;
  plans: string;
  split?: Split;
  json?: boolean;
  data?: string;
}

/** Adds `memp travelplanner tool` and `memp travelplanner eval`. */
export function registerTravelPlannerCommands(program: Command): void {
  const tp = program.command("travelplanner").description("The TravelPlanner sandbox: run its tools, score plans with the official checks");

  tp.command("tool")
    .description("Run tool actions (e.g. \"FlightSearch[Dallas, Denver, 2022-03-05]\") in one sandbox session and print the official observations")
    .argument("<actions...>", "one or more ACTION[args] strings, run in order (NotebookWrite stores the previous result)")
    .option("--json", "print {action, type, arg, state, observation} (an array for several actions)")
    .option("--data <dir>", "TravelPlanner data folder (default: $TRAVELPLANNER_DATA)", nonEmptyPath("--data"))
    .option("--model <name>", "chat model for Planner[...] actions (OpenAI-compatible, see OPENAI_BASE_URL)")
    .action(async (actions: string[], opts: ToolOptions) => {
      const db = await TravelPlannerDatabase.load(opts.data ?? travelPlannerDataDir());
      const sandbox = new TravelPlannerSandbox(db);
      const results: (ToolCallResult & { action: string })[] = [];
      for (const action of actions) {
        const parsed = parseAction(action);
        if (parsed?.type === "Planner") {
          if (!opts.model) throw new UsageError("Planner[...] needs --model <name>");
          const planner = new LlmPlanner({ model: createChatModel(opts.model, { temperature: 0, maxTokens: 4096 }) });
          const observation = await planner.plan(sandbox.notebook.toPlannerText(), parsed.arg);
          results.push({ action, type: "Planner", arg: parsed.arg, observation, state: "Successful", masked: false });
          continue;
        }
        results.push({ action, ...sandbox.call(action) });
      }
      if (opts.json) {
        const shaped = results.map((r) => ({ action: r.action, type: r.type, arg: r.arg, state: r.state, observation: r.observation }));
        printJson(shaped.length === 1 ? shaped[0] : shaped);
        return;
      }
      process.stdout.write(results.map((r) => r.observation).join("\n\n") + "\n");
    });

  tp.command("eval")
    .description("Score plans with the official commonsense and hard constraints")
    .requiredOption("--queries <file>", "queries: the official CSV or JSONL with the same fields", nonEmptyPath("--queries"))
    .requiredOption("--plans <file>", "plans JSONL: {idx?, plan} per line, the official submission {idx, query, plan}, or bare lists of days", nonEmptyPath("--plans"))
    .option("--split <split>", "use the official denominators of train | validation | test", oneOf("--split", SPLITS))
    .option("--json", "print {aggregate, per_plan} as JSON")
    .option("--data <dir>", "TravelPlanner data folder (default: $TRAVELPLANNER_DATA)", nonEmptyPath("--data"))
    .action(async (opts: EvalOptions) => {
      const queries = loadQueries(opts.queries);
      const records = readPlanFile(opts.plans);
      const plans = alignPlans(queries, records, opts.plans);
      const db = await TravelPlannerDatabase.load(opts.data ?? travelPlannerDataDir());
      // Scores stay the official ones; the warnings only say why a delivered plan fails its checks.
      for (const m of malformedPlans(queries, records)) {
        warnOnStderr(`${opts.plans}:${m.line} (query ${m.idx}): ${m.problem}; it counts as delivered, as in the official evaluation, and fails the checks that cannot read it`);
      }
      const report = evaluatePlans(db, queries, plans, opts.split);
      if (opts.json) printJson({ aggregate: report.aggregate, per_plan: report.per_plan });
      else process.stdout.write(renderReport(report));
      const checkable = plans.filter((p) => truthy(p) && planShapeProblem(p) === undefined).length;
      if (checkable === 0) {
        const delivered = plans.filter((p) => truthy(p)).length;
        const why = delivered === 0
          ? `none of the ${queries.length} queries has a delivered plan in ${opts.plans}`
          : `the ${delivered} delivered ${delivered === 1 ? "plan" : "plans"} in ${opts.plans} ${delivered === 1 ? "is not a list" : "are not lists"} of day objects`;
        process.stderr.write(`memp: nothing was scored: ${why}\n`);
        throw new ExitStatus(EXIT_BAD_INPUT);
      }
    });
}

const SCORE_LABELS: [keyof Scores, string][] = [
  ["delivery_rate", "Delivery Rate"],
  ["commonsense_micro", "Commonsense Constraint Micro Pass Rate"],
  ["commonsense_macro", "Commonsense Constraint Macro Pass Rate"],
  ["hard_micro", "Hard Constraint Micro Pass Rate"],
  ["hard_macro", "Hard Constraint Macro Pass Rate"],
  ["final_pass_rate", "Final Pass Rate"],
];

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function renderReport(report: EvaluationReport): string {
  const lines = SCORE_LABELS.map(([k, label]) => `${label.padEnd(40)} ${percent(report.aggregate[k]).padStart(8)}`);
  lines.push("", "level   days  plans  delivery  cs-micro  cs-macro  hard-micro  hard-macro  final");
  for (const g of report.groups) {
    lines.push(
      `${g.level.padEnd(7)} ${String(g.days).padStart(4)}  ${String(g.count).padStart(5)}  ${percent(g.delivery_rate).padStart(8)}  ${percent(g.commonsense_micro).padStart(8)}  ${percent(g.commonsense_macro).padStart(8)}  ${percent(g.hard_micro).padStart(10)}  ${percent(g.hard_macro).padStart(10)}  ${percent(g.final_pass_rate).padStart(7)}`,
    );
  }
  const failing = report.per_plan.map((v) => ({ idx: v.idx, failed: failedChecks(v) })).filter((p) => p.failed.length > 0);
  if (failing.length > 0) {
    lines.push("", "checks failed, per plan (query idx: check (reason); ...):");
    for (const p of failing) lines.push(`${String(p.idx).padStart(4)}: ${p.failed.join("; ")}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * The checks a plan failed, with the evaluator's reason when it gave one. An undelivered plan
 * says so once instead of listing every check; the hard box is only read when it was run.
 */
function failedChecks(v: PlanVerdict): string[] {
  const commonsense = Object.entries(v.commonsense);
  if (commonsense.every(([, [ok]]) => ok === null)) return ["no plan delivered"];
  const boxes = [...commonsense, ...Object.entries(v.hard ?? {})];
  return boxes.filter(([, [ok]]) => ok === false).map(([name, [, reason]]) => (reason ? `${name} (${reason})` : name));
}
