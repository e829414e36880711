import type { Trajectory, TrajectoryStep } from "../../core/trajectory.js";

export const DEFAULT_MAX_OBSERVATION_CHARS = 600;

/**
 * Keeps each step's thought, action and observation with whitespace collapsed and long
 * observations cut (TravelPlanner tables run to thousands of characters and say little that a
 * later task can reuse).
 */
export function condenseSteps(steps: TrajectoryStep[], maxObservationChars = DEFAULT_MAX_OBSERVATION_CHARS): TrajectoryStep[] {
  return steps.map((s) => {
    const out: TrajectoryStep = { action: collapse(s.action), observation: truncate(collapse(s.observation), maxObservationChars) };
    if (s.thought && s.thought.trim()) out.thought = collapse(s.thought);
    return out;
  });
}

function collapse(text: string): string {
  return text.replace(/[ \t]+/g, " ").replace(/\s*\n\s*/g, "\n").trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)} [... ${text.length - max} more characters]`;
}

/** The trajectory as prompt text, one numbered block per step. */
export function renderSteps(steps: TrajectoryStep[]): string {
  return steps
    .map((s, i) => [`Step ${i + 1}`, s.thought ? `Thought: ${s.thought}` : undefined, `Action: ${s.action}`, `Observation: ${s.observation}`].filter(Boolean).join("\n"))
    .join("\n\n");
}

/**
 * The action forms seen in a trajectory, for environments that did not describe their own:
 * `Name[...]` calls keep their name, text commands their first word; one example each.
 */
export function deriveActionVocabulary(trajectories: Trajectory[], limit = 24): string {
  const forms = new Map<string, string>();
  for (const t of trajectories) {
    for (const s of t.steps) {
      const action = s.action.trim();
      const call = /^([A-Za-z_][\w]*)\[/.exec(action);
      const form = call ? `${call[1]}[...]` : (action.split(/\s+/)[0] ?? "").toLowerCase();
      if (form && !forms.has(form)) forms.set(form, action);
      if (forms.size >= limit) break;
    }
  }
  return [...forms].map(([form, example]) => `- ${form} (e.g. ${example})`).join("\n");
}
