/**
 * The project's one-way dependencies, checked in CI (test/architecture.test.ts):
 *   core/          the ground: errors, config, trajectories, utilities, the model transport
 *   memory/        the procedural memory: knows core only
 *   environments/  ALFWorld and TravelPlanner: know core only
 *   chains/        the only folder that knows both memory and environments
 *   testing/       the scripted server and the replay scripts for tests, benchmarks and notebooks:
 *                  knows everything but src/
 *   src/           the roof: the public entry points, model factories, data download, the CLI
 * Nothing outside src/ imports src/, and nothing imports the CLI but the CLI itself.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-only-${allowed.join("-") || "itself"}`,
  severity: "error",
  from: { path: `^${name}/` },
  to: { path: `^(core|memory|environments|chains|testing|src)/`, pathNot: `^(${[name, ...allowed].join("|")})/` },
});

module.exports = {
  forbidden: [
    layer("core", []),
    layer("memory", ["core"]),
    layer("environments", ["core"]),
    layer("chains", ["core", "memory", "environments"]),
    layer("testing", ["core", "memory", "environments", "chains"]),
    {
      name: "nothing-imports-the-cli",
      severity: "error",
      from: { pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      // Cycles of type-only imports vanish at run time; a cycle of values is an ordering bug.
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
