// Types for memp.cjs: each entry point of the package, as users import it.
export function load(specifier: "memp-langchain"): Promise<typeof import("../dist/src/index.js")>;
export function load(specifier: "memp-langchain/alfworld"): Promise<typeof import("../dist/src/alfworld.js")>;
export function load(specifier: "memp-langchain/travelplanner"): Promise<typeof import("../dist/src/travelplanner.js")>;
export function load(specifier: "memp-langchain/testing"): Promise<typeof import("../dist/src/testing.js")>;
export function load(specifier: "memp-langchain/store"): Promise<typeof import("../dist/src/store.js")>;
