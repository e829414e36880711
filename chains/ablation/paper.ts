/**
 * The paper's own figures, printed beside ours where the setting matches. Copied from Fang et al.,
 * "Memp: Exploring Agent Procedural Memory", arXiv 2508.06433: Table 1 (build policies; ALFWorld
 * success % on dev = valid_seen and test = valid_unseen with one steps column; TravelPlanner #CS,
 * #HC and steps in two-stage mode on its test set) and the retrieval comparison (TravelPlanner,
 * GPT-4o, #CS), as summarised in ../shared/docs/memp-reference.md §3.
 */

export const PAPER = "Fang et al., Memp: Exploring Agent Procedural Memory (arXiv 2508.06433)";

export interface PaperBuildRow {
  tpCS: number;
  tpHC: number;
  tpSteps: number;
  alfDev: number;
  alfTest: number;
  alfSteps: number;
}

type PaperModel = "GPT-4o" | "Claude-3.5-sonnet" | "Qwen2.5-72B";

/** arXiv 2508.06433, Table 1. */
const TABLE_1: Record<PaperModel, Partial<Record<string, PaperBuildRow>>> = {
  "GPT-4o": {
    none: { tpCS: 71.93, tpHC: 12.88, tpSteps: 17.84, alfDev: 39.28, alfTest: 42.14, alfSteps: 23.76 },
    script: { tpCS: 72.08, tpHC: 5.5, tpSteps: 15.79, alfDev: 66.67, alfTest: 56.43, alfSteps: 18.52 },
    trajectory: { tpCS: 76.02, tpHC: 8.25, tpSteps: 14.64, alfDev: 67.17, alfTest: 74.29, alfSteps: 16.49 },
    proceduralization: { tpCS: 79.94, tpHC: 9.76, tpSteps: 14.62, alfDev: 87.14, alfTest: 77.86, alfSteps: 15.01 },
  },
  "Claude-3.5-sonnet": {
    none: { tpCS: 63.49, tpHC: 33.06, tpSteps: 18.84, alfDev: 39.2, alfTest: 34.97, alfSteps: 24.12 },
    proceduralization: { tpCS: 65.46, tpHC: 30.14, tpSteps: 15.29, alfDev: 82.5, alfTest: 74.72, alfSteps: 15.79 },
  },
  "Qwen2.5-72B": {
    none: { tpCS: 56.57, tpHC: 7.34, tpSteps: 18.32, alfDev: 44.91, alfTest: 41.25, alfSteps: 21.38 },
    proceduralization: { tpCS: 63.82, tpHC: 14.19, tpSteps: 17.94, alfDev: 85.71, alfTest: 77.19, alfSteps: 15.32 },
  },
};

/** arXiv 2508.06433, the retrieval-policy comparison: TravelPlanner #CS with GPT-4o. */
const RETRIEVAL_TP_CS: Partial<Record<PaperModel, Partial<Record<string, number>>>> = {
  "GPT-4o": { random: 74.59, query: 73.38, ave_fact: 76.02 },
};

/**
 * The paper model a model name stands for. gpt-4o-mini is a different model from GPT-4o, so a
 * plain substring match would put GPT-4o's figures beside a much weaker model: it is excluded.
 * Provider prefixes and date suffixes do not matter (openai/gpt-4o-2024-08-06 is GPT-4o).
 */
export function paperModel(model: string): PaperModel | undefined {
  const name = model.toLowerCase();
  if (/gpt-4o(?!-mini)/.test(name)) return "GPT-4o";
  if (/claude-3[.-]5/.test(name)) return "Claude-3.5-sonnet";
  if (/qwen2\.5-72b/.test(name)) return "Qwen2.5-72B";
  return undefined;
}

export function paperBuildRow(model: string, build: string): PaperBuildRow | undefined {
  const m = paperModel(model);
  return m ? TABLE_1[m][build] : undefined;
}

export function paperRetrievalCS(model: string, policy: string): number | undefined {
  const m = paperModel(model);
  return m ? RETRIEVAL_TP_CS[m]?.[policy] : undefined;
}
