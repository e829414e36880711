import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { createProgress } from "../../core/util/progress.js";
import { checkOutputFile, readUserText, writeUserFile } from "../../core/util/user-files.js";
import { AlfworldEngine, type AlfworldStep } from "../../environments/alfworld/engine.js";
import { GRAMMAR_VERSIONS, type GrammarVersion, loadGameFile } from "../../environments/alfworld/game.js";
import { ALFWORLD_SPLITS, type AlfworldSplit, listGames } from "../../environments/alfworld/splits.js";
import { oneShotDemos } from "../../chains/alfworld/expert.js";
import { EXIT_BAD_INPUT, ExitStatus, nonEmptyPath, nonNegativeInt, oneOf, positiveInt, printJson } from "./run.js";

/** Adds `memp alfworld list|play|demos` (`memp trajectories` lives in trajectories.ts). */
export function registerAlfworldCommands(program: Command): void {
  const alfworld = program.command("alfworld").description("The native ALFWorld text engine: list games, play one");

  alfworld
    .command("list")
    .description("List the games of a split (ALFWorld's official filter over $ALFWORLD_DATA/json_2.1.1)")
    .requiredOption("--split <split>", "train | dev | test", oneOf("--split", ALFWORLD_SPLITS))
    .option("--json", "print a JSON array")
    .action((opts: { split: AlfworldSplit; json?: boolean }) => {
      const games = listGames(opts.split);
      if (opts.json) {
        printJson(games.map((g) => ({ name: g.name, taskType: g.taskType, taskName: g.taskName, gamefile: g.gamefile })));
        return;
      }
      for (const g of games) process.stdout.write(`${g.taskName}\t${g.name}\n`);
      process.stderr.write(`${games.length} games\n`);
    });

  alfworld
    .command("play")
    .description("Play a game: interactively (tab completes the admissible commands) or from a file of commands")
    .requiredOption("--game <game>", "a game name as `alfworld list` prints it (task/trial), a trial folder, or its game.tw-pddl", nonEmptyPath("--game"))
    .option("--grammar <version>", "grammar version: 2.1.1 | 2.1.2", oneOf("--grammar", GRAMMAR_VERSIONS), "2.1.2")
    .option("--actions <file>", "play these commands (one per line) instead of asking", nonEmptyPath("--actions"))
    .option("--max-steps <n>", "episode step limit", positiveInt("--max-steps"), 50)
    .option("--json", "print one JSON object per step")
    .action(async (opts: { game: string; grammar: GrammarVersion; actions?: string; maxSteps: number; json?: boolean }) => {
      const engine = new AlfworldEngine(loadGameFile(gameFileOf(opts.game), { grammarVersion: opts.grammar }), { maxSteps: opts.maxSteps });
      const print = opts.json ? printStepJson : printStepText;
      const start = engine.reset();
      print({ step: 0, observation: start.observation, admissible: start.info.admissibleCommands, won: start.info.won, done: false });
      if (opts.actions !== undefined) {
        let i = 0;
        for (const action of readActions(opts.actions)) {
          const r = engine.step(action);
          print(stepRecord(++i, action, r));
        }
        return;
      }
      // At a terminal the typed command is already on screen; echo it only for piped input.
      const echoless = (r: StepRecord) => printStepText({ ...r, action: process.stdin.isTTY ? undefined : r.action });
      await playInteractively(engine, opts.json ? printStepJson : echoless);
    });

  alfworld
    .command("demos")
    .description("Write one-shot demonstrations (one solved game per task type) from expert runs")
    .requiredOption("--out <file>", "output JSON file", nonEmptyPath("--out"))
    .option("--split <split>", "games to draw from", oneOf("--split", ALFWORLD_SPLITS), "train")
    .option("--seed <n>", "expert seed", nonNegativeInt("--seed"), 0)
    .action(async (opts: { out: string; split: AlfworldSplit; seed: number }) => {
      checkOutputFile(opts.out);
      const games = listGames(opts.split);
      const progress = createProgress(games.length, "demos");
      const demos = await oneShotDemos(games, { seed: opts.seed, onGame: (e) => progress.increment(1, e.taskName) });
      progress.stop();
      if (Object.keys(demos).length === 0) {
        process.stderr.write(`memp: no demonstration was written: the expert solved no game of the ${opts.split} split (${games.length} games)\n`);
        throw new ExitStatus(EXIT_BAD_INPUT);
      }
      writeUserFile(opts.out, JSON.stringify(demos, null, 2) + "\n");
      process.stderr.write(`wrote ${Object.keys(demos).length} demonstrations to ${opts.out}\n`);
    });
}

/**
 * A path as given, or else a game name that `alfworld list` prints (`<task folder>/<trial>`),
 * looked up in the splits of $ALFWORLD_DATA.
 */
function gameFileOf(game: string): string {
  if (existsSync(game) || !/^[^/\\]+\/[^/\\]+$/.test(game)) return game;
  for (const split of ALFWORLD_SPLITS) {
    const found = listGames(split).find((g) => g.name === game);
    if (found) return found.gamefile;
  }
  return game;
}

interface StepRecord {
  step: number;
  action?: string;
  observation: string;
  admissible: readonly string[];
  won: boolean;
  done: boolean;
}

function stepRecord(step: number, action: string, r: AlfworldStep): StepRecord {
  return { step, action, observation: r.observation, admissible: r.info.admissibleCommands, won: r.info.won, done: r.done };
}

function printStepJson(record: StepRecord): void {
  process.stdout.write(JSON.stringify(record) + "\n");
}

function printStepText(record: StepRecord): void {
  if (record.action !== undefined) process.stdout.write(`> ${record.action}\n`);
  process.stdout.write(`${record.observation}\n`);
  if (record.won) process.stdout.write("(task completed)\n");
  else if (record.done) process.stdout.write("(episode over: step limit reached)\n");
}

function readActions(file: string): string[] {
  const text = readUserText(file, "actions file");
  return text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.trim() !== "");
}

/** Tab completion for `play`: the admissible commands (and `admissible`) that extend the line. */
export function completeCommand(line: string, admissible: readonly string[]): [string[], string] {
  const typed = line.trimStart();
  return [[...admissible, "admissible"].filter((c) => c.startsWith(typed)), typed];
}

/** A prompt loop for a person: tab completes admissible commands; `admissible` lists them. */
async function playInteractively(engine: AlfworldEngine, print: (r: StepRecord) => void): Promise<void> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY === true,
    completer: (line: string) => completeCommand(line, engine.admissibleCommands),
  });
  let step = 0;
  // Piped input gets no prompt: the transcript echoes each command instead.
  const prompt = () => process.stdin.isTTY === true && rl.prompt();
  rl.setPrompt("> ");
  prompt();
  for await (const line of rl) {
    const command = line.trim();
    if (command === "admissible") process.stdout.write(engine.admissibleCommands.join("\n") + "\n");
    else if (command !== "") {
      const r = engine.step(command);
      print(stepRecord(++step, command, r));
      if (r.done) break;
    }
    prompt();
  }
  rl.close();
}
