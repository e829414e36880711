/**
 * A scripted "model" for ALFWorld episodes served by the scripted OpenAI-compatible server: for
 * games it knows, it replays the expert's commands (as `Thought/Action` text or as tool calls);
 * for the games marked bad it answers without an action or with a useless one. The game is found
 * from the task message (the intro, before any guidelines), the step from the turns after it.
 */
import { runExpert } from "../chains/alfworld/expert.js";
import { AlfworldEnvironment } from "../environments/alfworld/environment.js";
import type { GrammarVersion } from "../environments/alfworld/game.js";
import type { GameEntry } from "../environments/alfworld/splits.js";
import { contentText, type ChatHandler, type ChatReply, type ScriptedToolCall } from "./openai-server.js";

export interface ReplayScript {
  handler: ChatHandler;
  /** Expert actions per game name. */
  actions: Map<string, string[]>;
}

const GUIDELINES = "\n\nHere are some guidelines";

export async function alfworldReplay(games: readonly GameEntry[], options: { bad?: ReadonlySet<string>; grammar?: GrammarVersion } = {}): Promise<ReplayScript> {
  const byIntro = new Map<string, { name: string; actions: string[] }>();
  const actions = new Map<string, string[]>();
  for (const g of games) {
    const run = await runExpert(AlfworldEnvironment.fromFile(g.gamefile, { grammarVersion: options.grammar }), { game: g.name });
    const list = run.trajectory.steps.map((s) => s.action);
    byIntro.set(run.intro, { name: g.name, actions: list });
    actions.set(g.name, list);
  }
  const handler: ChatHandler = (request) => {
    const messages = request.messages;
    const at = messages.findIndex((m) => m.role === "user" && byIntro.has(contentText(m.content).split(GUIDELINES)[0]!));
    if (at < 0) return "Thought: I do not know this game.";
    const game = byIntro.get(contentText(messages[at]!.content).split(GUIDELINES)[0]!)!;
    const step = messages.slice(at + 1).filter((m) => m.role === "assistant").length;
    const tools = (request.tools ?? []).length > 0;
    if (options.bad?.has(game.name)) return badReply(step, tools);
    const action = game.actions[step] ?? "look";
    return tools ? { toolCalls: [toolCall(action)] } : `Thought: step ${step + 1} of the plan.\nAction: ${action}`;
  };
  return { handler, actions };
}

function badReply(step: number, tools: boolean): ChatReply {
  if (tools) return step % 2 === 0 ? { toolCalls: [{ name: "go_to", arguments: { receptacle: "moon 1" } }] } : { toolCalls: [{ name: "look", arguments: {} }] };
  return step % 2 === 0 ? "I am not sure what to do here." : "Thought: let me dance.\nAction: dance wildly";
}

/** An ALFWorld command as a call of the per-command tools. */
export function toolCall(command: string): ScriptedToolCall {
  const patterns: Array<[RegExp, (m: RegExpExecArray) => ScriptedToolCall]> = [
    [/^go to (.+)$/, (m) => ({ name: "go_to", arguments: { receptacle: m[1] } })],
    [/^take (.+) from (.+)$/, (m) => ({ name: "take", arguments: { object: m[1], receptacle: m[2] } })],
    [/^(?:move (.+) to (.+)|put (.+) in\/on (.+))$/, (m) => ({ name: "move", arguments: { object: m[1] ?? m[3], receptacle: m[2] ?? m[4] } })],
    [/^(open|close) (.+)$/, (m) => ({ name: m[1]!, arguments: { receptacle: m[2] } })],
    [/^use (.+)$/, (m) => ({ name: "use", arguments: { object: m[1] } })],
    [/^(clean|heat|cool) (.+) with (.+)$/, (m) => ({ name: m[1]!, arguments: { object: m[2], receptacle: m[3] } })],
    [/^examine (.+)$/, (m) => ({ name: "examine", arguments: { target: m[1] } })],
    [/^(look|inventory)$/, (m) => ({ name: m[1]!, arguments: {} })],
  ];
  for (const [re, make] of patterns) {
    const m = re.exec(command);
    if (m) return make(m);
  }
  throw new Error(`no tool for the command "${command}"`);
}
