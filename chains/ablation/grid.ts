/**
 * The paper's grid as a list of cells, one `ExperimentConfig` each. A cell's exp name is made from
 * its setting (not from the table that asked for it), so a run that several tables need (the
 * proceduralization memory with query retrieval and k 3 is a build row, a retrieve row and a k
 * point) is one folder, played once; and a changed setting gets a new folder instead of being
 * refused by the runner's resume check.
 */
import { getBuildPolicy } from "../../memory/build/policies.js";
import { needsFacts } from "../../memory/retrieve/options.js";
import type { RetrievePolicyName } from "../../memory/retrieve/types.js";
import type { BuildKind } from "../../memory/types.js";
import { getUpdatePolicy } from "../../memory/update/policies.js";
import type { UpdatePolicyName } from "../../memory/update/types.js";
import { offlineMemoryDir, runDirOf, type ExperimentConfig } from "../experiment.js";
import type { AblationSettings } from "./settings.js";

export type { AblationSettings } from "./settings.js";
export type CellGroup = "build" | "retrieve" | "update" | "k" | "transfer";

export interface CellRole {
  group: CellGroup;
  /** build: none|<kind>; retrieve and update: the policy; k: the number; transfer: the model that built the memory. */
  key: string;
}

export interface Cell {
  exp: string;
  model: string;
  split: string;
  config: ExperimentConfig;
  roles: CellRole[];
  /** The model that built the memory, when another model did (transfer). */
  memoryFrom?: string;
  /** Why the cell is not run. */
  skip?: string;
}

/** Where a model's offline memory of a kind lives: the runner's default folder. */
export function memoryDirOf(settings: Pick<AblationSettings, "resultsDir" | "env">, model: string, kind: BuildKind): string {
  return offlineMemoryDir(settings.resultsDir, settings.env, model, kind);
}

export function runDirOfCell(cell: Pick<Cell, "config">): string {
  return runDirOf(cell.config);
}

export interface CellSetting {
  mode: "offline" | "online";
  useMemory: boolean;
  build: BuildKind;
  retrieve: RetrievePolicyName;
  topK: number;
  update?: UpdatePolicyName;
  from?: string;
}

/** The exp name of a setting: `abl-none`, `abl-script-query-k3`, `abl-online-adjustment-proceduralization-query-k3`, `abl-proceduralization-query-k3-from-gpt-4o`. */
export function expName(s: CellSetting): string {
  const parts = ["abl"];
  if (s.mode === "online") parts.push(`online-${s.update}`);
  parts.push(s.useMemory ? `${s.build}-${s.retrieve}-k${s.topK}` : "none");
  if (s.from) parts.push(`from-${s.from.replace(/[\\/:]+/g, "_")}`);
  return parts.join("-");
}

/** The one no-memory setting: its memory fields are fixed so every grid shares the baseline run. */
const NO_MEMORY: CellSetting = { mode: "offline", useMemory: false, build: "trajectory", retrieve: "query", topK: 3 };

function modelNeed(s: CellSetting): string | undefined {
  if (!s.useMemory) return undefined;
  if (getBuildPolicy(s.build).needsModel) return `the ${s.build} build`;
  if (needsFacts(s.retrieve)) return `${s.retrieve} retrieval (facts extraction)`;
  if (s.update !== undefined && getUpdatePolicy(s.update).needsModel) return `the ${s.update} update`;
  return undefined;
}

/** The cells, in the order they run: models in the given order (the memory-building model first), then splits, then groups. */
export function planCells(settings: AblationSettings): Cell[] {
  const cells = new Map<string, Cell>();
  const memorySetting = (retrieve: RetrievePolicyName, topK: number): CellSetting => ({ mode: "offline", useMemory: true, build: settings.memory, retrieve, topK });
  settings.models.forEach((model, index) => {
    for (const split of settings.splits) {
      const wanted: Array<[CellRole, CellSetting]> = [
        ...settings.build.map((b): [CellRole, CellSetting] => [{ group: "build", key: b }, b === "none" ? NO_MEMORY : { mode: "offline", useMemory: true, build: b, retrieve: "query", topK: settings.topK }]),
        ...settings.retrieve.map((r): [CellRole, CellSetting] => [{ group: "retrieve", key: r }, memorySetting(r, settings.topK)]),
        ...settings.k.map((k): [CellRole, CellSetting] => [{ group: "k", key: String(k) }, memorySetting("query", k)]),
        ...settings.update.map((u): [CellRole, CellSetting] => [{ group: "update", key: u }, { mode: "online", useMemory: true, build: settings.memory, retrieve: "query", topK: settings.topK, update: u }]),
      ];
      const from = settings.models[0]!;
      if (settings.transfer && index > 0) wanted.push([{ group: "transfer", key: from }, { ...memorySetting("query", settings.topK), from }]);
      for (const [role, setting] of wanted) {
        const cell = cellOf(settings, model, split, setting, role);
        const key = `${model}\u0000${split}\u0000${cell.exp}`;
        const existing = cells.get(key);
        if (existing) existing.roles.push(role);
        else cells.set(key, cell);
      }
    }
  });
  return [...cells.values()];
}

/** The no-memory cell of a model and split (the pilot's fallback when every cell of the grid needs a memory build first). */
export function noMemoryCell(settings: AblationSettings, model: string, split: string): Cell {
  return cellOf(settings, model, split, NO_MEMORY, { group: "build", key: "none" });
}

function cellOf(settings: AblationSettings, model: string, split: string, setting: CellSetting, role: CellRole): Cell {
  const exp = expName(setting);
  const need = modelNeed(setting);
  return {
    exp,
    model,
    split,
    roles: [role],
    ...(setting.from ? { memoryFrom: setting.from } : {}),
    ...(need && !settings.hasModel ? { skip: `${need} needs a chat model (--model NAME)` } : {}),
    config: {
      mode: setting.mode,
      env: settings.env,
      model,
      split,
      batchSize: settings.batchSize,
      maxSteps: settings.maxSteps,
      expName: exp,
      fewShot: false,
      useMemory: setting.useMemory,
      ...(setting.from ? { memory: memoryDirOf(settings, setting.from, setting.build) } : {}),
      build: setting.build,
      retrieve: setting.retrieve,
      topK: setting.topK,
      memorySize: settings.memorySize,
      limit: settings.limit,
      seed: settings.seed,
      resultsDir: settings.resultsDir,
      agent: settings.agent,
      grammar: settings.grammar,
      overwrite: false,
      ...(setting.update ? { update: setting.update } : {}),
      embeddings: settings.embeddings,
    },
  };
}

/** Whether the cell plays a part in a group (and, with `key`, that row or point of it). */
export function hasRole(cell: Cell, group: CellGroup, key?: string): boolean {
  return cell.roles.some((r) => r.group === group && (key === undefined || r.key === key));
}
