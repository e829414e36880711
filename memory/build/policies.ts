import { z } from "zod";
import { ConfigError, ModelOutputError } from "../../core/errors.js";
import type { Trajectory } from "../../core/trajectory.js";
import { invokeForJsonReply } from "../../core/util/model-json.js";
import { PolicyRegistry } from "../registry.js";
import type { BuildKind, MemoryEvent } from "../types.js";
import { condenseSteps, deriveActionVocabulary } from "./condense.js";
import { readProcedureProse, readStepNumbersProse } from "./prose.js";
import { criticalEventsPrompt, eventsPrompt, scriptPrompt } from "./prompts.js";
import type { BuildContext, BuildFallback, BuildPolicy, BuiltContent } from "./types.js";

export const ScriptReply = z.object({
  procedure: z.array(z.string().min(1)).min(1),
  pitfalls: z.array(z.string()).default([]),
});

const EventsReply = z.object({
  events: z
    .array(
      z.object({
        step: z.coerce.number().int(),
        pre_state: z.string(),
        action: z.string(),
        entity: z.string().optional(),
        post_state: z.string(),
      }),
    )
    .min(1),
});

const CriticalReply = z.object({ critical: z.array(z.coerce.number().int()).min(1) });

function requireModel(context: BuildContext, kind: BuildKind) {
  if (!context.model) throw new ConfigError(`the "${kind}" build needs a chat model (--model)`);
  return context.model;
}

function vocabulary(trajectory: Trajectory, context: BuildContext): string {
  return context.actionVocabulary ?? deriveActionVocabulary([trajectory]);
}

/** Prompts see the condensed run, so long observations do not crowd out the steps. */
function condensed(trajectory: Trajectory, context: BuildContext): Trajectory {
  return { ...trajectory, steps: condenseSteps(trajectory.steps, context.maxObservationChars) };
}

async function distilScript(trajectory: Trajectory, context: BuildContext, kind: BuildKind): Promise<{ script: string; fallback?: BuildFallback }> {
  const model = requireModel(context, kind);
  const reply = await invokeForJsonReply(model, scriptPrompt(condensed(trajectory, context), vocabulary(trajectory, context)), ScriptReply, {
    signal: context.signal,
    config: context.config,
    structuredOutput: context.structuredOutput ?? "auto",
    fallback: proseProcedure,
  });
  const script = renderProcedure(reply.value);
  if (!reply.fellBack) return { script };
  return { script, fallback: { kind: "prose-script", detail: `the reply was not the JSON asked for (${reply.error}); its prose steps became the script` } };
}

/** A procedure read from prose, in the shape of a JSON reply. */
export function proseProcedure(text: string): { procedure: string[]; pitfalls: string[] } | undefined {
  const read = readProcedureProse(text);
  return read && { procedure: read.procedure, pitfalls: read.pitfalls };
}

/** The script text of a procedure reply: numbered steps, then the pitfalls. */
export function renderProcedure(reply: { procedure: string[]; pitfalls: string[] }): string {
  const steps = reply.procedure.map((s, i) => `${i + 1}. ${s.trim()}`);
  const pitfalls = reply.pitfalls.filter((p) => p.trim()).map((p) => `- Avoid: ${p.trim()}`);
  return [...steps, ...pitfalls].join("\n");
}

export const trajectoryPolicy: BuildPolicy = {
  name: "trajectory",
  needsModel: false,
  async build(trajectory, context): Promise<BuiltContent> {
    return { script: null, trajectory: condenseSteps(trajectory.steps, context.maxObservationChars) };
  },
};

export const scriptPolicy: BuildPolicy = {
  name: "script",
  needsModel: true,
  async build(trajectory, context): Promise<BuiltContent> {
    const { script, fallback } = await distilScript(trajectory, context, "script");
    return { script, trajectory: null, ...(fallback && { fallback }) };
  },
};

export const proceduralizationPolicy: BuildPolicy = {
  name: "proceduralization",
  needsModel: true,
  async build(trajectory, context): Promise<BuiltContent> {
    const steps = condenseSteps(trajectory.steps, context.maxObservationChars);
    try {
      const { script, fallback } = await distilScript(trajectory, context, "proceduralization");
      return { script, trajectory: steps, ...(fallback && { fallback }) };
    } catch (err) {
      // An unusable reply costs the script, not the run: the steps are worth keeping on their own.
      // A failing endpoint is different: the item fails, so that a later build still distils it.
      if (!ModelOutputError.isInstance(err)) throw err;
      return { script: null, trajectory: steps, fallback: { kind: "trajectory-only", detail: `no script (${err.message}); the trajectory was kept` } };
    }
  },
};

/**
 * MemP's "round" build: every step becomes a pre-state/action/post-state event, the model then
 * selects the critical ones, and those become the entry's step-by-step instructions.
 */
export const eventsPolicy: BuildPolicy = {
  name: "events",
  needsModel: true,
  async build(trajectory, context): Promise<BuiltContent> {
    const model = requireModel(context, "events");
    const run = condensed(trajectory, context);
    const structuredOutput = context.structuredOutput ?? "auto";
    let events: z.infer<typeof EventsReply>["events"];
    try {
      // No prose fallback: an event's states are read field by field, and prose would have them guessed.
      ({ events } = (await invokeForJsonReply(model, eventsPrompt(run, vocabulary(trajectory, context)), EventsReply, { signal: context.signal, config: context.config, structuredOutput })).value);
    } catch (err) {
      if (!ModelOutputError.isInstance(err)) throw err;
      throw new ModelOutputError(`the events build needs its events as JSON: ${err.message}`, err.output, err);
    }
    const byStep = new Map(events.map((e) => [e.step, e]));
    const eventsJson = JSON.stringify(events, null, 1);
    const selection = await invokeForJsonReply(model, criticalEventsPrompt(trajectory.task, eventsJson), CriticalReply, {
      signal: context.signal,
      config: context.config,
      structuredOutput,
      // Step numbers named in prose are the model's own choice, read as written.
      fallback: (text) => {
        const steps = readStepNumbersProse(text)?.filter((n) => byStep.has(n));
        return steps && steps.length > 0 ? { critical: steps } : undefined;
      },
    });
    const { critical } = selection.value;
    const picked: MemoryEvent[] = [];
    for (const step of critical) {
      const e = byStep.get(step);
      if (!e || picked.some((p) => p.step === step)) continue;
      picked.push({ step: e.step, preState: e.pre_state, action: e.action, entity: e.entity, postState: e.post_state });
    }
    if (picked.length === 0) throw new ModelOutputError(`the model selected no existing event (steps ${critical.join(", ")})`, JSON.stringify(critical));
    const script = picked.map((e, i) => `${i + 1}. ${e.action} (when ${e.preState}; then ${e.postState})`).join("\n");
    if (!selection.fellBack) return { script, trajectory: null, events: picked };
    const fallback: BuildFallback = { kind: "prose-selection", detail: `the critical steps (${critical.join(", ")}) were read from a prose reply (${selection.error})` };
    return { script, trajectory: null, events: picked, fallback };
  },
};

const registry = new PolicyRegistry<BuildPolicy>("build");
for (const policy of [trajectoryPolicy, scriptPolicy, proceduralizationPolicy, eventsPolicy]) registry.register(policy);

/** Makes a build policy available by its name to `buildMemory`, updates, the runners and the CLI. */
export function registerBuildPolicy(policy: BuildPolicy, options?: { replace?: boolean }): void {
  registry.register(policy, options);
}

export function getBuildPolicy(name: string): BuildPolicy {
  return registry.get(name);
}

export function buildPolicyNames(): string[] {
  return registry.names();
}
