import { mulberry32 } from "../../core/util/random.js";
import type { TaskName } from "./splits.js";
import { type ReceptaclePriors, classOf } from "./priors.js";
import { TRAIN_RECEPTACLE_PRIORS } from "./priors.data.js";

/** What the expert has to do, read from the task sentence. Names are display classes (`apple`). */
export interface ExpertTask {
  readonly kind: TaskName;
  readonly object: string;
  /** Receptacle class to put the object in (absent for `examine`). */
  readonly target?: string;
  /** Lamp class to use (`examine` only). */
  readonly lamp?: string;
}

/** Parses the task sentences ALFWorld generates ("put a clean apple in fridge." and the like). */
export function parseTaskSentence(sentence: string): ExpertTask | undefined {
  const s = sentence.trim().replace(/\.$/, "");
  let m: RegExpExecArray | null;
  if ((m = /^examine the (\S+) with the (\S+)$/.exec(s)) || (m = /^look at (\S+) under the (\S+)$/.exec(s))) {
    return { kind: "examine", object: m[1]!, lamp: m[2]! };
  }
  if ((m = /^(?:find two (\S+) and put them in|put two (\S+) in) (\S+)$/.exec(s))) return { kind: "puttwo", object: (m[1] ?? m[2])!, target: m[3]! };
  if ((m = /^(clean|heat|cool) some (\S+) and put it in (\S+)$/.exec(s))) return { kind: m[1] as TaskName, object: m[2]!, target: m[3]! };
  if ((m = /^put a (clean|hot|cool) (\S+) in (\S+)$/.exec(s))) {
    return { kind: m[1] === "hot" ? "heat" : (m[1] as TaskName), object: m[2]!, target: m[3]! };
  }
  if ((m = /^put (?:a|some) (\S+) (?:in|on) (\S+)$/.exec(s))) return { kind: "put", object: m[1]!, target: m[2]! };
  return undefined;
}

/** The task sentence of an intro ("Your task is to: ..."), without the final period. */
export function taskSentence(intro: string): string | undefined {
  const m = /Your task is to: (.*?)\.?\s*$/.exec(intro);
  return m?.[1];
}

export interface ExpertDecision {
  readonly action: string;
  /** A short sentence when the expert starts a new subgoal. */
  readonly thought?: string;
}

export interface ExpertOptions {
  /** Seeds the tie-breaking between equally likely places and objects. Default 0. */
  seed?: number;
  priors?: ReceptaclePriors;
}

/** Receptacle classes that start closed (ALFWorld's OPENABLE_CLASS_LIST, lower-cased). */
const OPENABLE = new Set(["fridge", "cabinet", "microwave", "drawer", "safe", "box"]);
const APPLIANCE: Partial<Record<TaskName, { cls: string; verb: string }>> = {
  clean: { cls: "sinkbasin", verb: "clean" },
  heat: { cls: "microwave", verb: "heat" },
  cool: { cls: "fridge", verb: "cool" },
};

/**
 * A handcoded expert in the spirit of ALFWorld's: it plays from what it reads (the intro, each
 * observation, the admissible commands), never from the hidden state. It searches for the object
 * visiting the receptacles most likely to hold it first (priors learned from training games),
 * opening closed ones, takes it, treats it (clean / heat / cool) or finds and switches on the lamp,
 * then puts it in a receptacle of the target class; for two objects, twice into the same one.
 * Ties are broken by a seeded generator, so a run is reproducible.
 */
export class AlfworldExpert {
  private readonly seed: number;
  private readonly priors: ReceptaclePriors;
  private task: ExpertTask | undefined;
  private receptacles: string[] = [];
  private tieBreak = new Map<string, number>();
  private contents = new Map<string, string[]>();
  private closed = new Set<string>();
  private seen = new Set<string>();
  private held: string | undefined;
  private treated = false;
  private lampOn = false;
  private placed = new Set<string>();
  private targetInstance: string | undefined;
  private lastAction: string | undefined;
  private lastSubgoal: string | undefined;
  private rng: () => number;

  constructor(options: ExpertOptions = {}) {
    this.seed = options.seed ?? 0;
    this.priors = options.priors ?? TRAIN_RECEPTACLE_PRIORS;
    this.rng = mulberry32(this.seed);
  }

  /** Starts an episode from the intro text (room description and task sentence). */
  reset(intro: string, task?: ExpertTask): void {
    const sentence = taskSentence(intro);
    this.task = task ?? (sentence === undefined ? undefined : parseTaskSentence(sentence));
    this.rng = mulberry32(this.seed);
    const room = /you see (.*?)\.\n/.exec(intro)?.[1] ?? "";
    this.receptacles = parseList(room);
    this.tieBreak = new Map(this.receptacles.map((r) => [r, this.rng()]));
    this.contents = new Map();
    this.closed = new Set();
    this.seen = new Set();
    this.held = undefined;
    this.treated = false;
    this.lampOn = false;
    this.placed = new Set();
    this.targetInstance = undefined;
    this.lastAction = undefined;
    this.lastSubgoal = undefined;
  }

  get currentTask(): ExpertTask | undefined {
    return this.task;
  }

  /** Reads the observation of the previous action and picks the next command. */
  act(observation: string, admissible: readonly string[]): ExpertDecision {
    if (this.lastAction !== undefined) this.observe(observation);
    const allowed = new Set(admissible);
    const here = this.receptacles.filter((r) => allowed.has(`examine ${r}`));
    const plan = this.task ? this.plan(allowed, here) : undefined;
    if (!plan || !allowed.has(plan.action)) {
      // Lost (unknown task or an unexpected state): a seeded random admissible command, as ALFWorld's expert does.
      this.lastAction = admissible[Math.floor(this.rng() * admissible.length)] ?? "look";
      return { action: this.lastAction };
    }
    this.lastAction = plan.action;
    if (plan.subgoal === this.lastSubgoal) return { action: plan.action };
    this.lastSubgoal = plan.subgoal;
    return { action: plan.action, thought: plan.thought };
  }

  private observe(observation: string): void {
    for (const m of observation.matchAll(/On the ([^,.]+), you see (.*?)\.(?: |$)/g)) this.saw(m[1]!, parseList(m[2]!));
    for (const m of observation.matchAll(/The ([^,.]+) is open\. In it, you see (.*?)\.(?: |$)/g)) this.saw(m[1]!, parseList(m[2]!));
    for (const m of observation.matchAll(/The ([^,.]+) is closed\./g)) this.closed.add(m[1]!);
    let m: RegExpExecArray | null;
    if ((m = /^You pick up the (.+) from the (.+)\.$/.exec(observation))) {
      this.held = m[1]!;
      for (const list of this.contents.values()) removeItem(list, m[1]!);
    } else if ((m = /^You (?:move the (.+) to|put the (.+) in\/on) the (.+)\.$/.exec(observation))) {
      const o = (m[1] ?? m[2])!;
      const r = m[3]!;
      (this.contents.get(r) ?? this.contents.set(r, []).get(r)!).push(o);
      this.held = undefined;
      if (this.task && classOf(o) === this.task.object && classOf(r) === this.task.target) {
        this.placed.add(o);
        this.targetInstance = r;
        this.treated = false;
      }
    } else if (/^You (?:heat|cool|clean) the /.test(observation)) this.treated = true;
    else if (/^You turn on the /.test(observation)) this.lampOn = true;
  }

  private saw(receptacle: string, items: string[]): void {
    this.contents.set(receptacle, items.filter((o) => o !== this.held));
    this.closed.delete(receptacle);
    this.seen.add(receptacle);
  }

  private plan(allowed: Set<string>, here: string[]): { action: string; subgoal: string; thought: string } | undefined {
    const task = this.task!;
    const obj = task.object;
    const holding = this.held !== undefined && classOf(this.held) === obj;
    if (!holding) {
      if (this.held !== undefined) {
        // Holding something else (never chosen on purpose): put it down where it can go.
        const drop = [...allowed].find((c) => c.startsWith(`move ${this.held} to `) || c.startsWith(`put ${this.held} in/on `));
        return drop ? { action: drop, subgoal: "drop", thought: `I do not need the ${this.held}; I put it down.` } : undefined;
      }
      return this.obtain(obj, allowed, here);
    }
    const held = this.held!;
    const appliance = APPLIANCE[task.kind];
    if (appliance && !this.treated) {
      const thought = `Now I take the ${held}. Next, I need to ${appliance.verb} it with the ${appliance.cls}.`;
      const use = [...allowed].find((c) => c.startsWith(`${appliance.verb} ${held} with ${appliance.cls} `));
      if (use) return { action: use, subgoal: "treat", thought };
      return { action: this.goTo(this.pick(appliance.cls), here, allowed), subgoal: "treat", thought };
    }
    if (task.kind === "examine") {
      const lampCls = task.lamp!;
      const useLamp = [...allowed].find((c) => c.startsWith(`use ${lampCls} `));
      if (useLamp && !this.lampOn) return { action: useLamp, subgoal: "lamp", thought: `Now I find the lamp. I switch it on to look at the ${held} under it.` };
      const lamp = this.visible(lampCls)[0];
      const thought = `Now I take the ${held}. Next, I need to find a ${lampCls} and use it.`;
      if (lamp) return { action: this.goTo(lamp.at, here, allowed), subgoal: "find lamp", thought };
      return { ...this.search(lampCls, allowed, here), subgoal: "find lamp", thought };
    }
    const target = this.targetInstance ?? this.pick(task.target!);
    const put = allowed.has(`move ${held} to ${target}`) ? `move ${held} to ${target}` : `put ${held} in/on ${target}`;
    const how = appliance ? `${appliance.verb} the ${held}` : `take the ${held}`;
    const thought = `Now I ${how}. Next, I need to put it in/on the ${target}.`;
    if (allowed.has(put)) return { action: put, subgoal: "put", thought };
    if (here.includes(target) && this.closed.has(target)) return { action: `open ${target}`, subgoal: "put", thought };
    return { action: this.goTo(target, here, allowed), subgoal: "put", thought };
  }

  /** Find and take an object of a class that has not been placed yet. */
  private obtain(cls: string, allowed: Set<string>, here: string[]): { action: string; subgoal: string; thought: string } {
    const second = this.placed.size > 0;
    const candidates = this.visible(cls).filter((c) => !this.placed.has(c.name) && c.at !== this.targetInstance);
    if (candidates.length > 0) {
      const local = candidates.filter((c) => allowed.has(`take ${c.name} from ${c.at}`));
      const choice = local.length > 0 ? local[Math.floor(this.rng() * local.length)]! : candidates[0]!;
      const thought = `Now I find a ${cls} (${choice.name}). Next, I need to take it.`;
      if (allowed.has(`take ${choice.name} from ${choice.at}`)) return { action: `take ${choice.name} from ${choice.at}`, subgoal: `take ${choice.name}`, thought };
      if (here.includes(choice.at) && this.closed.has(choice.at)) return { action: `open ${choice.at}`, subgoal: `take ${choice.name}`, thought };
      return { action: this.goTo(choice.at, here, allowed), subgoal: `take ${choice.name}`, thought };
    }
    const s = this.search(cls, allowed, here);
    const thought = second
      ? `Now I put the first ${cls} in the ${this.targetInstance}. Next, I need to find the second ${cls}.`
      : `To solve the task, I need to find and take a ${cls} first. ${s.hint}`;
    return { action: s.action, subgoal: second ? "find second" : "find", thought };
  }

  /** Objects of a class seen so far, with where they were seen. */
  private visible(cls: string): { name: string; at: string }[] {
    const out: { name: string; at: string }[] = [];
    for (const [at, items] of this.contents) for (const name of items) if (classOf(name) === cls) out.push({ name, at });
    return out;
  }

  /**
   * The next receptacle to look into: the one with the best chance of holding the class per step
   * spent (an open step more for closed ones; none for the way there when it is right here).
   */
  private search(cls: string, allowed: Set<string>, here: string[]): { action: string; hint: string } {
    let unchecked = this.receptacles.filter((r) => !this.seen.has(r));
    if (unchecked.length === 0) {
      // Everything has been seen and the object is not in view: look again everywhere.
      this.seen.clear();
      unchecked = this.receptacles.slice();
    }
    const counts = new Map<string, number>();
    for (const r of this.receptacles) counts.set(classOf(r), (counts.get(classOf(r)) ?? 0) + 1);
    const priors = this.priors[cls] ?? {};
    const value = (r: string) => {
      const rc = classOf(r);
      const p = (priors[rc] ?? 0.01) / counts.get(rc)!;
      const cost = (here.includes(r) ? 0.5 : 1) + (OPENABLE.has(rc) || this.closed.has(r) ? 1 : 0);
      return p / cost;
    };
    const ranked = unchecked.sort((a, b) => value(b) - value(a) || this.tieBreak.get(a)! - this.tieBreak.get(b)!);
    const best = ranked[0]!;
    const likely = [...new Set(ranked.slice(0, 4).map(classOf))].join(", ");
    const hint = `A ${cls} is more likely to appear in a ${likely}. I can check one by one, starting with ${best}.`;
    if (here.includes(best)) {
      if (this.closed.has(best) || allowed.has(`open ${best}`)) return { action: `open ${best}`, hint };
      return { action: `examine ${best}`, hint };
    }
    return { action: `go to ${best}`, hint };
  }

  private goTo(receptacle: string, here: string[], allowed: Set<string>): string {
    if (here.includes(receptacle)) return allowed.has(`open ${receptacle}`) ? `open ${receptacle}` : `examine ${receptacle}`;
    return `go to ${receptacle}`;
  }

  /** An instance of a receptacle class: the seeded first one. */
  private pick(cls: string): string {
    const instances = this.receptacles.filter((r) => classOf(r) === cls);
    instances.sort((a, b) => this.tieBreak.get(a)! - this.tieBreak.get(b)!);
    return instances[0] ?? `${cls} 1`;
  }
}

/** "a apple 1, a bowl 2, and a cup 1" -> ["apple 1", "bowl 2", "cup 1"]; "nothing" -> []. */
export function parseList(text: string): string[] {
  if (text === "nothing" || text.trim() === "") return [];
  return text.split(", ").map((item) => item.replace(/^and /, "").replace(/^an? /, "").trim());
}

function removeItem(list: string[], item: string): void {
  for (let i = list.length - 1; i >= 0; i--) if (list[i] === item) list.splice(i, 1);
}

