/**
 * What the ablation runs: flags, the `--grid FILE` and the defaults merged into one settings
 * object (a flag beats the file, the file beats the default).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { RETRIEVE_POLICIES, type RetrievePolicyName } from "../../memory/retrieve/types.js";
import { BUILD_KINDS, type BuildKind } from "../../memory/types.js";
import { UPDATE_POLICIES, type UpdatePolicyName } from "../../memory/update/types.js";
import { InputError } from "../../core/errors.js";
import { issueError } from "../../core/util/validate.js";
import type { AgentMode } from "../suite.js";

export const BUILD_ROWS = ["none", ...BUILD_KINDS] as const;
export type BuildRow = (typeof BUILD_ROWS)[number];

const positive = z.number().int().positive();

/** `--grid FILE`: lists select the cells of a group (an empty list drops the group), scalars override every cell. */
export const GridFileSchema = z
  .object({
    splits: z.array(z.string().min(1)).min(1).optional(),
    build: z.array(z.enum(BUILD_ROWS)).optional(),
    retrieve: z.array(z.enum(RETRIEVE_POLICIES)).optional(),
    update: z.array(z.enum(UPDATE_POLICIES)).optional(),
    k: z.array(positive).optional(),
    transfer: z.boolean().optional(),
    /** The memory the retrieve, k, update and transfer cells use. */
    memory: z.enum(BUILD_KINDS).optional(),
    /** k of every cell but the k-scaling ones. */
    topK: positive.optional(),
    limit: positive.optional(),
    batchSize: positive.optional(),
    maxSteps: positive.optional(),
    memorySize: positive.optional(),
    seed: z.number().int().nonnegative().optional(),
  })
  .strict();

export type GridFile = z.infer<typeof GridFileSchema>;

export function loadGrid(file: string): GridFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InputError(`cannot read the grid: ${(err as Error).message}`, { file, cause: err });
  }
  const parsed = GridFileSchema.safeParse(raw);
  if (!parsed.success) throw issueError(parsed.error.issues[0]!, { file });
  return parsed.data;
}

/** Everything the plan depends on, after flags, the grid file and the defaults are merged. */
export interface AblationSettings {
  env: "alfworld" | "travelplanner";
  /** Results are filed under these names; the first one builds the memory the others are given in transfer cells. */
  models: string[];
  /** False for the replay agent without --model: cells that need a model are skipped. */
  hasModel: boolean;
  agent: AgentMode;
  splits: string[];
  build: BuildRow[];
  retrieve: RetrievePolicyName[];
  update: UpdatePolicyName[];
  k: number[];
  transfer: boolean;
  memory: BuildKind;
  topK: number;
  limit?: number;
  batchSize: number;
  maxSteps: number;
  memorySize: number;
  seed: number;
  resultsDir: string;
  grammar?: string;
  embeddings: string;
}

/** Flags as given (undefined: not given), so that a flag beats the grid file and the file beats the default. */
export type SettingFlags = Partial<Pick<AblationSettings, "splits" | "limit" | "batchSize" | "maxSteps" | "memorySize" | "seed">>;

export function resolveSettings(
  base: Pick<AblationSettings, "env" | "models" | "hasModel" | "agent" | "resultsDir" | "grammar" | "embeddings">,
  flags: SettingFlags,
  grid: GridFile = {},
): AblationSettings {
  return {
    ...base,
    splits: flags.splits ?? grid.splits ?? (base.env === "alfworld" ? ["dev", "test"] : ["validation"]),
    build: grid.build ?? ["none", "trajectory", "script", "proceduralization"],
    retrieve: grid.retrieve ?? ["random", "query", "facts", "ave_fact"],
    update: grid.update ?? ["vanilla", "validation", "adjustment"],
    k: grid.k ?? [1, 3, 5, 10, 20],
    transfer: grid.transfer ?? true,
    // Without a model only trajectory memories can be built.
    memory: grid.memory ?? (base.hasModel ? "proceduralization" : "trajectory"),
    topK: grid.topK ?? 3,
    limit: flags.limit ?? grid.limit,
    batchSize: flags.batchSize ?? grid.batchSize ?? 4,
    maxSteps: flags.maxSteps ?? grid.maxSteps ?? 30,
    memorySize: flags.memorySize ?? grid.memorySize ?? 300,
    seed: flags.seed ?? grid.seed ?? 0,
  };
}
