import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { Trajectory } from "../../core/trajectory.js";
import { renderSteps } from "./condense.js";

/** The shared framing of a run handed to a model: task, outcome, actions, steps. */
function runDescription(trajectory: Trajectory, steps: string, actionVocabulary: string): string {
  const outcome = trajectory.success === undefined ? "unknown" : trajectory.success ? "the task was accomplished" : "the task was NOT accomplished";
  return [
    `Task: ${trajectory.task}`,
    `Outcome: ${outcome}${trajectory.reward !== undefined ? ` (reward ${trajectory.reward})` : ""}`,
    `Actions available in this environment:\n${actionVocabulary}`,
    `The run:\n${steps}`,
  ].join("\n\n");
}

export function scriptPrompt(trajectory: Trajectory, actionVocabulary: string): BaseMessage[] {
  return [
    new SystemMessage(
      "You turn one recorded run of an agent into know-how that helps with other, similar tasks. " +
        "Write a procedure that is abstract enough to transfer: name kinds of objects and places rather than " +
        "this run's numbered instances, keep the order that matters, and phrase each step with the environment's " +
        "own actions. If the run failed or wandered, write the procedure that should have been followed and say " +
        "what to avoid.",
    ),
    new HumanMessage(
      `${runDescription(trajectory, renderSteps(trajectory.steps), actionVocabulary)}\n\n` +
        'Reply with JSON only: {"procedure": ["first step", "second step", ...], "pitfalls": ["what to avoid", ...]}. ' +
        "Use 3 to 12 short steps and at most 4 pitfalls (an empty list is fine).",
    ),
  ];
}

export function eventsPrompt(trajectory: Trajectory, actionVocabulary: string): BaseMessage[] {
  return [
    new SystemMessage(
      "You annotate an agent's run step by step. For every step, state what held before it, the action taken, " +
        "the main object it acted on, and what held after it. Be literal and brief; take states from the observations.",
    ),
    new HumanMessage(
      `${runDescription(trajectory, renderSteps(trajectory.steps), actionVocabulary)}\n\n` +
        'Reply with JSON only: {"events": [{"step": 1, "pre_state": "...", "action": "...", "entity": "...", "post_state": "..."}, ...]} ' +
        `with one event per step, steps numbered 1 to ${trajectory.steps.length}.`,
    ),
  ];
}

export function criticalEventsPrompt(task: string, eventsJson: string): BaseMessage[] {
  return [
    new SystemMessage(
      "You pick out the events of a run that a future agent must repeat to accomplish a similar task: the ones " +
        "that changed the state towards the goal. Leave out exploration, failed attempts and repeated looks.",
    ),
    new HumanMessage(
      `Task: ${task}\n\nEvents:\n${eventsJson}\n\n` +
        'Reply with JSON only: {"critical": [step numbers in order]}.',
    ),
  ];
}
