// A stand-alone `memp` with only the ALFWorld commands, so the CLI can be exercised before the
// lead wires registerAlfworldCommands into src/cli/main.ts. Used by cli.test.ts.
import { Command } from "commander";
import { registerAlfworldCommands } from "../../src/cli/alfworld.js";
import { runProgram } from "../../src/cli/run.js";

const program = new Command("memp");
registerAlfworldCommands(program);
process.exitCode = await runProgram(program, process.argv.slice(2));
