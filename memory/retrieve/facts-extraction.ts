import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { ConfigError } from "../../core/errors.js";
import { invokeForJson } from "../../core/util/model-json.js";
import { readFactsProse } from "../build/prose.js";
import type { RetrieveContext, RetrieveRequest } from "./types.js";

const FactsReply = z.object({
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)),
});

/**
 * The task's facts: the caller's when given, else the model's reading of the task text as short
 * keyword values (objects, places, dates, constraints) under snake_case keys.
 */
export async function taskFacts(request: RetrieveRequest, context: RetrieveContext): Promise<Record<string, string>> {
  if (request.facts && Object.keys(request.facts).length > 0) return request.facts;
  if (!context.model) throw new ConfigError("the facts and ave_fact retrievals need the task's facts or a chat model (--model) to extract them");
  const reply = await invokeForJson(
    context.model,
    [
      new SystemMessage(
        "You extract the key facts of a task as a flat JSON object of short keyword values: the objects, places, " +
          "people, dates, amounts and constraints it names. Use snake_case keys that would be shared by similar tasks " +
          '(e.g. "object", "target", "origin", "destination", "days", "budget"). Leave out anything the task does not say.',
      ),
      new HumanMessage(`Task: ${request.task}\n\nReply with JSON only: {"facts": {"key": "value", ...}}`),
    ],
    FactsReply,
    {
      signal: context.signal ?? context.config?.signal,
      config: context.config,
      structuredOutput: "auto",
      // "object: mug" lines say the same as the JSON would; a model that ignored the format still gave the facts.
      fallback: (text) => {
        const facts = readFactsProse(text);
        return facts && { facts };
      },
    },
  );
  return reply.facts;
}
