/**
 * A scripted "model" for TravelPlanner episodes served by the scripted OpenAI-compatible server:
 * the two-stage agent's thought and action prompts are answered from the query's scripted
 * demonstration (found from the prompt's `Query:` line, the step from its last label), and the
 * planner prompt with the query's gold plan. Answers are one line, as the official stop ["\n"]
 * expects, except the plan.
 */
import { demonstrationSteps, GoldPlanner } from "../environments/travelplanner/demonstrations.js";
import type { TravelQuery } from "../environments/travelplanner/queries.js";
import { contentText, type ChatHandler } from "./openai-server.js";

export function travelPlannerReplay(queries: readonly TravelQuery[]): ChatHandler {
  const byText = new Map(queries.map((q) => [q.query, q]));
  return (request) => {
    const prompt = request.messages.map((m) => contentText(m.content)).join("\n");
    const planner = /\nGiven information: [\s\S]*\nQuery: ([^\n]*)\nTravel Plan:/.exec(prompt);
    if (planner) {
      const q = byText.get(planner[1]!.trim());
      return q ? new GoldPlanner(q).text : "I cannot plan this.";
    }
    const query = [...prompt.matchAll(/^Query: (.*)$/gm)].at(-1)?.[1]?.trim();
    const q = query === undefined ? undefined : byText.get(query);
    const label = /(Thought|Action) (\d+):$/.exec(prompt.trimEnd());
    if (!q || !label) return "I do not know this query.";
    const step = demonstrationSteps(q)[Number(label[2]) - 1];
    if (!step) return "Planner[" + q.query + "]";
    return label[1] === "Thought" ? step.thought : step.action;
  };
}
