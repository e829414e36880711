import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { registerAblationCommand } from "./ablation.js";
import { registerAlfworldCommands } from "./alfworld.js";
import { registerDataCommands } from "./data.js";
import { kebabFlags, registerExperimentCommands } from "./experiment.js";
import { registerMemoryCommands } from "./memory.js";
import { registerReportCommand } from "./report.js";
import { runProgram } from "./run.js";
import { registerTrajectoriesCommand } from "./trajectories.js";
import { registerTravelPlannerCommands } from "./travelplanner.js";
import { packageInfo } from "../../core/version.js";

/** Builds the `memp` program. Each command group lives in its own module under src/cli/. */
export function buildProgram(): Command {
  const program = new Command("memp")
    .description("Procedural memory for LangChain.js agents (MemP in TypeScript)")
    .version(packageInfo().version)
    .showHelpAfterError("(run with --help for usage)");
  registerMemoryCommands(program);
  registerAlfworldCommands(program);
  registerTravelPlannerCommands(program);
  registerDataCommands(program);
  registerTrajectoriesCommand(program);
  registerExperimentCommands(program);
  registerReportCommand(program);
  registerAblationCommand(program);
  return program;
}

const EXPERIMENT_COMMANDS = new Set(["offline", "online", "ablation"]);

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  // MemP's runners spell their flags in snake_case (--batch_size); both spellings work.
  return runProgram(buildProgram(), EXPERIMENT_COMMANDS.has(argv[0] ?? "") ? kebabFlags(argv) : argv);
}

function invokedDirectly(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url)) || /bin[\\/]memp(\.js)?$/.test(entry);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // `memp ... --json | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
  process.exitCode = await main();
}
