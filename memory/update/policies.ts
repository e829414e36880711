import { PolicyRegistry } from "../registry.js";
import type { FinishedTask } from "./types.js";

/** What an update policy asks of a finished batch. */
export interface UpdatePlan {
  /** Runs to build into new entries. */
  add: FinishedTask[];
  /** Failed runs whose misleading entry is to be corrected by reflection (needs a model). */
  reflect: FinishedTask[];
}

/**
 * One way of learning from a finished batch (see `registerUpdatePolicy`). Book-keeping,
 * deprecation, merging and the cap are the same for every policy and run around it.
 */
export interface UpdatePolicy {
  readonly name: string;
  /** Whether the plan can ask for reflection, which needs a chat model. */
  readonly needsModel: boolean;
  plan(batch: readonly FinishedTask[], succeeded: (task: FinishedTask) => boolean): UpdatePlan;
}

/** MemP's vanilla: every run becomes an entry, whatever its outcome. */
export const vanillaPolicy: UpdatePolicy = {
  name: "vanilla",
  needsModel: false,
  plan: (batch) => ({ add: [...batch], reflect: [] }),
};

/** MemP's validation: only successful runs become entries. */
export const validationPolicy: UpdatePolicy = {
  name: "validation",
  needsModel: false,
  plan: (batch, succeeded) => ({ add: batch.filter(succeeded), reflect: [] }),
};

/** MemP's adjustment: successful runs become entries; a failed run corrects the entry that misled it. */
export const adjustmentPolicy: UpdatePolicy = {
  name: "adjustment",
  needsModel: true,
  plan: (batch, succeeded) => ({ add: batch.filter(succeeded), reflect: batch.filter((t) => !succeeded(t)) }),
};

const registry = new PolicyRegistry<UpdatePolicy>("update");
for (const policy of [vanillaPolicy, validationPolicy, adjustmentPolicy]) registry.register(policy);

/** Makes an update policy available by its name to `updateMemory`, sessions, the runners and the CLI. */
export function registerUpdatePolicy(policy: UpdatePolicy, options?: { replace?: boolean }): void {
  registry.register(policy, options);
}

export function getUpdatePolicy(name: string): UpdatePolicy {
  return registry.get(name);
}

export function updatePolicyNames(): string[] {
  return registry.names();
}
