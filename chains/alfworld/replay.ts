/**
 * A model-free, case-based ALFWorld agent: the floor any LLM agent must beat, and what lets the
 * whole pipeline (build, retrieve, update, report) run with no API. It replays the actions of the
 * most similar retrieved memory entries, rebinding object and receptacle names to the current
 * game, and knows nothing else: no task-type logic, no receptacle priors, nothing of the expert.
 * Where memory gives no usable step it plays an admissible command at random (seeded), so
 * whatever it achieves beyond random play is what the memory taught it.
 */
import type { AlfworldEnvironment } from "../../environments/alfworld/environment.js";
import type { MemoryEntry } from "../../memory/types.js";
import { hashString, mulberry32 } from "../../core/util/random.js";
import type { EpisodeAgent, EpisodeContext } from "../episode.js";

export interface ReplayAgentOptions {
  seed?: number;
}

/** A command with instance numbers removed: "take mug 2 from countertop 1" -> "take mug from countertop". */
export function commandShape(command: string): string {
  return command.replace(/ \d+\b/g, "").trim();
}

/**
 * Word substitutions that turn the entry's task into the current one, from aligning the two task
 * sentences word by word (same length: position by position). "put a clean mug in coffeemachine"
 * -> "put a clean cup in cabinet" gives mug -> cup and coffeemachine -> cabinet. Sentences of other
 * lengths give none: their templates differ, and guessing would be task-type logic.
 */
export function taskSubstitutions(fromTask: string, toTask: string): Map<string, string> {
  const a = words(fromTask);
  const b = words(toTask);
  const map = new Map<string, string>();
  if (a.length !== b.length) return map;
  a.forEach((w, i) => {
    if (w !== b[i]) map.set(w, b[i]!);
  });
  return map;
}

function words(text: string): string[] {
  return text.toLowerCase().replace(/[.,]/g, " ").split(/\s+/).filter(Boolean);
}

function rebind(shape: string, subs: Map<string, string>): string {
  return shape
    .split(" ")
    .map((w) => subs.get(w) ?? w)
    .join(" ");
}

interface Plan {
  /** The entry's actions, rebound to the current task's words, as shapes. */
  shapes: string[];
  /** The entry's own commands, to prefer the same instances when they exist here. */
  commands: string[];
}

function planOf(entry: MemoryEntry, task: string): Plan | undefined {
  const steps = entry.trajectory ?? [];
  if (steps.length === 0) return undefined;
  const subs = taskSubstitutions(entry.task, task);
  const commands = steps.map((s) => s.action).filter((a) => a !== "");
  return { shapes: commands.map((c) => rebind(commandShape(c), subs)), commands };
}

export class ReplayAgent implements EpisodeAgent<AlfworldEnvironment> {
  constructor(private readonly options: ReplayAgentOptions = {}) {}

  async play(ctx: EpisodeContext<AlfworldEnvironment>): Promise<void> {
    const rand = mulberry32(hashString(`${this.options.seed ?? 0}\u0000${ctx.observation}`));
    // Successful runs first, then in retrieval order (most similar first).
    const entries = [...ctx.entries].sort((a, b) => Number(b.provenance.success !== false) - Number(a.provenance.success !== false));
    const plans = entries.map((e) => planOf(e, ctx.task)).filter((p): p is Plan => p !== undefined);
    const state: ReplayState = { cursor: plans.map(() => 0), played: new Set(), visited: new Set(), rand };
    while (!ctx.done) {
      const admissible = ctx.env.admissibleCommands;
      const chosen = nextFromPlans(plans, state, admissible);
      const action = chosen ?? explore(admissible, state);
      if (action.startsWith("go to ")) state.visited.add(action);
      state.played.add(action);
      await ctx.step(action, { thought: chosen ? "Following a remembered run." : "Memory has no usable step here; exploring." });
    }
  }
}

interface ReplayState {
  cursor: number[];
  /** Every command played so far. */
  played: Set<string>;
  /** The `go to` commands played so far. */
  visited: Set<string>;
  rand: () => number;
}

const isMove = (shape: string) => shape.startsWith("go to ");

/**
 * A random admissible command, preferring ones not played yet in this episode: plain novelty, so
 * that exploring does not walk in circles. It knows nothing of what the task needs.
 */
function explore(admissible: readonly string[], state: ReplayState): string {
  const fresh = admissible.filter((c) => !state.played.has(c));
  const pool = fresh.length > 0 ? fresh : admissible;
  return pool[Math.floor(state.rand() * pool.length)] ?? "look";
}

/** The receptacle a command acts on or at, by the command grammar (not by task type). */
function receptacleOf(shape: string): string | undefined {
  const m = /^take .+ from (.+)$|^(?:open|close) (.+)$|^(?:move .+ to|put .+ in\/on) (.+)$|^(?:clean|heat|cool) .+ with (.+)$/.exec(shape);
  return m ? (m[1] ?? m[2] ?? m[3] ?? m[4]) : undefined;
}

/**
 * The next command from the plans. For each plan, in order: moves that lead to a step that can
 * be done right here are skipped; a step with an admissible command of the same shape is played
 * (the entry's own instance when it exists here, else an unvisited one, else any); a step that
 * cannot be done here sends the agent to a receptacle of the kind the step needs that it has not
 * visited yet (the remembered run found the object at such a receptacle). Undefined when no plan
 * has a usable step.
 */
function nextFromPlans(plans: Plan[], state: ReplayState, admissible: readonly string[]): string | undefined {
  const byShape = new Map<string, string[]>();
  for (const c of admissible) {
    const shape = commandShape(c);
    byShape.set(shape, [...(byShape.get(shape) ?? []), c]);
  }
  const pick = (candidates: string[], own?: string) => {
    if (own !== undefined && candidates.includes(own) && !state.visited.has(own)) return own;
    const fresh = candidates.filter((c) => !state.visited.has(c));
    const pool = fresh.length > 0 ? fresh : candidates;
    return pool[Math.floor(state.rand() * pool.length)]!;
  };
  for (let p = 0; p < plans.length; p++) {
    const plan = plans[p]!;
    const i = state.cursor[p]!;
    if (i >= plan.shapes.length) continue;
    let j = i;
    while (j < plan.shapes.length && isMove(plan.shapes[j]!)) j++;
    if (j > i && j < plan.shapes.length && byShape.has(plan.shapes[j]!)) {
      state.cursor[p] = j + 1;
      return pick(byShape.get(plan.shapes[j]!)!, plan.commands[j]);
    }
    const here = byShape.get(plan.shapes[i]!);
    if (here) {
      state.cursor[p] = i + 1;
      return pick(here, plan.commands[i]);
    }
    const receptacle = receptacleOf(plan.shapes[i]!);
    const moves = receptacle === undefined ? undefined : byShape.get(`go to ${receptacle}`)?.filter((c) => !state.visited.has(c));
    if (moves && moves.length > 0) return pick(moves);
  }
  return undefined;
}
