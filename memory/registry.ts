import { ConfigError } from "../core/errors.js";

/**
 * The policies of one stage (build, retrieve, update) by name. A policy is one object behind its
 * stage's interface, so adding one is adding a file that registers it; names are checked here,
 * once, for the CLI, the runners and the library alike.
 */
export class PolicyRegistry<P extends { readonly name: string }> {
  private readonly policies = new Map<string, P>();

  constructor(private readonly stage: string) {}

  /** Adds a policy; a name already taken is refused unless `replace` says the caller means it. */
  register(policy: P, options: { replace?: boolean } = {}): void {
    const name = policy?.name;
    if (typeof name !== "string" || !/^[a-z][a-z0-9_-]*$/i.test(name)) {
      throw new ConfigError(`a ${this.stage} policy needs a name of letters, digits, "_" or "-"; got ${JSON.stringify(name)}`);
    }
    if (this.policies.has(name) && !options.replace) {
      throw new ConfigError(`a ${this.stage} policy named "${name}" is already registered (pass { replace: true } to replace it)`);
    }
    this.policies.set(name, policy);
  }

  get(name: string): P {
    const policy = this.policies.get(name);
    if (!policy) throw new ConfigError(`unknown ${this.stage} policy "${name}"; expected one of ${this.names().join(", ")}`);
    return policy;
  }

  has(name: string): boolean {
    return this.policies.has(name);
  }

  names(): string[] {
    return [...this.policies.keys()];
  }
}
